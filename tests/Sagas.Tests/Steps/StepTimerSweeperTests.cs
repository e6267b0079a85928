using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
        await using var shipment = await Shipment.StartAsync(services: s => s.AddSingleton<IOutboxDispatcher>(sp => new LosingDispatcher(
            ActivatorUtilities.CreateInstance<InMemoryOutboxDispatcher>(sp),
            sp.GetRequiredService<InMemoryMessageStore>())));
        var options = shipment.Host.Services.GetRequiredService<SagasOptions>();
        var sweeper = shipment.Host.Services.GetServices<IHostedService>().OfType<StepTimerSweeper<ShipmentState>>().Single();

        // ReserveSlot's command went out but neither its reply nor its deadline timer will ever come (both lost).
        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None));
        shipment.Host.Time.Advance(ShipmentSaga.Deadline + options.SweepGrace + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await sweeper.SweepAsync(CancellationToken.None));

        // The deadline's copy arrives: the step is asked again (its retry timer is lost too, and swept as well).
        var waiting = await shipment.WaitAsync("ReserveSlot", StepStatus.WaitingRetry, 1);
        Assert.Contains(waiting.History, h => h is { Step: "ReserveSlot", What: "timed-out", Attempt: 1 });
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
        await using var shipment = await Shipment.StartAsync(services: s => s.AddSingleton<IOutboxDispatcher>(sp => new LosingDispatcher(
            ActivatorUtilities.CreateInstance<InMemoryOutboxDispatcher>(sp),
            sp.GetRequiredService<InMemoryMessageStore>())));
        var options = shipment.Host.Services.GetRequiredService<SagasOptions>();
        var sweeper = shipment.Host.Services.GetServices<IHostedService>().OfType<StepTimerSweeper<ShipmentState>>().Single();

        shipment.Host.Time.Advance(ShipmentSaga.Deadline + options.SweepGrace - TimeSpan.FromSeconds(1));

        Assert.Equal(0, await sweeper.SweepAsync(CancellationToken.None));
    }

    /// <summary>A broker that loses every timer it is given: marked delivered, never delivered.</summary>
    private sealed class LosingDispatcher(IOutboxDispatcher inner, InMemoryMessageStore store) : IOutboxDispatcher
    {
        public async Task DispatchAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
        {
            var lost = messages.Where(m => m.DueTime is not null).Select(m => m.Id).ToList();
            await store.MarkDeliveredAsync(lost, cancellationToken);
            await inner.DispatchAsync([.. messages.Where(m => m.DueTime is null)], cancellationToken);
        }
    }
}
