using System.IO.Compression;
using System.Xml.Linq;

namespace Sagas.Packaging.Tests.Harness;

/// <summary>A <c>.nupkg</c> opened as the zip it is: its entries and its <c>.nuspec</c> metadata.</summary>
internal sealed class PackageFile
{
    private readonly XElement _metadata;

    private PackageFile(string path, IReadOnlyDictionary<string, long> entries, XElement metadata)
    {
        Path = path;
        Entries = entries;
        _metadata = metadata;
    }

    public string Path { get; }

    /// <summary>Every file in the package, with its uncompressed length.</summary>
    public IReadOnlyDictionary<string, long> Entries { get; }

    public string? Id => Element("id")?.Value;

    public string? Version => Element("version")?.Value;

    /// <summary>The <c>readme</c> element: the package path of the README nuget.org shows.</summary>
    public string? Readme => Element("readme")?.Value;

    public XElement? License => Element("license");

    public XElement? Repository => Element("repository");

    public string? Description => Element("description")?.Value;

    /// <summary>The assemblies under <c>lib/</c>.</summary>
    public IEnumerable<string> LibraryAssemblies
        => Entries.Keys.Where(e => e.StartsWith("lib/", StringComparison.Ordinal) && e.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));

    /// <summary>Every dependency, in every target framework group.</summary>
    public IEnumerable<(string Id, string Version)> Dependencies
        => _metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => ((string?)e.Attribute("id") ?? string.Empty, (string?)e.Attribute("version") ?? string.Empty));

    public static PackageFile Open(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var entries = zip.Entries.ToDictionary(e => e.FullName, e => e.Length, StringComparer.Ordinal);
        var nuspecs = zip.Entries.Where(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase)).ToList();
        if (nuspecs.Count != 1)
        {
            throw new InvalidDataException($"{path} has {nuspecs.Count} .nuspec files at its root; a package has exactly one.");
        }

        using var stream = nuspecs[0].Open();
        // The nuspec namespace changes with the schema version: match on local names.
        var metadata = XDocument.Load(stream).Root?.Elements().SingleOrDefault(e => e.Name.LocalName == "metadata")
            ?? throw new InvalidDataException($"{path}: {nuspecs[0].FullName} has no <metadata>.");
        return new PackageFile(path, entries, metadata);
    }

    private XElement? Element(string name) => _metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);
}
