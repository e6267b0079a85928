using Sagas.Steps;
using Sagas.Tests.Shipping;

namespace Sagas.Tests.Steps;

/// <summary>The operator's orders (compensate, retry now) reach a running saga over the bus, like any other event.</summary>
public sealed class When_an_operator_acts_on_a_running_saga
{
    [Fact]
    public async Task A_compensation_order_before_the_pivot_undoes_the_running_step_and_ends_Compensated()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.WaitAsync("ReserveSlot", StepStatus.Running, 1);

        await shipment.Host.Bus.Publish(new CompensateSaga(shipment.Id, "ops: customer cancelled"));
        await shipment.WaitAsync("ReserveSlot", StepStatus.Compensating, 1);
        await shipment.CompleteAsync("ReserveSlot", 1); // the withdrawn attempt's late reply: stale, changes nothing
        await shipment.CompleteAsync("ReserveSlot", 1, compensation: true);
        var compensated = await shipment.WaitForStateAsync("Compensated");

        Assert.Equal("compensation ordered: ops: customer cancelled", compensated.Reason);
        Assert.Equal(StepStatus.Compensated, shipment.Step(compensated, "ReserveSlot").Status);
        Assert.Equal(StepStatus.Pending, shipment.Step(compensated, "BookCarrier").Status);
        Assert.Contains(compensated.History, h => h.Kind == StepHistoryKind.IgnoredStaleReply && h.Step == "ReserveSlot");
        Assert.Null(compensated.WakeAt);
    }

    [Fact]
    public async Task A_compensation_order_after_the_pivot_started_changes_nothing_but_the_history()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.CompleteAsync("ReserveSlot", 1);
        await shipment.WaitAsync("BookCarrier", StepStatus.Running, 1);

        await shipment.Host.Bus.Publish(new CompensateSaga(shipment.Id, "too late"));
        var refused = await shipment.Sagas.WaitAsync(shipment.Id, s => s.History.Any(h => h.Kind == StepHistoryKind.CompensationOrderIgnored));

        Assert.Equal("Executing", refused.CurrentState);
        Assert.Equal(StepStatus.Running, shipment.Step(refused, "BookCarrier").Status);
        await shipment.CompleteAsync("BookCarrier", 1);
        await shipment.WaitAsync("NotifyCustomer", StepStatus.Running, 1);
    }

    [Fact]
    public async Task A_retry_now_runs_the_waiting_step_before_its_backoff_ends()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.FailAsync("ReserveSlot", 1, "slot service busy");
        var waiting = await shipment.WaitAsync("ReserveSlot", StepStatus.WaitingRetry, 1);
        Assert.True(waiting.WakeAt > shipment.Host.Time.GetUtcNow());

        await shipment.Host.Bus.Publish(new RetryStepNow(shipment.Id, "ReserveSlot", "ops: slot service scaled up"));
        var running = await shipment.WaitAsync("ReserveSlot", StepStatus.Running, 2); // the clock never moved

        Assert.Contains(running.History, h => h.Kind == StepHistoryKind.RetriedNow && h.Reason == "ops: slot service scaled up");
        await shipment.CompleteAsync("ReserveSlot", 2);
        await shipment.WaitAsync("BookCarrier", StepStatus.Running, 1);
    }
}
