using System.Globalization;
using MassTransit;
using MassTransit.Metadata;
using Sagas.CloudEvents;
using Sagas.CloudEvents.Structured;
using Sagas.Contracts;

namespace Sagas.Serialization;

/// <summary>
/// MassTransit's view of an incoming CloudEvent: its envelope fields read once from the event's attributes (MassTransit's
/// own as <c>mt*</c> extensions, the correlation as <c>correlationid</c> or <c>subject</c>, the <c>id</c> of the event that
/// caused it as <c>causationid</c>) and its attributes as headers (<see cref="CloudEventHeaders"/> and every other
/// extension by name).
/// </summary>
internal sealed class CloudEventMessageContext : MessageContext
{
    public CloudEventMessageContext(StructuredEvent structured, Uri? destinationAddress)
    {
        var headers = new List<KeyValuePair<string, object>>(structured.Extensions.Count + 4)
        {
            new(CloudEventHeaders.Id, structured.Id),
            new(CloudEventHeaders.Source, structured.SourceText),
            new(CloudEventHeaders.Type, structured.Type),
        };
        if (structured.Subject is not null)
        {
            headers.Add(new(CloudEventHeaders.Subject, structured.Subject));
        }

        string? expiration = null;
        foreach (var (name, value) in structured.Extensions)
        {
            switch (name)
            {
                case "mtconversationid": ConversationId = IdOf(value); break;
                case "mtrequestid": RequestId = IdOf(value); break;
                case "mtresponseaddress": ResponseAddress = AddressOf(value); break;
                case "mtfaultaddress": FaultAddress = AddressOf(value); break;
                case "mtexpiration": expiration = value; break;
                case var other when other.StartsWith("mt", StringComparison.Ordinal): break;
                default: headers.Add(new(name, value)); break;
            }
        }

        MessageId = Guid.TryParse(structured.Id, out var id) ? id : NameBasedId.Create(structured.SourceText + "\n" + structured.Id);
        CorrelationId = Guid.TryParse(structured[SagaAttributes.CorrelationId.Name] ?? structured.Subject, out var correlation) ? correlation : null;
        InitiatorId = Guid.TryParse(structured[SagaAttributes.CausationId.Name], out var causation) ? causation : null;
        SourceAddress = structured.Source.IsAbsoluteUri ? structured.Source : null;
        DestinationAddress = destinationAddress;
        ExpirationTime = DateTime.TryParse(expiration, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var expires) ? expires : null;
        SentTime = structured.Time?.UtcDateTime;
        Headers = new EventHeaders(headers);
    }

    public Guid? MessageId { get; }

    public Guid? RequestId { get; }

    public Guid? CorrelationId { get; }

    public Guid? ConversationId { get; }

    public Guid? InitiatorId { get; }

    public DateTime? ExpirationTime { get; }

    public Uri? SourceAddress { get; }

    public Uri? DestinationAddress { get; }

    public Uri? ResponseAddress { get; }

    public Uri? FaultAddress { get; }

    public DateTime? SentTime { get; }

    public Headers Headers { get; }

    public HostInfo Host => HostMetadataCache.Empty;

    /// <summary>An id MassTransit wrote: a Guid; anything else (another producer's extension of that name) is no id.</summary>
    private static Guid? IdOf(string value) => Guid.TryParse(value, out var id) ? id : null;

    /// <summary>An address MassTransit wrote: an absolute URI; anything else is no address.</summary>
    private static Uri? AddressOf(string value) => Uri.TryCreate(value, UriKind.Absolute, out var address) ? address : null;
}
