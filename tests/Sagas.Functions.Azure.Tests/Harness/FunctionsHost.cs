using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;

namespace Sagas.Functions.Azure.Tests.Harness;

/// <summary>One delivery of a queue message to a function, and what the host did afterwards.</summary>
/// <param name="Message">The message as delivered (its <see cref="QueueMessage.DequeueCount"/> counts this delivery).</param>
/// <param name="Failure">What the function threw, or <see langword="null"/> when it returned.</param>
/// <param name="MovedToPoisonByHost">Whether the host moved the bare message to the poison queue itself.</param>
public sealed record Delivery(QueueMessage Message, Exception? Failure, bool MovedToPoisonByHost);

/// <summary>
/// Does for one queue-triggered function what the Azure Functions host's queue listener does (host.json
/// <c>maxDequeueCount</c>, <c>visibilityTimeout</c> 0): receive a message from the Base64 queue, invoke the function,
/// delete the message when the function returned; when it threw, make the message visible again at once, or, on the
/// last allowed delivery, copy the bare message to <c>&lt;queue&gt;-poison</c> and delete it.
/// </summary>
public sealed class FunctionsQueueHost(string queueName, int maxDequeueCount, Func<QueueMessage, CancellationToken, Task> function)
{
    private readonly QueueClient _queue = Azurite.Queue(queueName);

    /// <summary>Receives and delivers one message; <see langword="null"/> when the queue is empty.</summary>
    public async Task<Delivery?> DeliverOnceAsync(CancellationToken cancellationToken = default)
    {
        QueueMessage[] messages = await _queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(10), cancellationToken);
        return messages.Length == 0 ? null : await DeliverAsync(messages[0], cancellationToken);
    }

    /// <summary>Waits (polling, as the host does) until a message is there and delivers it.</summary>
    public async Task<Delivery> DeliverNextAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            if (await DeliverOnceAsync(cancellation.Token) is { } delivery)
            {
                return delivery;
            }

            await Task.Delay(20, cancellation.Token);
        }
    }

    /// <summary>Delivers messages until cancelled, polling with the host's back-off (doubling from 1 ms to <paramref name="maxPollingInterval"/>).</summary>
    public async Task RunAsync(TimeSpan maxPollingInterval, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(1);
        try
        {
            while (true)
            {
                QueueMessage[] messages = await _queue.ReceiveMessagesAsync(16, TimeSpan.FromMinutes(10), cancellationToken);
                if (messages.Length > 0)
                {
                    pause = TimeSpan.FromMilliseconds(1);
                    await Task.WhenAll(messages.Select(m => DeliverAsync(m, cancellationToken)));
                    continue;
                }

                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, maxPollingInterval.Ticks));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<Delivery> DeliverAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await function(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (message.DequeueCount >= maxDequeueCount)
            {
                await Azurite.Queue(queueName + "-poison").CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
                await Azurite.Queue(queueName + "-poison").SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
                await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                return new Delivery(message, ex, MovedToPoisonByHost: true);
            }

            await _queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, message.Body, TimeSpan.Zero, CancellationToken.None);
            return new Delivery(message, ex, MovedToPoisonByHost: false);
        }

        await _queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
        return new Delivery(message, null, MovedToPoisonByHost: false);
    }

    /// <summary>
    /// The binding data the isolated worker exposes for a queue-triggered invocation
    /// (<c>FunctionContext.BindingContext.BindingData</c>): the host sends the trigger metadata over gRPC as strings and
    /// JSON text, so <c>DequeueCount</c> is <c>"1"</c> and times are JSON strings.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> BindingDataOf(QueueMessage message)
    {
        static string Json(DateTimeOffset? time) => JsonSerializer.Serialize(time);
        return new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["QueueTrigger"] = message.Body.ToString(),
            ["DequeueCount"] = message.DequeueCount.ToString(CultureInfo.InvariantCulture),
            ["ExpirationTime"] = Json(message.ExpiresOn),
            ["Id"] = message.MessageId,
            ["InsertionTime"] = Json(message.InsertedOn),
            ["NextVisibleTime"] = Json(message.NextVisibleOn),
            ["PopReceipt"] = message.PopReceipt,
            ["sys"] = JsonSerializer.Serialize(new { MethodName = "ReserveStock", UtcNow = DateTimeOffset.UtcNow, RandGuid = Guid.NewGuid() }),
        };
    }
}

