namespace Sagas.Functions.Http;

/// <summary>An HTTP request as any host hands it to <see cref="StepHttpProtocol"/>.</summary>
/// <param name="Method">The method.</param>
/// <param name="Path">The request path, the problem details' <c>instance</c>.</param>
/// <param name="ContentType">The <c>Content-Type</c>, if any.</param>
/// <param name="ContentLength">The declared <c>Content-Length</c>, if any.</param>
/// <param name="Headers">Every header with its values (the <c>ce-*</c> attributes of binary mode among them).</param>
/// <param name="Body">The body, read at most up to the size limit; <see langword="null"/> when the host gives none.</param>
internal sealed record StepHttpExchange(
    string Method,
    string Path,
    string? ContentType,
    long? ContentLength,
    IReadOnlyList<KeyValuePair<string, IEnumerable<string?>>> Headers,
    Stream? Body)
{
    /// <summary>The values of one header (names are case-insensitive).</summary>
    public IReadOnlyList<string?> Header(string name)
        => [.. Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).SelectMany(h => h.Value)];
}
