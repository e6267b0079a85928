using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sagas.CloudEvents;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Steps;
using Sagas.Tests.Shipping;

namespace Sagas.Tests.Steps;

public sealed class When_a_sagas_timers_and_replies_are_lost
{
    [Fact]
    public async Task The_sweep_sends_the_overdue_timers_again_and_the_saga_still_ends()
    {
        await using var shipment = await StartLosingTimersAsync();
        var options = shipment.Host.Services.GetRequiredService<SagasOptions>();
        var sweeper = SweeperOf(shipment);

        // ReserveSlot's command went out but neither its reply nor its deadline timer will ever come (both lost).
        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None));
        shipment.Host.Time.Advance(ShipmentSaga.Deadline + options.SweepGrace + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await sweeper.SweepAsync(CancellationToken.None));

        // The deadline's copy arrives: the step is asked again (its retry timer is lost too, and swept as well).
        var waiting = await shipment.WaitAsync("ReserveSlot", StepStatus.WaitingRetry, 1);
        Assert.Contains(waiting.History, h => h is { Step: "ReserveSlot", Kind: StepHistoryKind.TimedOut, Attempt: 1 });
        shipment.Host.Time.Advance(shipment.Step(waiting, "ReserveSlot").DueAt!.Value - shipment.Host.Time.GetUtcNow() + options.SweepGrace + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await sweeper.SweepAsync(CancellationToken.None));
        await shipment.WaitAsync("ReserveSlot", StepStatus.Running, 2);

        await shipment.CompleteAsync("ReserveSlot", 2);
        await shipment.WaitAsync("BookCarrier", StepStatus.Running, 1);
        await shipment.CompleteAsync("BookCarrier", 1);
        await shipment.WaitAsync("NotifyCustomer", StepStatus.Running, 1);
        await shipment.CompleteAsync("NotifyCustomer", 1);
        var completed = await shipment.WaitForStateAsync("Completed");

        Assert.Null(completed.WakeAt);
        shipment.Host.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_saga_whose_timer_is_not_yet_overdue_by_the_grace_is_left_alone()
    {
        await using var shipment = await StartLosingTimersAsync();
        var options = shipment.Host.Services.GetRequiredService<SagasOptions>();
        var sweeper = SweeperOf(shipment);

        shipment.Host.Time.Advance(ShipmentSaga.Deadline + options.SweepGrace - TimeSpan.FromSeconds(1));

        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_copy_goes_to_the_address_the_timer_went_to_never_to_a_queue_address_that_declares_a_queue()
    {
        var lost = new List<OutboxMessage>();
        await using var shipment = await StartLosingTimersAsync(lost);
        var options = shipment.Host.Services.GetRequiredService<SagasOptions>();
        var sent = new SendAddresses();
        using var observed = shipment.Host.Bus.ConnectSendObserver(sent);
        for (var i = 0; i < 500 && lost.Count == 0; i++)
        {
            await Task.Delay(10); // the deadline timer is dispatched (and lost) just after the commit the watcher saw
        }

        var original = Assert.Single(lost);

        shipment.Host.Time.Advance(ShipmentSaga.Deadline + options.SweepGrace + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await SweeperOf(shipment).SweepAsync(CancellationToken.None));

        // The saga endpoint's own address (its exchange on RabbitMQ): a queue: address would declare the queue with
        // default arguments before the endpoint could declare its own after a broker came back empty, and lock it out.
        var copy = Assert.Single(sent.Addresses, a => a.AbsolutePath.EndsWith("shipment-state", StringComparison.Ordinal));
        Assert.Equal(original.Destination, copy);
        Assert.NotEqual("queue", copy.Scheme);
    }

    [Fact]
    public async Task A_timers_copy_is_the_same_event_as_the_timer_so_the_saga_inbox_takes_only_one_of_them()
    {
        var lost = new List<OutboxMessage>();
        await using var shipment = await StartLosingTimersAsync(lost);
        for (var i = 0; i < 500 && lost.Count == 0; i++)
        {
            await Task.Delay(10);
        }

        // The timer left its transition as a delayed send through the outbox capture, as commands do.
        var original = Assert.Single(lost);
        Assert.Equal(shipment.Host.Time.GetUtcNow() + ShipmentSaga.Deadline, original.DueTime);
        var converter = shipment.Host.Services.GetRequiredService<CloudEventConverter>();
        var runtime = shipment.Host.Services.GetRequiredService<StepRuntime>();
        var timer = converter.Decode(converter.DecodeStructured(original.Body));

        var copy = converter.DecodeStructured(StepTimers.ToOutboxMessage(runtime, (StepTimerElapsed)timer.Message, original.Id, original.Destination, original.DueTime!.Value).Body);

        Assert.Equal(original.Id.ToString(), timer.CloudEvent.Id);
        Assert.Equal(runtime.Source, timer.CloudEvent.Source);
        Assert.Equal((timer.CloudEvent.Source, timer.CloudEvent.Id, timer.CloudEvent.Type, timer.CloudEvent.Subject), (copy.Source, copy.Id, copy.Type, copy.Subject));
    }

    private static Task<Shipment> StartLosingTimersAsync(List<OutboxMessage>? lost = null)
        => Shipment.StartAsync(services: s => s.AddSingleton<IOutboxDispatcher>(sp => new LosingDispatcher(
            ActivatorUtilities.CreateInstance<InMemoryOutboxDispatcher>(sp),
            sp.GetRequiredService<InMemoryMessageStore>(),
            lost ?? [])));

    private static StepTimerSweeper<ShipmentState> SweeperOf(Shipment shipment)
        => shipment.Host.Services.GetServices<IHostedService>().OfType<StepTimerSweeper<ShipmentState>>().Single();

    /// <summary>A broker that loses every timer it is given: marked delivered, never delivered.</summary>
    private sealed class LosingDispatcher(IOutboxDispatcher inner, InMemoryMessageStore store, List<OutboxMessage> lost) : IOutboxDispatcher
    {
        public async Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
        {
            var timers = messages.Where(m => m.DueTime is not null).ToList();
            lock (lost)
            {
                lost.AddRange(timers);
            }

            await store.MarkDeliveredAsync([.. timers.Select(m => m.Id)], cancellationToken);
            await inner.DispatchAsync([.. messages.Where(m => m.DueTime is null)], cancellationToken);
        }
    }

    /// <summary>The destination of every message the bus sends.</summary>
    private sealed class SendAddresses : ISendObserver
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<Uri> _addresses = new();

        public IReadOnlyCollection<Uri> Addresses => _addresses;

        public Task PreSend<T>(SendContext<T> context)
            where T : class
        {
            _addresses.Enqueue(context.DestinationAddress!);
            return Task.CompletedTask;
        }

        public Task PostSend<T>(SendContext<T> context)
            where T : class => Task.CompletedTask;

        public Task SendFault<T>(SendContext<T> context, Exception exception)
            where T : class => Task.CompletedTask;
    }
}
