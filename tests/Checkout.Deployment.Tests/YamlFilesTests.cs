using Checkout.Deployment.Tests.Harness;

namespace Checkout.Deployment.Tests;

/// <summary>Every YAML file under deploy/ is well-formed and every document says what it is.</summary>
public sealed class YamlFilesTests
{
    public static TheoryData<string> Files() => [.. Yaml.DeployFiles().Select(Repository.Relative)];

    [Fact]
    public void Deploy_holds_the_kubernetes_manifests_and_the_sam_template()
    {
        var files = Yaml.DeployFiles().Select(Repository.Relative).ToList();
        Assert.Contains("deploy/aws/template.yaml", files);
        Assert.Contains("deploy/kubernetes/kustomization.yaml", files);
        Assert.True(files.Count(f => f.StartsWith("deploy/kubernetes/", StringComparison.Ordinal)) >= 3, $"deploy/kubernetes holds only: {string.Join(", ", files)}.");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_file_parses_and_every_document_names_its_kind(string file)
    {
        IReadOnlyList<YamlDotNet.RepresentationModel.YamlDocument> documents;
        try
        {
            documents = Yaml.Load(Repository.PathOf(file));
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            Assert.Fail($"{file}: not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
            return;
        }

        Assert.True(documents.Count > 0, $"{file}: no YAML document.");
        for (var i = 0; i < documents.Count; i++)
        {
            var root = documents[i].RootNode;
            if (file.StartsWith("deploy/aws/", StringComparison.Ordinal))
            {
                Assert.True(root.Text("Resources") is null && root.At("Resources") is not null, $"{file}: document {i + 1} has no Resources.");
                continue;
            }

            Assert.True(root.Text("apiVersion") is { Length: > 0 }, $"{file}: document {i + 1} has no apiVersion.");
            Assert.True(root.Text("kind") is { Length: > 0 }, $"{file}: document {i + 1} has no kind.");
            if (root.Text("kind") != "Kustomization")
            {
                Assert.True(root.Text("metadata", "name") is { Length: > 0 }, $"{file}: document {i + 1} ({root.Text("kind")}) has no metadata.name.");
            }
        }
    }
}
