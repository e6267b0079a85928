namespace Checkout.Tests;

/// <summary>Finds files of the repository the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sagas.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Sagas.sln not found above {AppContext.BaseDirectory}.");
    }
}
