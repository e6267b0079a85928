using System.Text.RegularExpressions;
using Checkout.Deployment.Tests.Harness;

namespace Checkout.Deployment.Tests.Docker;

/// <summary>The Dockerfile of each deployed app builds that app, small and non-root, from what the build needs.</summary>
public sealed partial class DockerfileTests
{
    [Theory]
    [MemberData(nameof(App.Images), MemberType = typeof(App))]
    public void The_dockerfile_builds_with_the_sdk_and_runs_on_the_aspnet_runtime_image(string image)
    {
        var dockerfile = DockerfileOf(image);
        var froms = dockerfile.Instructions.Where(i => i.Keyword == "FROM").ToList();
        Assert.True(froms.Count >= 2, $"{dockerfile.Path}: expected a multi-stage build (SDK stage, runtime stage), found {froms.Count} FROM.");
        Assert.True(froms[0].Arguments.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal),
            $"{dockerfile.Path}:{froms[0].Line}: the build stage should start from mcr.microsoft.com/dotnet/sdk, got '{froms[0].Arguments}'.");
        var runtime = froms[^1];
        Assert.True(runtime.Arguments.StartsWith("mcr.microsoft.com/dotnet/aspnet:", StringComparison.Ordinal),
            $"{dockerfile.Path}:{runtime.Line}: the final stage should run on mcr.microsoft.com/dotnet/aspnet (no SDK in the image), got '{runtime.Arguments}'.");
        Assert.Contains(dockerfile.FinalStage, i => i.Keyword == "COPY" && i.Arguments.Contains("--from=", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(App.Images), MemberType = typeof(App))]
    public void The_final_stage_runs_as_a_non_root_user(string image)
    {
        var dockerfile = DockerfileOf(image);
        var user = dockerfile.FinalStage.LastOrDefault(i => i.Keyword == "USER");
        Assert.True(user is not null, $"{dockerfile.Path}: the final stage sets no USER, so the app would run as root.");
        var name = user.Arguments.Split(':')[0];
        Assert.True(name is not ("root" or "0") && name.Length > 0,
            $"{dockerfile.Path}:{user.Line}: the final USER is '{user.Arguments}', which is root.");
        Assert.True(dockerfile.FinalStage.Last(i => i.Keyword is "USER" or "RUN").Keyword == "USER",
            $"{dockerfile.Path}: a RUN follows the last USER of the final stage; the image should end as the non-root user.");
    }

    [Theory]
    [MemberData(nameof(App.Images), MemberType = typeof(App))]
    public void The_exposed_port_is_the_port_kestrel_listens_on(string image)
    {
        var dockerfile = DockerfileOf(image);
        var exposed = ExposedPort(dockerfile);
        var listening = HttpPorts(dockerfile);
        Assert.True(exposed is not null, $"{dockerfile.Path}: the final stage has no EXPOSE.");
        Assert.True(listening is not null, $"{dockerfile.Path}: the final stage sets no ENV ASPNETCORE_HTTP_PORTS.");
        Assert.True(exposed == listening, $"{dockerfile.Path}: EXPOSE {exposed} but ASPNETCORE_HTTP_PORTS={listening}.");
    }

    [Theory]
    [MemberData(nameof(App.Images), MemberType = typeof(App))]
    public void The_dockerfile_copies_every_project_and_build_file_the_app_needs_before_publishing_it(string image)
    {
        var app = App.ForImage(image)!;
        var project = ProjectSources.TryLoad(app.ProjectDirectory);
        Assert.True(project is not null, $"{app.ProjectDirectory}: no project file; {app.DockerfilePath} builds nothing.");
        var dockerfile = DockerfileOf(image);
        var projectFile = Repository.Relative(project.ProjectFile);
        var publish = dockerfile.Instructions.FirstOrDefault(i => i.Keyword == "RUN" && i.Arguments.Contains($"dotnet publish {projectFile}", StringComparison.Ordinal));
        Assert.True(publish is not null, $"{dockerfile.Path}: no RUN with 'dotnet publish {projectFile}'.");
        var copied = dockerfile.Instructions
            .Where(i => i.Keyword == "COPY" && i.Stage == publish.Stage && i.Line < publish.Line)
            .SelectMany(i => Dockerfile.ContextSources(i) ?? [])
            .ToList();

        var needed = new List<string> { "global.json", "Directory.Packages.props" };
        foreach (var directory in project.Closure.Select(p => Repository.Relative(Path.GetDirectoryName(p)!)))
        {
            needed.Add(directory + "/");
            // Every Directory.Build.props MSBuild imports for this project, from its folder up to the root.
            var segments = directory.Split('/');
            for (var depth = segments.Length; depth >= 0; depth--)
            {
                var props = string.Join('/', segments[..depth].Append("Directory.Build.props"));
                if (File.Exists(Repository.PathOf(props)))
                {
                    needed.Add(props);
                }
            }
        }

        var missing = needed.Distinct().Where(path => !copied.Any(source => Covers(source, path.TrimEnd('/')))).ToList();
        Assert.True(missing.Count == 0,
            $"{dockerfile.Path}: copied before 'dotnet publish' (line {publish.Line}): [{string.Join(", ", copied)}]; not copied, but {project.Directory} needs: {string.Join(", ", missing)}.");
    }

