using System.Net.Http.Headers;
using Sagas.CloudEvents;

namespace Sagas.Functions.Http;

/// <summary>The three modes of the CloudEvents HTTP binding.</summary>
public enum StepHttpMode
{
    /// <summary>Attributes in <c>ce-*</c> headers, the data alone as the body.</summary>
    Binary,

    /// <summary>The whole event as one <c>application/cloudevents+json</c> document.</summary>
    Structured,

    /// <summary>Several events as one <c>application/cloudevents-batch+json</c> array.</summary>
    Batch,
}

/// <summary>Tells a request's CloudEvents HTTP mode from its Content-Type, as the HTTP binding defines it.</summary>
public static class StepHttpModes
{
    /// <summary>
    /// The mode <paramref name="contentType"/> asks for; <paramref name="unsupported"/> says why the request cannot
    /// be served (not a media type, a non-JSON event format, non-JSON data in binary mode), else is null.
    /// </summary>
    public static StepHttpMode Detect(string? contentType, out string? unsupported)
    {
        unsupported = null;
        if (contentType is null)
        {
            return StepHttpMode.Binary; // binary mode without data
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType is null)
        {
            unsupported = $"Content-Type '{contentType}' is not a media type";
            return StepHttpMode.Binary;
        }

        // The HTTP binding's rule, batch prefix first: it also starts with "application/cloudevents".
        var mediaType = parsed.MediaType;
        if (mediaType.StartsWith("application/cloudevents-batch", StringComparison.OrdinalIgnoreCase))
        {
            if (!mediaType.Equals(CloudEventConverter.BatchContentType, StringComparison.OrdinalIgnoreCase))
            {
                unsupported = $"batch format '{mediaType}' is not supported: send {CloudEventConverter.BatchContentType}";
            }

            return StepHttpMode.Batch;
        }

        if (mediaType.StartsWith("application/cloudevents", StringComparison.OrdinalIgnoreCase))
        {
            if (!mediaType.Equals(CloudEventConverter.StructuredContentType, StringComparison.OrdinalIgnoreCase))
            {
                unsupported = $"event format '{mediaType}' is not supported: send {CloudEventConverter.StructuredContentType}";
            }

            return StepHttpMode.Structured;
        }

        if (!CloudEventConverter.IsJsonMediaType(mediaType))
        {
            unsupported = $"binary-mode data of type '{mediaType}' is not supported: step commands carry JSON data (application/json)";
        }

        return StepHttpMode.Binary;
    }
}
