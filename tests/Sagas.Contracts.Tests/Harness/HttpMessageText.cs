using System.Text;

namespace Sagas.Contracts.Tests.Harness;

/// <summary>
/// An HTTP message as the spec examples print it: header lines, a blank line, the body. The saved files
/// use LF line endings (the spec text's), so lines are split on LF; no start line is expected.
/// </summary>
public sealed record HttpMessageText(IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>
    /// Parses the text. Header values lose their surrounding whitespace, as an HTTP parser strips it (RFC 7230
    /// 3.2.4). The file's final line feed ends the last line of the file; it is not part of the body
    /// (the spec's code block ends at the body's last character).
    /// </summary>
    public static HttpMessageText Parse(string text)
    {
        var blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            throw new FormatException("No blank line between the headers and the body.");
        }

        var headers = text[..blank].Split('\n').Select(line =>
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            return colon > 0
                ? KeyValuePair.Create(line[..colon].Trim(), line[(colon + 1)..].Trim())
                : throw new FormatException($"Not a header line: '{line}'");
        }).ToList();
        var body = text[(blank + 2)..];
        if (body.EndsWith('\n'))
        {
            body = body[..^1];
        }

        return new HttpMessageText(headers, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>
    /// The request a server would hand to the application: every header on the message, except content
    /// headers (<c>Content-Type</c>), which .NET keeps on the content.
    /// </summary>
    public HttpRequestMessage ToRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost/events");
        HttpContent? content = Body.Length == 0 ? null : new ByteArrayContent(Body);
        foreach (var (name, value) in Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                content ??= new ByteArrayContent([]);
                if (!content.Headers.TryAddWithoutValidation(name, value))
                {
                    throw new FormatException($"Header '{name}' could not be added.");
                }
            }
        }

        request.Content = content;
        return request;
    }
}
