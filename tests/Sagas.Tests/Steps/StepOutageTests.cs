using Sagas.Steps;
using Sagas.Tests.Shipping;

namespace Sagas.Tests.Steps;

public sealed class When_a_steps_host_is_unavailable
{
    [Fact]
    public async Task Its_attempts_do_not_count_against_the_retry_budget()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.PassReserveAndBookAsync();

        // Five attempts meet a host that is down, more than the three attempts of the retry budget.
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await shipment.UnavailableAsync("NotifyCustomer", attempt);
            await shipment.RetryAsync("NotifyCustomer", attempt);
        }

        await shipment.WaitAsync("NotifyCustomer", StepStatus.Running, 6);
        await shipment.CompleteAsync("NotifyCustomer", 6);
        var state = await shipment.WaitForStateAsync("Completed");

        Assert.Equal(5, state.History.Count(h => h is { Step: "NotifyCustomer", Kind: StepHistoryKind.Unavailable }));
        Assert.DoesNotContain(state.History, h => h is { Step: "NotifyCustomer", Kind: StepHistoryKind.Failed });
        Assert.All(
            state.History.Where(h => h is { Step: "NotifyCustomer", Kind: StepHistoryKind.RetryScheduled }),
            h => Assert.Contains("not counted against the 3 attempt(s)", h.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_the_handlers_own_failures_spend_the_budget()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.PassReserveAndBookAsync();

        await shipment.FailAsync("NotifyCustomer", 1, "SmtpException: mailbox busy");
        await shipment.RetryAsync("NotifyCustomer", 1);
        await shipment.UnavailableAsync("NotifyCustomer", 2);
        await shipment.RetryAsync("NotifyCustomer", 2);
        await shipment.FailAsync("NotifyCustomer", 3, "SmtpException: mailbox busy");
        await shipment.RetryAsync("NotifyCustomer", 3);
        await shipment.FailAsync("NotifyCustomer", 4, "SmtpException: mailbox busy");
        var faulted = await shipment.WaitForStateAsync("Faulted");

        Assert.Equal("NotifyCustomer failed after 3 attempt(s): SmtpException: mailbox busy", faulted.Reason);
        Assert.Equal(4, shipment.Step(faulted, "NotifyCustomer").Attempt);
    }

    [Fact]
    public async Task An_open_circuit_delays_the_next_attempt_until_it_half_opens()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.PassReserveAndBookAsync();
        var failedAt = shipment.Host.Time.GetUtcNow();

        await shipment.UnavailableAsync("NotifyCustomer", 1, retryAfterMs: 12_500);
        var waiting = await shipment.WaitAsync("NotifyCustomer", StepStatus.WaitingRetry, 1);

        // The backoff would be one second; the circuit stays open for 12.5 s, so the next attempt waits for that.
        Assert.Equal(failedAt + TimeSpan.FromMilliseconds(12_500), shipment.Step(waiting, "NotifyCustomer").DueAt);
        Assert.Equal(shipment.Step(waiting, "NotifyCustomer").DueAt, waiting.WakeAt);
        shipment.Host.Time.Advance(TimeSpan.FromMilliseconds(12_499));
        Assert.Equal(StepStatus.WaitingRetry, shipment.Step(shipment.Sagas.Latest(shipment.Id)!, "NotifyCustomer").Status);
        shipment.Host.Time.Advance(TimeSpan.FromMilliseconds(1));
        await shipment.WaitAsync("NotifyCustomer", StepStatus.Running, 2);
    }

    [Fact]
    public async Task An_outage_longer_than_the_budget_parks_the_saga_naming_the_outage()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.PassReserveAndBookAsync();

        var attempt = 1;
        while (shipment.Host.Time.GetUtcNow() - (await shipment.WaitAsync("NotifyCustomer", StepStatus.Running, attempt)).StartedAt < ShipmentSaga.OutageBudget)
        {
            await shipment.UnavailableAsync("NotifyCustomer", attempt, retryAfterMs: 10_000);
            await shipment.RetryAsync("NotifyCustomer", attempt);
            attempt++;
        }

        await shipment.UnavailableAsync("NotifyCustomer", attempt);
        var faulted = await shipment.WaitForStateAsync("Faulted");

        Assert.StartsWith("NotifyCustomer failed: its host was unavailable for ", faulted.Reason, StringComparison.Ordinal);
        Assert.Contains("past the outage budget of 120 s: HttpRequestException: Connection refused", faulted.Reason, StringComparison.Ordinal);
        Assert.Null(faulted.WakeAt);
    }

    [Fact]
    public async Task The_outage_budget_of_the_route_the_reply_names_overrides_the_steps()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.PassReserveAndBookAsync();

        await shipment.UnavailableAsync("NotifyCustomer", 1, retryAfterMs: 20_000, outageBudgetMs: 15_000);
        await shipment.RetryAsync("NotifyCustomer", 1);
        await shipment.UnavailableAsync("NotifyCustomer", 2, outageBudgetMs: 15_000);
        var faulted = await shipment.WaitForStateAsync("Faulted");

        Assert.Contains("unavailable for 20 s, past the outage budget of 15 s", faulted.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_answer_from_the_handler_ends_the_outage_so_a_later_one_gets_a_full_budget()
    {
        await using var shipment = await Shipment.StartAsync();
        await shipment.PassReserveAndBookAsync();

        await shipment.UnavailableAsync("NotifyCustomer", 1);
        var waiting = await shipment.WaitAsync("NotifyCustomer", StepStatus.WaitingRetry, 1);
        Assert.NotNull(shipment.Step(waiting, "NotifyCustomer").OutageSince);
        await shipment.RetryAsync("NotifyCustomer", 1);
        await shipment.FailAsync("NotifyCustomer", 2, "SmtpException: mailbox busy");

        var answered = await shipment.WaitAsync("NotifyCustomer", StepStatus.WaitingRetry, 2);
        Assert.Null(shipment.Step(answered, "NotifyCustomer").OutageSince);
        Assert.Equal(1, shipment.Step(answered, "NotifyCustomer").OutageAttempts);
    }
}
