using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Contracts;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Serialization;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Outbox;

// What a handler publishes or sends is captured into its transaction by Sagas itself (not MassTransit's send pipeline):
// these are the rules of MassTransit's send path the capture keeps.
public sealed class When_a_handler_publishes_or_sends
{
    [Fact]
    public async Task A_published_message_is_correlated_by_its_CorrelationId_as_the_bus_topology_says()
    {
        await using var host = await StartAsync();
        var id = Guid.NewGuid();

        await host.Bus.Publish(new Ping(id, "publish"));

        var pong = await host.Services.GetRequiredService<Received>().WaitAsync(id);
        Assert.Equal(id, pong.CorrelationId);
        Assert.Equal("publish", pong.Message.Via);
    }

    [Fact]
    public async Task A_message_sent_from_values_is_initialized_correlated_and_caused_by_the_handled_event()
    {
        await using var host = await StartAsync();
        var id = Guid.NewGuid();

        await host.Bus.Publish(new Ping(id, "values"));

        var pong = await host.Services.GetRequiredService<Received>().WaitAsync(id);
        Assert.Equal(id, pong.CorrelationId);
        Assert.Equal("values", pong.Message.Via);
        Assert.NotNull(pong.Headers.Get<string>(Sagas.CloudEvents.SagaAttributes.CausationId.Name));
        Assert.Empty(await host.DeliveredAsync());
    }

    [Fact]
    public async Task A_publish_through_a_publish_endpoint_the_consumer_was_given_by_its_scope_is_captured_too()
    {
        await using var host = await StartAsync();
        var id = Guid.NewGuid();

        await host.Bus.Publish(new Injected(id));

        var pong = await host.Services.GetRequiredService<Received>().WaitAsync(id);
        Assert.Equal("injected", pong.Message.Via);
        Assert.NotNull(pong.Headers.Get<string>(Sagas.CloudEvents.SagaAttributes.CausationId.Name)); // a publish straight through the bus carries none
        Assert.Empty(await host.DeliveredAsync());
    }

    private static Task<SagaTestHost> StartAsync()
        => SagaTestHost.StartAsync(
            sagas => sagas
                .AddContracts(c => c.Add<Ping>().Add<Pong>().Add<Injected>())
                .ConfigureBus((context, cfg) =>
                {
                    cfg.ReceiveEndpoint("capture-ping", e => e.Consumer<PingConsumer>());
                    cfg.ReceiveEndpoint("capture-injected", e => e.Consumer<InjectedConsumer>(context));
                    cfg.ReceiveEndpoint("capture-pong", e => e.Consumer(() => new PongConsumer(context.GetRequiredService<Received>())));
                }),
            services => services.AddSingleton<Received>().AddScoped<InjectedConsumer>());

    [CloudEventContract("com.example.tests.capture.injected", 1)]
    public sealed record Injected(Guid Id);

    [CloudEventContract("com.example.tests.capture.ping", 1)]
    public sealed record Ping(Guid Id, string Via);

    // A class with settable properties, so MassTransit can initialize it from values.
    [CloudEventContract("com.example.tests.capture.pong", 1)]
    public sealed class Pong
    {
        public Guid CorrelationId { get; set; }

        public string Via { get; set; } = string.Empty;
    }

    private sealed class PingConsumer : IConsumer<Ping>
    {
        public Task Consume(ConsumeContext<Ping> context) => context.Message.Via == "values"
            ? context.Send<Pong>(new Uri("queue:capture-pong"), new { CorrelationId = context.Message.Id, context.Message.Via })
            : context.Publish(new Pong { CorrelationId = context.Message.Id, Via = context.Message.Via });
    }

    // Created from the message's DI scope, as a consumer registered with the container is.
    private sealed class InjectedConsumer(IPublishEndpoint publish) : IConsumer<Injected>
    {
        public Task Consume(ConsumeContext<Injected> context) => publish.Publish(new Pong { CorrelationId = context.Message.Id, Via = "injected" });
    }

    private sealed class PongConsumer(Received received) : IConsumer<Pong>
    {
        public Task Consume(ConsumeContext<Pong> context)
        {
            received.Add(context);
            return Task.CompletedTask;
        }
    }

    private sealed class Received
    {
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource<ConsumeContext<Pong>>> _received = new();

        public void Add(ConsumeContext<Pong> context) => Signal(context.Message.CorrelationId).TrySetResult(context);

