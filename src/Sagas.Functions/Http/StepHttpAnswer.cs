using Microsoft.AspNetCore.Mvc;

namespace Sagas.Functions.Http;

/// <summary>
/// What <see cref="StepHttpProtocol"/> answers: a status and headers, with either the reply (<see cref="Content"/>, the
/// CloudEvent or batch in the request's mode) or a <see cref="ProblemDetails"/> for the host to write its own way.
/// </summary>
internal sealed class StepHttpAnswer
{
    public required int Status { get; init; }

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>The reply, with its content headers; the host writes and disposes it.</summary>
    public HttpContent? Content { get; init; }

    /// <summary>The error, to be written as <c>application/problem+json</c>.</summary>
    public ProblemDetails? Problem { get; init; }

    public static StepHttpAnswer Reply(HttpContent content) => new() { Status = 200, Content = content };

    public StepHttpAnswer With(string header, string value)
    {
        Headers.Add(KeyValuePair.Create(header, value));
        return this;
    }
}
