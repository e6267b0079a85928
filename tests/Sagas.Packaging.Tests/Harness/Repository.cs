namespace Sagas.Packaging.Tests.Harness;

/// <summary>Finds files of the repository the tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Every project under <c>src/</c> (<c>src/*/*.csproj</c>): each one ships as a package.</summary>
    public static IReadOnlyList<string> PackableProjects()
        => [.. Directory.GetDirectories(PathOf("src"))
            .SelectMany(dir => Directory.GetFiles(dir, "*.csproj"))
            .Order(StringComparer.Ordinal)];

    /// <summary>The version of <paramref name="package"/> pinned in <c>Directory.Packages.props</c>.</summary>
    public static string PinnedVersionOf(string package)
        => System.Xml.Linq.XDocument.Load(PathOf("Directory.Packages.props"))
            .Descendants("PackageVersion")
            .SingleOrDefault(p => (string?)p.Attribute("Include") == package)?
            .Attribute("Version")?.Value
            ?? throw new InvalidOperationException($"Directory.Packages.props pins no version of {package}.");

    /// <summary>The <c>TargetFramework</c> every project of the repository builds for (root <c>Directory.Build.props</c>).</summary>
    public static string TargetFramework()
        => System.Xml.Linq.XDocument.Load(PathOf("Directory.Build.props"))
            .Descendants("TargetFramework")
            .SingleOrDefault()?.Value
            ?? throw new InvalidOperationException("The root Directory.Build.props sets no TargetFramework.");

    public static bool Contains(string path)
        => Path.GetFullPath(path).StartsWith(Root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

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
