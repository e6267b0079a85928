using System.Text.Json;
using System.Xml.Linq;

namespace Sagas.Packaging.Tests.Harness;

/// <summary>
/// A console project of a team that consumes our packages: written into a folder outside the repository, with
/// the application in <c>Consumer/</c> of this test project, and its own (empty) MSBuild and package settings so
/// that nothing of the repository's build leaks into it.
/// </summary>
internal sealed class ConsumerProject
{
    private ConsumerProject(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>
    /// Writes the project into <paramref name="directory"/>: it references <paramref name="packages"/> (id and
    /// version) and restores from <paramref name="feed"/> plus the machine's own package sources.
    /// </summary>
    public static ConsumerProject Write(string directory, string targetFramework, string feed, IReadOnlyDictionary<string, string> packages)
    {
        System.IO.Directory.CreateDirectory(directory);

        // Empty, so that MSBuild stops looking upwards here: no Directory.Build.props or central package
        // management of whatever folder the temp folder lives in applies.
        new XDocument(new XElement("Project")).Save(Path.Combine(directory, "Directory.Build.props"));
        new XDocument(new XElement("Project")).Save(Path.Combine(directory, "Directory.Packages.props"));

        // The folder feed is added to the sources NuGet already knows (user and machine nuget.config, nuget.org
        // by default), which the packages' own dependencies (MassTransit, Microsoft.Extensions.*) come from.
        // No <clear/>: it would remove those sources too.
        new XDocument(
            new XElement("configuration",
                new XElement("packageSources",
                    new XElement("add", new XAttribute("key", "sagas-under-test"), new XAttribute("value", feed)))))
            .Save(Path.Combine(directory, "nuget.config"));

        new XDocument(
            new XElement("Project", new XAttribute("Sdk", "Microsoft.NET.Sdk"),
                new XElement("PropertyGroup",
                    new XElement("OutputType", "Exe"),
                    new XElement("TargetFramework", targetFramework),
                    new XElement("Nullable", "enable"),
                    new XElement("ImplicitUsings", "enable"),
                    // A restore warning about our packages (a dependency that resolves to another version than
                    // the one declared, NU1603; a constraint it breaks, NU1608; ...) fails the test too.
                    new XElement("TreatWarningsAsErrors", "true")),
                new XElement("ItemGroup",
                    packages.Select(p => new XElement("PackageReference", new XAttribute("Include", p.Key), new XAttribute("Version", p.Value))))))
            .Save(Path.Combine(directory, "Consumer.csproj"));

        foreach (var source in System.IO.Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Consumer"), "*.cs"))
        {
            File.Copy(source, Path.Combine(directory, Path.GetFileName(source)));
        }

        return new ConsumerProject(directory);
    }

    /// <summary>
    /// What restore resolved (<c>obj/project.assets.json</c>): every package of the graph with its version, and
    /// the global packages folder it was extracted to. Null before a restore succeeded.
    /// </summary>
    public RestoredGraph? Restored()
    {
        var assets = Path.Combine(Directory, "obj", "project.assets.json");
        if (!File.Exists(assets))
        {
            return null;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(assets));
        var packages = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var library in json.RootElement.GetProperty("libraries").EnumerateObject())
        {
            if (library.Value.GetProperty("type").GetString() == "package")
            {
                var slash = library.Name.IndexOf('/', StringComparison.Ordinal);
                packages[library.Name[..slash]] = library.Name[(slash + 1)..];
            }
        }

        var globalPackagesFolder = json.RootElement.GetProperty("packageFolders").EnumerateObject().First().Name;
        return new RestoredGraph(packages, globalPackagesFolder);
    }
}

/// <summary>The packages a restore resolved, by id, and the global packages folder it extracted them to.</summary>
internal sealed record RestoredGraph(IReadOnlyDictionary<string, string> Packages, string GlobalPackagesFolder);
