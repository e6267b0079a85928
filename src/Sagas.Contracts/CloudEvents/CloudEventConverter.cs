using System.Net.Http.Headers;
using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Sagas.CloudEvents.Structured;
using Sagas.Contracts;

namespace Sagas.CloudEvents;

/// <summary>
/// Maps contract instances to CloudEvents 1.0 and back, in the JSON event format (structured mode) and
/// the HTTP binding's binary and structured modes.
/// </summary>
/// <remarks>
/// <para><b>Structured mode</b> puts the whole event, attributes and data, in one
/// <c>application/cloudevents+json</c> document: this is what Sagas writes to a broker.</para>
/// <para><b>Binary mode</b> carries the attributes as <c>ce-*</c> headers and the data alone as the body,
/// whose <c>Content-Type</c> is the event's <c>datacontenttype</c>: common for HTTP webhooks.</para>
/// <para>Decoding never trusts the producer: an event with an unknown <c>type</c>, data that does not
/// deserialize to its contract, or data its validator rejects raises <see cref="CloudEventRejectedException"/>
/// with every reason found. Instances are thread-safe.</para>
/// </remarks>
public sealed class CloudEventConverter
{
    /// <summary>The media type of a structured-mode JSON CloudEvent.</summary>
    public const string StructuredContentType = "application/cloudevents+json";

    /// <summary>The media type of a JSON CloudEvents batch.</summary>
    public const string BatchContentType = "application/cloudevents-batch+json";

    private static readonly ContentType Structured = new(StructuredContentType);
    private readonly ContractRegistry _registry;
    private readonly ContractEventFormatter _formatter;

    /// <summary>Creates a converter for the contracts in <paramref name="registry"/>.</summary>
    /// <param name="registry">The known contracts.</param>
    /// <param name="jsonOptions">How event data is (de)serialized; defaults to <see cref="ContractJson.CreateOptions(ContractRegistry)"/> of <paramref name="registry"/>.</param>
    public CloudEventConverter(ContractRegistry registry, JsonSerializerOptions? jsonOptions = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        JsonOptions = jsonOptions ?? ContractJson.CreateOptions(registry);
        _formatter = new ContractEventFormatter(JsonOptions);
    }

    /// <summary>The contracts this converter knows.</summary>
    public ContractRegistry Registry => _registry;

    /// <summary>Options used for event data.</summary>
    public JsonSerializerOptions JsonOptions { get; }

    /// <summary>The CloudEvents JSON event formatter in use.</summary>
    public CloudEventFormatter Formatter => _formatter;

    /// <summary>Builds the CloudEvent for a contract instance.</summary>
    /// <exception cref="InvalidOperationException">The message's type is not a registered contract.</exception>
    public CloudEvent ToCloudEvent(object message, EventMetadata metadata) => ToCloudEvent(message, metadata, serializeData: true);