/// <summary>A <see cref="FunctionContext"/> with what the triggers read: binding data, invocation id, cancellation.</summary>
public sealed class TestFunctionContext(IReadOnlyDictionary<string, object?>? bindingData = null, CancellationToken cancellationToken = default) : FunctionContext
{
    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId { get; } = "tests";

    public override TraceContext TraceContext => throw new NotSupportedException("not used by the triggers");

    public override BindingContext BindingContext { get; } = new TestBindingContext(bindingData ?? new Dictionary<string, object?>());

    public override RetryContext RetryContext => throw new NotSupportedException("not used by the triggers");

    public override IServiceProvider InstanceServices { get; set; } = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(new Microsoft.Extensions.DependencyInjection.ServiceCollection());

    public override FunctionDefinition FunctionDefinition => throw new NotSupportedException("not used by the triggers");

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => throw new NotSupportedException("not used by the triggers");

    public override CancellationToken CancellationToken { get; } = cancellationToken;

    private sealed class TestBindingContext(IReadOnlyDictionary<string, object?> data) : BindingContext
    {
        public override IReadOnlyDictionary<string, object?> BindingData => data;
    }
}

/// <summary>An <see cref="HttpRequestData"/> made from an <see cref="HttpRequestMessage"/>: method, URL, every header, the body bytes.</summary>
public sealed class TestHttpRequestData : HttpRequestData
{
    private TestHttpRequestData(FunctionContext context, string method, Uri url, HttpHeadersCollection headers, byte[] body)
        : base(context)
    {
        Method = method;
        Url = url;
        Headers = headers;
        Body = new MemoryStream(body, writable: false);
    }

    public override Stream Body { get; }

    public override HttpHeadersCollection Headers { get; }

    public override IReadOnlyCollection<IHttpCookie> Cookies { get; } = [];

    public override Uri Url { get; }

    public override IEnumerable<ClaimsIdentity> Identities { get; } = [];

    public override string Method { get; }

    public override HttpResponseData CreateResponse() => new TestHttpResponseData(FunctionContext);

    public static async Task<TestHttpRequestData> FromAsync(HttpRequestMessage request)
    {
        var headers = new HttpHeadersCollection();
        foreach (var (name, values) in request.Headers)
        {
            headers.TryAddWithoutValidation(name, values);
        }

        var body = Array.Empty<byte>();
        if (request.Content is { } content)
        {
            body = await content.ReadAsByteArrayAsync();
            foreach (var (name, values) in content.Headers)
            {
                headers.TryAddWithoutValidation(name, values);
            }
        }

        var url = request.RequestUri is { IsAbsoluteUri: true } absolute ? absolute : new Uri(new Uri("http://localhost:7071"), request.RequestUri ?? new Uri("/api/steps", UriKind.Relative));
        return new TestHttpRequestData(new TestFunctionContext(), request.Method.Method, url, headers, body);
    }
}

/// <summary>The <see cref="HttpResponseData"/> the triggers fill in; <see cref="ToResponseMessageAsync"/> reads it back as a client would.</summary>
public sealed class TestHttpResponseData(FunctionContext context) : HttpResponseData(context)
{
    public override HttpStatusCode StatusCode { get; set; } = HttpStatusCode.OK;

    public override HttpHeadersCollection Headers { get; set; } = new();

    public override Stream Body { get; set; } = new MemoryStream();

    public override HttpCookies Cookies => throw new NotSupportedException("not used by the triggers");

    public static Task<HttpResponseMessage> ToResponseMessageAsync(HttpResponseData response)
    {
        var body = ((MemoryStream)response.Body).ToArray();
        var message = new HttpResponseMessage(response.StatusCode) { Content = new ByteArrayContent(body) };
        foreach (var (name, values) in response.Headers)
        {
            if (!message.Headers.TryAddWithoutValidation(name, values))
            {
                message.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return Task.FromResult(message);
    }
}
