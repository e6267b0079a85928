using Sagas.Steps;
using Sagas.Tests.Shipping;

namespace Sagas.Tests.Steps;

public sealed class When_a_pivot_misses_its_deadlines
{
    [Fact]
    public async Task It_is_asked_again_and_once_the_retries_are_spent_the_saga_is_parked_in_doubt_not_compensated()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.CompleteAsync("ReserveSlot", 1);

        for (var attempt = 1; attempt <= ShipmentSaga.Retry.MaxAttempts; attempt++)
        {
            await shipment.WaitAsync("BookCarrier", StepStatus.Running, attempt);
            shipment.Host.Time.Advance(ShipmentSaga.Deadline);
            if (attempt < ShipmentSaga.Retry.MaxAttempts)
            {
                await shipment.RetryAsync("BookCarrier", attempt);
            }
        }

        var faulted = await shipment.WaitForStateAsync("Faulted");

        Assert.Equal("BookCarrier is in doubt after 3 attempt(s): no reply within the deadline of 30 s", faulted.Reason);
        Assert.Equal(["ReserveSlot"], faulted.CompensationLog);
        Assert.Equal(StepStatus.Completed, shipment.Step(faulted, "ReserveSlot").Status);
        Assert.DoesNotContain(faulted.History, h => h.Kind == StepHistoryKind.CompensationRequested);
    }

    [Fact]
    public async Task A_business_failure_after_a_missed_deadline_settles_the_doubt_and_compensates()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.CompleteAsync("ReserveSlot", 1);
        await shipment.WaitAsync("BookCarrier", StepStatus.Running, 1);
        shipment.Host.Time.Advance(ShipmentSaga.Deadline);
        await shipment.RetryAsync("BookCarrier", 1);

        await shipment.FailAsync("BookCarrier", 2, "no carrier serves this address", permanent: true);
        await shipment.WaitAsync("ReserveSlot", StepStatus.Compensating, 1);
        await shipment.CompleteAsync("ReserveSlot", 1, compensation: true);
        var compensated = await shipment.WaitForStateAsync("Compensated");

        Assert.Equal("BookCarrier: no carrier serves this address", compensated.Reason);
    }

    [Fact]
    public async Task A_compensatable_step_whose_retries_end_in_a_business_failure_is_not_compensated_itself()
    {
        await using var shipment = await Shipment.StartAsync();
        shipment.Host.Time.Advance(ShipmentSaga.Deadline);
        await shipment.RetryAsync("ReserveSlot", 1);

        // The second attempt answers for the same idempotency key: nothing was reserved, nothing to undo.
        await shipment.FailAsync("ReserveSlot", 2, "no slot left", permanent: true);
        var rejected = await shipment.WaitForStateAsync("Rejected");

        Assert.Empty(rejected.CompensationLog);
        Assert.Null(rejected.WakeAt);
    }
}
