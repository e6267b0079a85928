namespace Checkout.Deployment.Tests.Harness;

/// <summary>Finds files of the repository the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.GetFullPath(Path.Combine([Root, .. parts]));

    /// <summary>The path relative to the repository root with forward slashes, as messages and Dockerfiles name it.</summary>
    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

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