    [Theory]
    [MemberData(nameof(App.Images), MemberType = typeof(App))]
    public void The_entrypoint_starts_the_published_assembly_of_the_project(string image)
    {
        var app = App.ForImage(image)!;
        var project = ProjectSources.TryLoad(app.ProjectDirectory);
        Assert.True(project is not null, $"{app.ProjectDirectory}: no project file.");
        var dockerfile = DockerfileOf(image);
        var entrypoint = dockerfile.FinalStage.LastOrDefault(i => i.Keyword == "ENTRYPOINT");
        Assert.True(entrypoint is not null, $"{dockerfile.Path}: the final stage has no ENTRYPOINT.");
        var expected = $"[\"dotnet\", \"{project.AssemblyName}.dll\"]";
        Assert.True(Regex.Replace(entrypoint.Arguments, @"\s+", " ") == expected,
            $"{dockerfile.Path}:{entrypoint.Line}: ENTRYPOINT {entrypoint.Arguments}, but {project.Directory} publishes {project.AssemblyName}.dll (expected ENTRYPOINT {expected}).");
    }

    [Fact]
    public void The_function_host_image_carries_the_invoice_font_where_the_code_looks_for_it()
    {
        // The chiseled runtime image has no fonts; GenerateInvoice renders a PDF and /health/ready checks for a font.
        var dockerfile = DockerfileOf("sagas/checkout-functions");
        var project = ProjectSources.Load(App.ForImage("sagas/checkout-functions")!.ProjectDirectory);
        var fonts = dockerfile.FinalStage
            .Where(i => i.Keyword == "COPY" && i.Arguments.Contains("--from=", StringComparison.Ordinal))
            .Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToList())
            .Where(parts => parts.Any(p => p.EndsWith(".ttf", StringComparison.Ordinal)))
            .ToList();
        Assert.True(fonts.Count > 0, $"{dockerfile.Path}: the final stage copies no .ttf font; invoices cannot be rendered and /health/ready stays unhealthy.");
        foreach (var parts in fonts)
        {
            var folder = parts[^1].TrimEnd('/');
            var files = parts[..^1].Select(p => Path.GetFileName(p)).ToList();
            Assert.True(project.Literals.Contains(folder),
                $"{dockerfile.Path}: fonts are copied to {folder}, a folder {project.Describe()} does not look in.");
            Assert.True(files.All(project.Literals.Contains),
                $"{dockerfile.Path}: copies {string.Join(", ", files)} to {folder}; the code looks for other file names there.");
        }
    }

    [Fact]
    public void The_build_context_leaves_out_host_build_output()
    {
        var path = Repository.PathOf(".dockerignore");
        Assert.True(File.Exists(path), ".dockerignore is missing at the repository root (the build context of every image).");
        var patterns = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var output in new[] { "bin", "obj" })
        {
            Assert.True(patterns.Any(p => p.TrimEnd('/') == $"**/{output}"),
                $".dockerignore: no '**/{output}/' pattern; the host's {output}/ folders would be sent into the image build.");
        }

        foreach (var needed in new[] { "src", "samples", "global.json", "Directory.Build.props", "Directory.Packages.props" })
        {
            Assert.False(patterns.Any(p => p.TrimEnd('/') == needed), $".dockerignore excludes {needed}, which every image build copies.");
        }
    }

    internal static int? ExposedPort(Dockerfile dockerfile) =>
        dockerfile.FinalStage.Where(i => i.Keyword == "EXPOSE").Select(i => int.Parse(i.Arguments.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture)).Cast<int?>().LastOrDefault();

    internal static int? HttpPorts(Dockerfile dockerfile) =>
        dockerfile.FinalStage.Where(i => i.Keyword == "ENV")
            .Select(i => HttpPortsSetting().Match(i.Arguments))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture))
            .Cast<int?>()
            .LastOrDefault();

    internal static Dockerfile DockerfileOf(string image)
    {
        var app = App.ForImage(image)!;
        Assert.True(File.Exists(Repository.PathOf(app.DockerfilePath)), $"{app.DockerfilePath} is missing: image {image} is built from it.");
        return Dockerfile.Load(app.DockerfilePath);
    }

    // A COPY source covers a path when it is the path itself, a folder above it, or the whole context.
    private static bool Covers(string source, string path) =>
        source.Length == 0 || source == path || path.StartsWith(source + "/", StringComparison.Ordinal);

    [GeneratedRegex(@"(?:^|\s)ASPNETCORE_HTTP_PORTS[= ]""?(?<port>\d+)""?(?:\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex HttpPortsSetting();
}
