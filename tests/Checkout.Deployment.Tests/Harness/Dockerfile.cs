using System.Text.RegularExpressions;

namespace Checkout.Deployment.Tests.Harness;

/// <summary>One instruction of a Dockerfile: keyword, arguments (continuations joined), the stage it belongs to.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Stage, int Line);

/// <summary>A Dockerfile read into instructions, enough to check stages, copies, ports and the user.</summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<DockerInstruction> instructions)
    {
        Path = path;
        Instructions = instructions;
    }

    /// <summary>The path relative to the repository root.</summary>
    public string Path { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public int StageCount => Instructions.Count(i => i.Keyword == "FROM");

    public IEnumerable<DockerInstruction> FinalStage => Instructions.Where(i => i.Stage == StageCount - 1);

    public static Dockerfile Load(string relativePath)
    {
        var instructions = new List<DockerInstruction>();
        var stage = -1;
        var lines = File.ReadAllLines(Repository.PathOf(relativePath));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue; // comments and parser directives
            }

            var start = i;
            var text = line;
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                text = text[..^1] + " ";
                var next = lines[++i].Trim();
                if (!next.StartsWith('#'))
                {
                    text += next;
                }
            }

            var match = Instruction().Match(text);
            if (!match.Success)
            {
                throw new InvalidOperationException($"{relativePath}:{start + 1}: not an instruction: {text}");
            }

            var keyword = match.Groups["keyword"].Value.ToUpperInvariant();
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new DockerInstruction(keyword, match.Groups["args"].Value.Trim(), stage, start + 1));
        }

        return new Dockerfile(relativePath, instructions);
    }

    /// <summary>The sources of a <c>COPY</c> from the build context (not <c>--from</c>), relative to it, without trailing slash.</summary>
    public static IReadOnlyList<string>? ContextSources(DockerInstruction copy)
    {
        var parts = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Any(p => p.StartsWith("--from", StringComparison.Ordinal)))
        {
            return null;
        }

        parts.RemoveAll(p => p.StartsWith("--", StringComparison.Ordinal));
        return [.. parts.Take(parts.Count - 1).Select(p => p is "." or "./" ? "" : (p.StartsWith("./", StringComparison.Ordinal) ? p[2..] : p).TrimEnd('/'))];
    }

    [GeneratedRegex(@"^(?<keyword>[A-Za-z]+)\s+(?<args>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Instruction();
}

/// <summary>The deployable apps: the image a manifest names and the project that image is built from.</summary>
internal sealed record App(string Image, string ProjectDirectory)
{
    /// <summary>The deployment contract: image name to project (each has <c>Dockerfile</c> in its directory).</summary>
    public static IReadOnlyList<App> All { get; } =
    [
        new("sagas/checkout-api", "samples/Checkout.Api"),
        new("sagas/checkout-worker", "samples/Checkout.Worker"),
        new("sagas/checkout-functions", "samples/Checkout.FunctionHost"),
    ];

    public string DockerfilePath => $"{ProjectDirectory}/Dockerfile";

    public static App? ForImage(string imageName) => All.SingleOrDefault(a => a.Image == imageName);

    public static TheoryData<string> Images() => [.. All.Select(a => a.Image)];
}
