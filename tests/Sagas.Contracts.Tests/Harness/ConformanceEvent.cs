using System.Net.Mime;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using YamlDotNet.RepresentationModel;

namespace Sagas.Contracts.Tests.Harness;

/// <summary>
/// One event of a cloudevents/conformance YAML file (schema: the tool's pkg/event/event.go): context
/// attributes, extensions, transport extensions (plain HTTP headers) and the data as text.
/// </summary>
public sealed record ConformanceEvent(
    string File,
    string SpecVersion,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> Extensions,
    IReadOnlyDictionary<string, string> TransportExtensions,
    string? Data)
{
    public const string Folder = "cloudevents-conformance";

    public string Id => Attributes["id"];

    public string? DataContentType => Attributes.GetValueOrDefault("datacontenttype");

    /// <summary>Reads every document of a conformance YAML file, scalars kept as strings (<c>specversion: 1.0</c> is "1.0").</summary>
    public static IReadOnlyList<ConformanceEvent> Load(string fileName)
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(VectorFiles.ReadText($"{Folder}/{fileName}")))
        {
            yaml.Load(reader);
        }

        var events = new List<ConformanceEvent>();
        foreach (var document in yaml.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var context = (YamlMappingNode)root[new YamlScalarNode("ContextAttributes")];
            var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
            var extensions = new Dictionary<string, string>(StringComparer.Ordinal);
            string? specVersion = null;
            foreach (var (key, value) in context.Children)
            {
                var name = ((YamlScalarNode)key).Value!;
                if (name == "Extensions")
                {
                    extensions = Scalars((YamlMappingNode)value);
                }
                else if (name == "specversion")
                {
                    specVersion = ((YamlScalarNode)value).Value;
                }
                else
                {
                    attributes[name] = ((YamlScalarNode)value).Value!;
                }
            }

            var transport = root.Children.TryGetValue(new YamlScalarNode("TransportExtensions"), out var transportNode)
                ? Scalars((YamlMappingNode)transportNode)
                : [];
            var data = root.Children.TryGetValue(new YamlScalarNode("Data"), out var dataNode) ? ((YamlScalarNode)dataNode).Value : null;
            events.Add(new ConformanceEvent(fileName, specVersion ?? throw new InvalidDataException($"{fileName}: an event has no specversion"), attributes, extensions, transport, data));
        }

        return events;
    }

    /// <summary>
    /// Builds the CloudEvent the YAML describes. Attribute and extension values are trimmed, as the conformance
    /// tool does before sending them (pkg/http/http.go, addHeader: strings.TrimSpace); this matters for
    /// <c>comexampleextension2: |</c>, a literal block whose trailing line feed a CloudEvents String may not
    /// contain. The data is the HTTP body the tool would send, verbatim (trailing line feed included), typed
    /// the way the JSON event format needs it: a JSON value for a JSON (or absent) datacontenttype, a string
    /// for <c>text/*</c>, and the bytes in the declared charset for anything else (e.g. application/xml).
    /// </summary>
    public CloudEvent ToCloudEvent()
    {
        if (SpecVersion != "1.0")
        {
            throw new InvalidOperationException($"{File} {Id}: specversion {SpecVersion} is not CloudEvents 1.0.");
        }

        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0);
        foreach (var (name, value) in Attributes)
        {
            cloudEvent.SetAttributeFromString(name, value.Trim());
        }

        foreach (var (name, value) in Extensions)
        {
            cloudEvent.SetAttributeFromString(name, value.Trim());
        }

        cloudEvent.Data = TypedData();
        return cloudEvent;
    }

    public override string ToString() => $"{File} {Id}";

    private object? TypedData()
    {
        if (Data is null)
        {
            return null;
        }

        if (CloudEventConverter.IsJsonMediaType(DataContentType))
        {
            using var document = JsonDocument.Parse(Data);
            return document.RootElement.Clone();
        }

        var contentType = new ContentType(DataContentType!);
        return contentType.MediaType.StartsWith("text/", StringComparison.Ordinal)
            ? Data
            : Encoding.GetEncoding(contentType.CharSet ?? "utf-8").GetBytes(Data);
    }

    private static Dictionary<string, string> Scalars(YamlMappingNode mapping)
        => mapping.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => ((YamlScalarNode)c.Value).Value!, StringComparer.Ordinal);
}
