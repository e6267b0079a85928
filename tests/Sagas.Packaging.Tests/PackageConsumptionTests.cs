using System.Text.RegularExpressions;
using Sagas.Packaging.Tests.Harness;
using Xunit.Abstractions;

namespace Sagas.Packaging.Tests;

/// <summary>
/// What src/ ships is what a team gets: every project under src/ is packed, each package carries what nuget.org
/// shows (readme, licence, repository, XML docs), and a console application outside the repository that knows
/// our code only by PackageReference runs a saga to completion.
/// </summary>
public sealed partial class PackageConsumptionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Packed_packages_run_a_two_step_saga_from_a_project_that_references_them_by_PackageReference_only()
    {
        // A version no feed has, so restore can only find the packages packed here.
        var version = $"0.0.0-test.{TimeProvider.System.GetUtcNow():yyyyMMddHHmmssfff}";
        using var work = TemporaryDirectory.Create("sagas-packaging");
        Assert.False(Repository.Contains(work.Path), $"The temp folder {work.Path} is inside the repository: the consumer must be outside it.");
        var feed = work.Combine("feed");

        var packages = await PackEverySourceProjectAsync(version, feed, work.Combine("artifacts"));
        var packedIds = packages.Select(p => p.Id!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var package in packages)
        {
            AssertCarriesWhatNuGetShows(package, version, packedIds);
        }

        var consumer = ConsumerProject.Write(
            work.Combine("consumer"),
            Repository.TargetFramework(),
            feed,
            new Dictionary<string, string>
            {
                ["Sagas"] = version,
                ["Microsoft.Extensions.Hosting"] = Repository.PinnedVersionOf("Microsoft.Extensions.Hosting"),
            });
        try
        {
            var run = await RunDotNetAsync(consumer.Directory, RunTimeout, "run", "--configuration", "Release");

            Assert.True(run.Succeeded, run.Describe());
            Assert.True(CompletedLine().IsMatch(run.Output), $"Expected a line 'saga <id> Completed'. {run.Describe()}");
            var restored = consumer.Restored();
            Assert.NotNull(restored);
            var sagas = packages.Single(p => string.Equals(p.Id, "Sagas", StringComparison.OrdinalIgnoreCase));
            foreach (var id in sagas.Dependencies.Select(d => d.Id).Where(packedIds.Contains).Prepend("Sagas"))
            {
                Assert.True(
                    restored.Packages.GetValueOrDefault(id) == version,
                    $"The consumer restored {id} {restored.Packages.GetValueOrDefault(id) ?? "(not at all)"}, expected {version} from the folder feed.");
            }
        }
        finally
        {
            ForgetExtractedPackages(consumer, packedIds, version);
        }
    }

    /// <summary>
    /// Packs every <c>src/*/*.csproj</c> into <paramref name="feed"/>. Build output goes to
    /// <paramref name="artifacts"/>, not to src/*/bin and obj, so packing neither races nor changes a build of the
    /// repository running beside it (CI's other test projects run from the Release output of src/).
    /// </summary>
    private async Task<IReadOnlyList<PackageFile>> PackEverySourceProjectAsync(string version, string feed, string artifacts)
    {
        var projects = Repository.PackableProjects();
        Assert.NotEmpty(projects);
        var packages = new List<PackageFile>();
        foreach (var project in projects)
        {
            var run = await RunDotNetAsync(
                Repository.Root,
                PackTimeout,
                "pack", project, "--configuration", "Release", "--output", feed, "--artifacts-path", artifacts, $"-p:Version={version}");
            Assert.True(run.Succeeded, run.Describe());

            // The package id is the project name unless a project sets PackageId; none does.
            var nupkg = Path.Combine(feed, $"{Path.GetFileNameWithoutExtension(project)}.{version}.nupkg");
            Assert.True(
                File.Exists(nupkg),
                $"Packing {project} made no {Path.GetFileName(nupkg)}; the feed holds: {string.Join(", ", Directory.EnumerateFiles(feed).Select(Path.GetFileName))}. {run.Describe()}");
            packages.Add(PackageFile.Open(nupkg));
        }

        return packages;
    }

    private static void AssertCarriesWhatNuGetShows(PackageFile package, string version, IReadOnlySet<string> packedIds)
    {
        var name = Path.GetFileName(package.Path);
        Assert.Equal(version, package.Version);
        Assert.False(string.IsNullOrWhiteSpace(package.Description), $"{name} has no <description>: set Description in its .csproj.");

        Assert.True(package.Readme == "PACKAGE.md", $"{name}: <readme> is '{package.Readme}', expected PACKAGE.md (PackageReadmeFile in src/Directory.Build.props).");
        Assert.True(package.Entries.GetValueOrDefault("PACKAGE.md") > 0, $"{name} does not contain a non-empty PACKAGE.md; it holds: {string.Join(", ", package.Entries.Keys)}.");

        Assert.True(
            package.License is { } license && (string?)license.Attribute("type") == "expression" && license.Value == "Apache-2.0",
            $"{name}: expected the licence expression Apache-2.0 (PackageLicenseExpression), got {package.License?.ToString() ?? "no <license>"}.");

        Assert.True(
            package.Repository is { } repository
                && (string?)repository.Attribute("type") == "git"
                && Uri.TryCreate((string?)repository.Attribute("url"), UriKind.Absolute, out var url)
                && url.Scheme == Uri.UriSchemeHttps,
            $"{name}: expected <repository type=\"git\" url=\"https://...\"> (RepositoryType, RepositoryUrl), got {package.Repository?.ToString() ?? "none"}.");

        var assemblies = package.LibraryAssemblies.ToList();
        Assert.True(assemblies.Count > 0, $"{name} has no assembly under lib/; it holds: {string.Join(", ", package.Entries.Keys)}.");
        foreach (var assembly in assemblies)
        {
            var docs = Path.ChangeExtension(assembly, ".xml");
            Assert.True(package.Entries.GetValueOrDefault(docs) > 0, $"{name} has {assembly} without its XML docs {docs} (GenerateDocumentationFile).");
        }

        foreach (var (id, dependencyVersion) in package.Dependencies.Where(d => packedIds.Contains(d.Id)))
        {
            Assert.True(dependencyVersion == version, $"{name} depends on {id} {dependencyVersion}, expected the version packed with it, {version}.");
        }
    }

    /// <summary>
    /// Removes this run's packages from the global packages folder restore extracted them to: their version is
    /// unique to the run, so nothing else uses them, and runs would otherwise pile them up.
    /// </summary>
    private static void ForgetExtractedPackages(ConsumerProject consumer, IEnumerable<string> ids, string version)
    {
        if (consumer.Restored() is not { } restored)
        {
            return;
        }

        foreach (var id in ids)
        {
            var folder = Path.Combine(restored.GlobalPackagesFolder, id.ToLowerInvariant());
            var extracted = Path.Combine(folder, version.ToLowerInvariant());
            try
            {
                if (Directory.Exists(extracted))
                {
                    Directory.Delete(extracted, recursive: true);
                }

                if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any())
                {
                    Directory.Delete(folder);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Tidying up must not hide the test's result; another run may be extracting beside us.
            }
        }
    }

    private async Task<DotNetRun> RunDotNetAsync(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var run = await DotNetCli.RunAsync(workingDirectory, timeout, arguments);
        output.WriteLine($"{run.CommandLine}: {(run.ExitCode is { } code ? $"exit {code}" : "killed")} after {run.Elapsed.TotalSeconds:0.0} s");
        return run;
    }

    [GeneratedRegex(@"^saga [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} Completed\r?$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex CompletedLine();
}
