using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Steps;

namespace Sagas.Functions.Tests.Harness;

/// <summary>Sends commands to a <see cref="FunctionApp"/> and reads what comes back.</summary>
public static class Replies
{
    public static HttpRequestMessage Post(CloudEvent command, ContentMode mode)
        => new(HttpMethod.Post, FunctionApp.Path) { Content = Commands.Converter.ToHttpContent(command, mode) };

    public static HttpRequestMessage PostBatch(params CloudEvent[] commands)
        => new(HttpMethod.Post, FunctionApp.Path) { Content = commands.ToHttpContent(Commands.Converter.Formatter) };

    public static HttpRequestMessage PostRaw(byte[] body, string? contentType, params (string Name, string Value)[] headers)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, FunctionApp.Path) { Content = content };
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return request;
    }

    /// <summary>The single reply CloudEvent of a 200 response (binary or structured).</summary>
    public static async Task<CloudEvent> ReadReplyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Commands.Converter.FromHttpResponseAsync(response);
    }

    public static async Task<IReadOnlyList<CloudEvent>> ReadBatchAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ToCloudEventBatchAsync(Commands.Converter.Formatter, SagaAttributes.All);
    }

    public static StepCompleted Completed(CloudEvent reply) => Assert.IsType<StepCompleted>(Commands.Converter.Decode(reply).Message);

    public static StepFailed Failed(CloudEvent reply) => Assert.IsType<StepFailed>(Commands.Converter.Decode(reply).Message);

    public static StockReserved Result(StepCompleted completed)
        => completed.Result!.Value.Deserialize<StockReserved>(ContractJson.CreateOptions())!;

    /// <summary>A problem+json response with <paramref name="status"/>: its root object and its <c>errors</c>.</summary>
    public static async Task<(JsonElement Problem, IReadOnlyList<string> Errors)> ReadProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.NotEmpty(errors);
        return (problem, errors);
    }
}
