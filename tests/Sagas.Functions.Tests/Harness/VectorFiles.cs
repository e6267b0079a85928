using System.Text;

namespace Sagas.Functions.Tests.Harness;

/// <summary>
/// The test vectors copied into <c>Vectors/</c> (sources in <c>Vectors/SOURCES.md</c>), read from the output
/// directory so the tests never depend on the shared folder beside the clone.
/// </summary>
public static class VectorFiles
{
    public const string SpecExamples = "cloudevents-spec-examples";

    public static string PathOf(string relativePath)
    {
        var path = System.IO.Path.Combine([AppContext.BaseDirectory, "Vectors", .. relativePath.Split('/')]);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Test vector '{relativePath}' is not in the output directory; is it listed as Content in the test project?", path);
    }

    public static byte[] ReadBytes(string relativePath) => File.ReadAllBytes(PathOf(relativePath));

    public static string ReadText(string relativePath) => File.ReadAllText(PathOf(relativePath), Encoding.UTF8);
}

/// <summary>
/// An HTTP message as the spec examples print it (LF line endings): an optional start line, header lines, a blank
/// line, the body. Lines that are placeholders (<c>    .... further attributes ...</c>) are skipped, and so is
/// <c>Content-Length: nnnn</c>.
/// </summary>
public sealed record SpecHttpMessage(string? StartLine, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    public static SpecHttpMessage Load(string fileName)
    {
        var text = VectorFiles.ReadText($"{VectorFiles.SpecExamples}/{fileName}");
        var blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        var lines = text[..blank].Split('\n');
        var startLine = lines[0].StartsWith("HTTP/", StringComparison.Ordinal) || lines[0].Contains(" HTTP/", StringComparison.Ordinal) ? lines[0] : null;
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(startLine is null ? 0 : 1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.StartsWith(' ') || colon <= 0 || line.EndsWith(": nnnn", StringComparison.Ordinal))
            {
                continue; // a placeholder line
            }

            headers.Add(KeyValuePair.Create(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        var body = text[(blank + 2)..];
        return new SpecHttpMessage(startLine, headers, body.EndsWith('\n') ? body[..^1] : body);
    }

    public string Header(string name) => Headers.Single(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}
