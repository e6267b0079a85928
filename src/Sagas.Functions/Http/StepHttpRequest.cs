using System.Buffers;

namespace Sagas.Functions.Http;

/// <summary>
/// The parts of an incoming CloudEvents HTTP request every HTTP host reads the same way (the ASP.NET Core endpoint and
/// the Azure Functions HTTP trigger): the body under a size limit, the signature, and the request as the CloudEvents
/// HTTP binding reads it.
/// </summary>
internal static class StepHttpRequest
{
    /// <summary>Reads the body, or returns <see langword="null"/> as soon as it exceeds <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadBodyAsync(Stream body, int limit, long? contentLength, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(contentLength is { } length && length <= limit ? (int)length : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Why the signature header's values do not sign <paramref name="body"/>, or <see langword="null"/> when they do.</summary>
    public static string? SignatureProblem(byte[] body, string secret, string header, IReadOnlyList<string?> values)
    {
        if (values.All(string.IsNullOrEmpty))
        {
            return $"the request is not signed: the {header} header is missing";
        }

        return values.Count == 1 && StepFunctionSignature.Verify(body, secret, values[0])
            ? null
            : $"the {header} header does not match the body: expected {StepFunctionSignature.Prefix}<hex HMAC-SHA256 of the raw body with the shared secret>";
    }

    /// <summary>The request as the CloudEvents HTTP binding of <c>CloudEventConverter</c> reads it: <c>ce-*</c> headers, Content-Type, body.</summary>
    public static HttpRequestMessage ToRequestMessage(string? contentType, byte[] body, IEnumerable<KeyValuePair<string, IEnumerable<string?>>> headers)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        var message = new HttpRequestMessage(HttpMethod.Post, new Uri("http://localhost/")) { Content = content };
        foreach (var (name, values) in headers)
        {
            if (name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
            {
                // Header names are case-insensitive; attribute names are lower-case.
                message.Headers.TryAddWithoutValidation(name.ToLowerInvariant(), values);
            }
        }

        return message;
    }
}
