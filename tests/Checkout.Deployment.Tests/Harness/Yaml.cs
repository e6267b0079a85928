using YamlDotNet.RepresentationModel;

namespace Checkout.Deployment.Tests.Harness;

/// <summary>Reads YAML files (multi-document streams, CloudFormation tags such as <c>!Ref</c> kept on the nodes).</summary>
internal static class Yaml
{
    /// <summary>Every YAML file under <c>deploy/</c>.</summary>
    public static IReadOnlyList<string> DeployFiles() =>
        [.. Directory.EnumerateFiles(Repository.PathOf("deploy"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    /// <summary>The documents of <paramref name="path"/>; throws <see cref="YamlDotNet.Core.YamlException"/> with the position.</summary>
    public static IReadOnlyList<YamlDocument> Load(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        return [.. stream.Documents];
    }

    /// <summary>The node at <paramref name="path"/> of mapping keys, or <see langword="null"/>.</summary>
    public static YamlNode? At(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The scalar value at <paramref name="path"/>, or <see langword="null"/>.</summary>
    public static string? Text(this YamlNode? node, params string[] path) => (node.At(path) as YamlScalarNode)?.Value;

    /// <summary>The items of the sequence at <paramref name="path"/>; empty when absent.</summary>
    public static IEnumerable<YamlNode> Items(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlSequenceNode sequence ? sequence.Children : [];

    /// <summary>The entries of the mapping at <paramref name="path"/>, keys as text; empty when absent.</summary>
    public static IEnumerable<KeyValuePair<string, YamlNode>> Entries(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlMappingNode mapping
            ? mapping.Children.Select(e => KeyValuePair.Create(((YamlScalarNode)e.Key).Value ?? "", e.Value))
            : [];

    /// <summary>The node's tag without the leading <c>!</c> (<c>Ref</c>, <c>GetAtt</c>), or <see langword="null"/> when untagged.</summary>
    public static string? ShortTag(this YamlNode node) => node.Tag.IsEmpty ? null : node.Tag.Value.TrimStart('!');
}