        public Task<ConsumeContext<Pong>> WaitAsync(Guid id) => Signal(id).Task.WaitAsync(TimeSpan.FromSeconds(10));

        private TaskCompletionSource<ConsumeContext<Pong>> Signal(Guid id)
            => _received.GetOrAdd(id, _ => new TaskCompletionSource<ConsumeContext<Pong>>(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}

// Only what a saga's transition commits keeps that saga's order on delivery; a step's reply to the saga carries its id too.
public sealed class When_a_saga_and_its_step_commit_messages
{
    [Fact]
    public async Task The_sagas_are_marked_as_its_own_and_the_steps_reply_is_not()
    {
        var dispatched = new ConcurrentQueue<OutboxMessage>();
        await using var host = await SagaTestHost.StartAsync(
            sagas => sagas.AddOnboarding(),
            s =>
            {
                SagaTestHost.AddWatcher<OnboardingState>(s);
                s.AddSingleton<IOutboxDispatcher>(sp => new Recording(ActivatorUtilities.CreateInstance<InMemoryOutboxDispatcher>(sp), dispatched));
            });
        var id = Guid.NewGuid();

        await host.Bus.Publish(new SignupReceived(id, "ada@example.com"));
        await host.Watcher<OnboardingState>().WaitAsync(id, s => s.CurrentState == "Completed");

        var commands = dispatched.Where(m => m.Destination.AbsolutePath.Contains(nameof(CreateAccount), StringComparison.Ordinal) || m.Destination.AbsolutePath.Contains(nameof(SendWelcome), StringComparison.Ordinal)).ToList();
        var replies = dispatched.Where(m => m.Destination.AbsolutePath.Contains(nameof(Sagas.Steps.StepCompleted), StringComparison.Ordinal)).ToList();
        Assert.Equal(2, commands.Count);
        Assert.Equal(2, replies.Count);
        Assert.All(commands, m => Assert.True(m.SagaId == id && m.SagaCommit, $"{m.Destination}: {m.SagaId}, saga commit {m.SagaCommit}"));
        Assert.All(replies, m => Assert.True(m.SagaId == id && !m.SagaCommit, $"{m.Destination}: {m.SagaId}, saga commit {m.SagaCommit}"));
    }

    [Fact]
    public async Task A_message_the_saga_correlates_to_another_saga_is_not_its_own()
    {
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding());
        var capture = host.Services.GetRequiredService<OutboxCapture>();
        var saga = Guid.NewGuid();
        var transaction = new MessageTransaction(new Sagas.Inbox.InboxKey("test", "/test", "1")) { SagaId = saga };

        foreach (var correlation in new[] { saga, Guid.NewGuid() })
        {
            capture.Add(
                new MassTransit.Context.MessageSendContext<SendWelcome>(new SendWelcome(correlation, "ada@example.com"))
                {
                    DestinationAddress = new Uri("queue:welcome"),
                    CorrelationId = correlation,
                },
                transaction,
                causationId: null);
        }

        Assert.Equal([true, false], transaction.Outgoing.Select(m => m.SagaCommit));
    }

    [Fact]
    public async Task A_message_captured_before_the_saga_took_the_transaction_is_not_its_own()
    {
        // Another consumer of the same message, run before the saga: what it sends carries the saga's id, but the saga's
        // transition did not commit it (in memory and in PostgreSQL alike, which stores this decision).
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding());
        var capture = host.Services.GetRequiredService<OutboxCapture>();
        var saga = Guid.NewGuid();
        var transaction = new MessageTransaction(new Sagas.Inbox.InboxKey("test", "/test", "1"));

        Capture();
        transaction.SagaId = saga; // the saga's repository takes the message
        Capture();

        Assert.Equal([false, true], transaction.Outgoing.Select(m => m.SagaCommit));

        void Capture() => capture.Add(
            new MassTransit.Context.MessageSendContext<SendWelcome>(new SendWelcome(saga, "ada@example.com"))
            {
                DestinationAddress = new Uri("queue:welcome"),
                CorrelationId = saga,
            },
            transaction,
            causationId: null);
    }

    private sealed class Recording(IOutboxDispatcher inner, ConcurrentQueue<OutboxMessage> dispatched) : IOutboxDispatcher
    {
        public Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
        {
            foreach (var message in messages)
            {
                dispatched.Enqueue(message);
            }

            return inner.DispatchAsync(messages, cancellationToken);
        }
    }
}
