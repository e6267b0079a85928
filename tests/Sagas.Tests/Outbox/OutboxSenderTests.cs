using System.Reflection;
using MassTransit;
using Sagas.Outbox;

namespace Sagas.Tests.Outbox;

/// <summary>
/// The outbox sender stops waiting when told to, but never cancels the transport's own operation: a RabbitMQ channel
/// whose declaration or publish is cancelled halfway can stay unusable for every later send.
/// </summary>
public sealed class OutboxSenderTests
{
    private static readonly OutboxMessage Message = new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("loopback://localhost/checkout-state"),
        ContentType = "application/cloudevents+json",
        Body = "{}"u8.ToArray(),
    };

    [Fact]
    public async Task A_send_the_caller_stops_waiting_for_goes_on_uncancelled_on_the_transport()
    {
        var transport = FakeTransport.Create();
        using var wait = new CancellationTokenSource();

        var sending = OutboxSender.SendAsync(transport.Provider, Message, wait.Token);
        await transport.Started.WaitAsync(TimeSpan.FromSeconds(5));
        await wait.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        Assert.False(transport.Token.CanBeCanceled, "the transport was handed a token that can cancel it");
        transport.Complete.SetResult();
    }

    [Fact]
    public async Task A_send_nothing_cancels_ends_as_the_transport_send_ends()
    {
        var transport = FakeTransport.Create();

        var sending = OutboxSender.SendAsync(transport.Provider, Message, CancellationToken.None);
        await transport.Started.WaitAsync(TimeSpan.FromSeconds(5));
        transport.Complete.SetException(new InvalidOperationException("broker said no"));

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => sending);
        Assert.Equal("broker said no", failed.Message);
    }

    [Fact]
    public async Task A_send_asked_after_its_caller_gave_up_does_not_start()
    {
        var transport = FakeTransport.Create();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OutboxSender.SendAsync(transport.Provider, Message, new CancellationToken(canceled: true)));

        Assert.False(transport.Started.IsCompleted);
    }

    [Fact]
    public async Task A_destination_is_looked_up_once_and_again_after_a_send_to_it_failed()
    {
        var transport = FakeTransport.Create();
        transport.Complete.SetResult();
        await OutboxSender.SendAsync(transport.Provider, Message, CancellationToken.None);
        await OutboxSender.SendAsync(transport.Provider, Message, CancellationToken.None);
        Assert.Equal(1, transport.Lookups);

        transport.Complete = new TaskCompletionSource();
        transport.Complete.SetException(new InvalidOperationException("the endpoint's transport was disposed"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => OutboxSender.SendAsync(transport.Provider, Message, CancellationToken.None));
        transport.Complete = new TaskCompletionSource();
        transport.Complete.SetResult();
        await OutboxSender.SendAsync(transport.Provider, Message, CancellationToken.None);

        Assert.Equal(2, transport.Lookups);
    }

    /// <summary>A send endpoint provider whose one endpoint records the token of its send and finishes when told.</summary>
    private sealed class FakeTransport
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ISendEndpointProvider Provider { get; private init; } = null!;

        public Task Started => _started.Task;

        public TaskCompletionSource Complete { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Lookups { get; private set; }

        public CancellationToken Token { get; private set; }

        public static FakeTransport Create()
        {
            var endpoint = DispatchProxy.Create<ISendEndpoint, Proxy>();
            var provider = DispatchProxy.Create<ISendEndpointProvider, Proxy>();
            var transport = new FakeTransport { Provider = provider };
            ((Proxy)(object)endpoint).Handle = (method, args) =>
            {
                transport.Token = args.OfType<CancellationToken>().Single();
                transport._started.TrySetResult();
                return method == nameof(ISendEndpoint.Send) ? transport.Complete.Task : throw new NotSupportedException(method);
            };
            ((Proxy)(object)provider).Handle = (method, _) =>
            {
                if (method != nameof(ISendEndpointProvider.GetSendEndpoint))
                {
                    throw new NotSupportedException(method);
                }

                transport.Lookups++;
                return Task.FromResult(endpoint);
            };
            return transport;
        }
    }

    /// <summary>An interface implemented by one function of the method's name and arguments.</summary>
    public class Proxy : DispatchProxy
    {
        internal Func<string, object?[], object?> Handle { get; set; } = (method, _) => throw new NotSupportedException(method);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => Handle(targetMethod!.Name, args ?? []);
    }
}
