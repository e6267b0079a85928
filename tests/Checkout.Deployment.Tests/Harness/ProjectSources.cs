using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Checkout.Deployment.Tests.Harness;

/// <summary>
/// A project of the repository with every project it references, directly or not, and what their C# sources contain:
/// the string literals (routes, configuration keys, queue names) and the names of declared properties (options classes
/// bound from a configuration section).
/// </summary>
internal sealed partial class ProjectSources
{
    private ProjectSources(string projectFile, IReadOnlyList<string> closure)
    {
        ProjectFile = projectFile;
        Closure = closure;
        SourceFiles = [.. closure.SelectMany(p => CSharpFilesOf(Path.GetDirectoryName(p)!))];
        var literals = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var properties = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var endpoints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in SourceFiles)
        {
            var text = File.ReadAllText(file);
            foreach (Match m in StringLiteral().Matches(text))
            {
                literals.Add(Unescape(m.Groups["text"].Value));
            }

            foreach (Match m in PropertyDeclaration().Matches(text))
            {
                properties.Add(m.Groups["name"].Value);
            }

            foreach (Match m in EndpointRegistration().Matches(text))
            {
                endpoints.Add(KebabCase().Replace(m.Groups["type"].Value, "-$1").ToLowerInvariant());
            }
        }

        Literals = literals;
        Properties = properties;
        EndpointNames = endpoints;
    }

    /// <summary>The full path of the project file.</summary>
    public string ProjectFile { get; }

    /// <summary>The project directory relative to the repository root, e.g. <c>samples/Checkout.Api</c>.</summary>
    public string Directory => Repository.Relative(Path.GetDirectoryName(ProjectFile)!);

    /// <summary>The project and every project it references, transitively (full paths of project files).</summary>
    public IReadOnlyList<string> Closure { get; }

    /// <summary>The C# files of <see cref="Closure"/>, without bin/ and obj/.</summary>
    public IReadOnlyList<string> SourceFiles { get; }

    /// <summary>Every regular or verbatim string literal of the sources (case-insensitive set).</summary>
    public IReadOnlySet<string> Literals { get; }

    /// <summary>Every property name declared in the sources (case-insensitive set).</summary>
    public IReadOnlySet<string> Properties { get; }

    /// <summary>
    /// The receive endpoints (queues) the sources register through Sagas, named as Sagas and MassTransit's kebab-case
    /// formatter name them: <c>AddSaga&lt;TMachine, CheckoutState&gt;</c> gives <c>checkout-state</c>,
    /// <c>AddStep&lt;ReserveInventory, …&gt;</c> and <c>AddFunctionStep&lt;ReserveInventory&gt;</c> give <c>reserve-inventory</c>.
    /// </summary>
    public IReadOnlySet<string> EndpointNames { get; }

    /// <summary>The assembly name: <c>AssemblyName</c> of the project file, else the file name.</summary>
    public string AssemblyName =>
        XDocument.Load(ProjectFile).Descendants("AssemblyName").Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0)
        ?? Path.GetFileNameWithoutExtension(ProjectFile);

    public string Describe() => $"{Directory} and the projects it references ({SourceFiles.Count} C# files)";

    /// <summary>Loads the project in <paramref name="relativeDirectory"/> (one project file there), or <see langword="null"/> when absent.</summary>
    public static ProjectSources? TryLoad(string relativeDirectory)
    {
        var directory = Repository.PathOf(relativeDirectory);
        var file = System.IO.Directory.Exists(directory) ? System.IO.Directory.GetFiles(directory, "*.csproj").SingleOrDefault() : null;
        return file is null ? null : new ProjectSources(file, ClosureOf(file));
    }

    public static ProjectSources Load(string relativeDirectory) =>
        TryLoad(relativeDirectory) ?? throw new InvalidOperationException($"No project file in {relativeDirectory}.");

    private static string Unescape(string text)
    {
        try
        {
            return Regex.Unescape(text);
        }
        catch (ArgumentException)
        {
            return text; // an escape Regex does not know; the keys looked for have none
        }
    }

    private static List<string> ClosureOf(string projectFile)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([Path.GetFullPath(projectFile)]);
        while (pending.TryPop(out var file))
        {
            if (seen.Contains(file, StringComparer.Ordinal))
            {
                continue;
            }

            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"{Repository.Relative(file)} is referenced but does not exist.");
            }

            seen.Add(file);
            foreach (var reference in XDocument.Load(file).Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")?.Value;
                if (!string.IsNullOrEmpty(include) && !include.Contains('$', StringComparison.Ordinal))
                {
                    pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, include.Replace('\\', Path.DirectorySeparatorChar))));
                }
            }
        }

        return seen;
    }

    private static IEnumerable<string> CSharpFilesOf(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Repository.Relative(f).Split('/').Any(part => part is "bin" or "obj"));

    // "..." with escapes, or @"..." with doubled quotes; the text of interpolated strings up to the first hole is enough
    // for the exact keys looked for here.
    [GeneratedRegex("""(?<!@)"(?<text>(?:[^"\\\r\n]|\\.)*)"|@"(?<text>(?:[^"]|"")*)" """, RegexOptions.CultureInvariant)]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\.(?:AddSaga<\s*\w+\s*,\s*(?<type>\w+?)(?:Saga)?\s*>|(?:AddStep|AddFunctionStep)<\s*(?<type>\w+))", RegexOptions.CultureInvariant)]
    private static partial Regex EndpointRegistration();

    // Sagas' and MassTransit's kebab case: a dash before every capital but the first.
    [GeneratedRegex("(?<!^)([A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex KebabCase();

    [GeneratedRegex("""\b(?<name>[A-Z][A-Za-z0-9_]*)\s*\{\s*(?:get|init|set)\b""", RegexOptions.CultureInvariant)]
    private static partial Regex PropertyDeclaration();
}