    /// <summary>
    /// Builds the CloudEvent for a contract instance; with <paramref name="serializeData"/> false its data is the
    /// instance itself, serialized only when the event is encoded: for an event that is encoded at once and kept nowhere.
    /// </summary>
    internal CloudEvent ToCloudEvent(object message, EventMetadata metadata, bool serializeData)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(metadata);
        var contract = _registry.Get(message.GetType());
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, SagaAttributes.All)
        {
            Id = metadata.Id,
            Source = metadata.Source,
            Type = contract.EventType,
            DataSchema = contract.DataSchema,
            Subject = metadata.Subject,
            Time = metadata.Time,
            DataContentType = MediaTypeNames.Application.Json,
            Data = serializeData ? JsonSerializer.SerializeToElement(message, contract.ClrType, JsonOptions) : message,
        };
        SetMetadataExtensions(cloudEvent, metadata);
        return cloudEvent;
    }

    /// <summary>Copies the extension attributes of <paramref name="metadata"/> onto <paramref name="cloudEvent"/>.</summary>
    public static void SetMetadataExtensions(CloudEvent cloudEvent, EventMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.CorrelationId is not null)
        {
            cloudEvent[SagaAttributes.CorrelationId] = metadata.CorrelationId;
        }

        if (metadata.CausationId is not null)
        {
            cloudEvent[SagaAttributes.CausationId] = metadata.CausationId;
        }

        if (TraceContext.IsValidTraceParent(metadata.TraceParent))
        {
            cloudEvent[SagaAttributes.TraceParent] = metadata.TraceParent;
            if (!string.IsNullOrEmpty(metadata.TraceState))
            {
                cloudEvent[SagaAttributes.TraceState] = metadata.TraceState;
            }
        }

        if (metadata.Extensions is not null)
        {
            foreach (var (name, value) in metadata.Extensions)
            {
                cloudEvent[name] = value;
            }
        }
    }

    /// <summary>Reads the contract instance out of a CloudEvent and validates it.</summary>
    /// <exception cref="CloudEventRejectedException">Unknown type, unreadable data, or failed validation; the exception lists every reason.</exception>
    public DecodedEvent Decode(CloudEvent cloudEvent)
    {
        ArgumentNullException.ThrowIfNull(cloudEvent);
        var (contract, message) = DecodeData(cloudEvent.Type, cloudEvent.Id, cloudEvent.Source?.ToString(), cloudEvent, static (e, contract, options) => DeserializeData(e, contract, options));
        return new DecodedEvent(cloudEvent, contract, message);
    }

    /// <summary>
    /// Reads a structured-mode JSON CloudEvent in one pass when it has the plain shape (see <see cref="StructuredEventReader"/>),
    /// else through the CloudEvents SDK.
    /// </summary>
    /// <exception cref="CloudEventRejectedException">The body is not a valid CloudEvent.</exception>
    internal StructuredEvent ReadStructured(ReadOnlyMemory<byte> body)
        => StructuredEventReader.TryRead(body, out var structured) ? structured! : StructuredEvent.From(DecodeStructured(body));

    /// <summary>Reads the contract instance out of a structured event, straight from its JSON bytes, and validates it: the rules of <see cref="Decode(CloudEvent)"/>.</summary>
    /// <exception cref="CloudEventRejectedException">Unknown type, unreadable data, or failed validation; the exception lists every reason.</exception>
    internal (ContractDescriptor Contract, object Message) DecodeMessage(StructuredEvent structured)
    {
        if (structured.Decoded is { } cloudEvent)
        {
            var decoded = Decode(cloudEvent);
            return (decoded.Contract, decoded.Message);
        }

        return DecodeData(structured.Type, structured.Id, structured.SourceText, structured.Data, static (data, contract, options) => data.IsEmpty ? null : JsonSerializer.Deserialize(data.Span, contract.ClrType, options));
    }

    /// <summary>Starts writing a structured-mode event straight from its attributes (see <see cref="StructuredEventWriter"/>).</summary>
    internal StructuredEventWriter StartStructured(string id, Uri source, string type, Uri? dataSchema, string? subject, DateTimeOffset? time)
        => StructuredEventWriter.Start(_formatter.WriterOptions, id, source, type, dataSchema, subject, time);

    private (ContractDescriptor Contract, object Message) DecodeData<TData>(string? type, string? id, string? source, TData data, Func<TData, ContractDescriptor, JsonSerializerOptions, object?> read)
    {
        if (type is null || !_registry.TryGet(type, out var contract))
        {
            throw new CloudEventRejectedException(type, id, source, [type is null ? "the event has no 'type'" : $"unknown event type '{type}': no contract is registered for it"]);
        }

        object? message;
        try
        {
            message = read(data, contract, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new CloudEventRejectedException(type, id, source, [$"data does not match contract {contract.EventType}: {ex.Message}"]);
        }

        if (message is null)
        {
            throw new CloudEventRejectedException(type, id, source, [$"the event has no data, but contract {contract.EventType} requires a JSON object"]);
        }

        var validation = contract.Validate(message);
        if (!validation.IsValid)
        {
            throw new CloudEventRejectedException(type, id, source, [.. validation.Errors.Select(e => $"{e.PropertyName}: {e.ErrorMessage}")]);
        }

        return (contract, message);
    }

    /// <summary>Encodes an event in structured mode (<c>application/cloudevents+json</c>).</summary>
    public ReadOnlyMemory<byte> EncodeStructured(CloudEvent cloudEvent)
        => _formatter.EncodeStructured(cloudEvent);

    /// <summary>Parses a structured-mode JSON CloudEvent.</summary>
    /// <exception cref="CloudEventRejectedException">The body is not a valid CloudEvent.</exception>
    public CloudEvent DecodeStructured(ReadOnlyMemory<byte> body)
    {
        try
        {
            return _formatter.DecodeStructuredModeMessage(body, Structured, SagaAttributes.All);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidOperationException)
        {
            throw new CloudEventRejectedException(null, null, null, [$"not a valid structured CloudEvent: {ex.Message}"]);
        }
    }

    /// <summary>Encodes an event as an HTTP body in the given mode (binary: data as body, attributes as <c>ce-*</c> headers).</summary>
    public HttpContent ToHttpContent(CloudEvent cloudEvent, ContentMode mode)
        => cloudEvent.ToHttpContent(mode, Formatter);

    /// <summary>Reads a CloudEvent from an HTTP request in binary or structured mode (decided by its <c>Content-Type</c>).</summary>
    /// <exception cref="CloudEventRejectedException">The request does not carry a valid CloudEvent.</exception>
    public async Task<CloudEvent> FromHttpRequestAsync(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await request.ToCloudEventAsync(Formatter, SagaAttributes.All).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // NotSupportedException: a charset the runtime refuses to decode, e.g. utf-7.
            throw new CloudEventRejectedException(null, null, null, [$"not a valid CloudEvent: {ex.Message}"]);
        }
    }

    /// <summary>Reads a CloudEvent from an HTTP response in binary or structured mode.</summary>
    /// <exception cref="CloudEventRejectedException">The response does not carry a valid CloudEvent.</exception>
    public async Task<CloudEvent> FromHttpResponseAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            return await response.ToCloudEventAsync(Formatter, SagaAttributes.All).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // NotSupportedException: a charset the runtime refuses to decode, e.g. utf-7.
            throw new CloudEventRejectedException(null, null, null, [$"not a valid CloudEvent: {ex.Message}"]);
        }
    }

    /// <summary>Whether the media type is JSON (<c>*/json</c> or <c>*/*+json</c>), as the JSON event format defines it.</summary>
    public static bool IsJsonMediaType(string? contentType)
    {
        if (contentType is null)
        {
            return true; // the JSON format's default
        }

        var mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType ?? contentType : contentType;
        return mediaType.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static object? DeserializeData(CloudEvent cloudEvent, ContractDescriptor contract, JsonSerializerOptions options)
    {
        if (!IsJsonMediaType(cloudEvent.DataContentType))
        {
            throw new JsonException($"datacontenttype is '{cloudEvent.DataContentType}', expected application/json");
        }

        return cloudEvent.Data switch
        {
            null => null,
            JsonElement { ValueKind: JsonValueKind.Null } => null,
            JsonElement { ValueKind: JsonValueKind.Object } element => element.Deserialize(contract.ClrType, options),
            JsonElement element => throw new JsonException($"data is a JSON {element.ValueKind.ToString().ToUpperInvariant()}, expected an object"),
            byte[] bytes => JsonSerializer.Deserialize(bytes, contract.ClrType, options),
            ReadOnlyMemory<byte> memory => JsonSerializer.Deserialize(memory.Span, contract.ClrType, options),
            string => throw new JsonException("data is a JSON string, expected an object"),
            var other => throw new JsonException($"data of CLR type {other.GetType().Name} cannot be read"),
        };
    }
}
