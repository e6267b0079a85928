using Checkout.Contracts;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Steps;

namespace Checkout.Tests.Saga;

public sealed class When_an_order_is_valid
{
    [Fact]
    public async Task The_saga_completes_every_step_once()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var order = await checkout.SubmitAsync(Scenario.Happy);

        var state = await checkout.WaitForStateAsync(order.OrderId, "Completed");

        Assert.All(state.Steps, s => Assert.Equal(StepStatus.Completed, s.Status));
        Assert.NotNull(state.ReservationId);
        Assert.NotNull(state.PaymentId);
        Assert.NotNull(state.ConfirmationNumber);
        Assert.NotNull(state.InvoiceNumber);
        Assert.Empty(state.CompensationLog.Except(["ReserveInventory", "ChargePayment"]));
        var effects = checkout.Effects.For(order.OrderId);
        Assert.Equal(["inventory-reserved", "payment-charged:33.00", "order-confirmed"], effects.Take(3));
        Assert.Equal(["confirmation-sent", "crm-updated", "invoice-generated"], effects.Skip(3).Order());
    }
}

public sealed class When_an_item_is_out_of_stock
{
    [Fact]
    public async Task The_order_is_rejected_with_nothing_to_compensate()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var order = await checkout.SubmitAsync(Scenario.OutOfStock);

        var state = await checkout.WaitForStateAsync(order.OrderId, "Rejected");

        Assert.Contains("out of stock", state.Reason, StringComparison.Ordinal);
        Assert.Empty(state.CompensationLog);
        Assert.Empty(checkout.Effects.For(order.OrderId));
        Assert.Equal(StepStatus.Failed, state.Steps[0].Status);
        Assert.All(state.Steps.Skip(1), s => Assert.Equal(StepStatus.Pending, s.Status));
    }
}

public sealed class When_the_payment_is_declined
{
    [Fact]
    public async Task The_inventory_is_released_and_the_saga_is_compensated()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var order = await checkout.SubmitAsync(Scenario.PaymentDeclined);

        var state = await checkout.WaitForStateAsync(order.OrderId, "Compensated");

        Assert.Contains("card declined", state.Reason, StringComparison.Ordinal);
        Assert.Equal(["inventory-reserved", "inventory-released"], checkout.Effects.For(order.OrderId));
        Assert.Equal(StepStatus.Compensated, state.Steps.Single(s => s.Name == "ReserveInventory").Status);
    }
}

public sealed class When_the_confirmation_fails
{
    [Fact]
    public async Task The_payment_is_refunded_then_the_inventory_released()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var order = await checkout.SubmitAsync(Scenario.ConfirmationFails);

        var state = await checkout.WaitForStateAsync(order.OrderId, "Compensated");

        Assert.Contains("export restricted", state.Reason, StringComparison.Ordinal);
        Assert.Equal(
            ["inventory-reserved", "payment-charged:483.00", "payment-refunded:483.00", "inventory-released"],
            checkout.Effects.For(order.OrderId));
        var compensations = state.History.Where(h => h is { Kind: StepHistoryKind.Compensated } && h.Step != "saga").Select(h => h.Step);
        Assert.Equal(["ChargePayment", "ReserveInventory"], compensations);
    }
}

public sealed class When_a_retriable_step_fails_transiently
{
    [Fact]
    public async Task It_is_retried_with_backoff_and_the_order_completes()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var order = await checkout.SubmitAsync(Scenario.FlakyCrm);

        // Attempt 1 fails and waits 1 s; attempt 2 fails and waits 2 s; attempt 3 succeeds.
        await checkout.Sagas.WaitAsync(order.OrderId, s => Crm(s) is { Status: StepStatus.WaitingRetry, Attempt: 1 });
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(1));
        await checkout.Sagas.WaitAsync(order.OrderId, s => Crm(s) is { Status: StepStatus.WaitingRetry, Attempt: 2 });
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(2));
        var state = await checkout.WaitForStateAsync(order.OrderId, "Completed");

        Assert.Equal(3, Crm(state).Attempt);
        Assert.Equal(2, state.History.Count(h => h is { Step: "UpdateCrm", Kind: StepHistoryKind.RetryScheduled }));
        Assert.Single(checkout.Effects.For(order.OrderId), e => e == "crm-updated");
    }

    private static StepProgress Crm(Checkout.Saga.CheckoutState state) => state.Steps.Single(s => s.Name == "UpdateCrm");
}

public sealed class When_a_retriable_step_fails_for_good
{
    [Fact]
    public async Task The_saga_is_parked_as_faulted_with_the_reason_and_can_be_resumed()
    {
        var crm = new SwitchableCrm();
        await using var checkout = await CheckoutFixture.StartAsync(s => s.AddScoped<IStepHandler<UpdateCrm, Done>>(_ => crm));
        var order = await checkout.SubmitAsync(Scenario.Happy);

        await checkout.Sagas.WaitAsync(order.OrderId, s => s.Steps.Single(p => p.Name == "UpdateCrm") is { Status: StepStatus.WaitingRetry, Attempt: 1 });
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(1));
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.Steps.Single(p => p.Name == "UpdateCrm") is { Status: StepStatus.WaitingRetry, Attempt: 2 });
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(2));
        var faulted = await checkout.WaitForStateAsync(order.OrderId, "Faulted");

        Assert.Equal("UpdateCrm failed after 3 attempt(s): HttpRequestException: CRM is down", faulted.Reason);
        Assert.Equal(StepStatus.Failed, faulted.Steps.Single(p => p.Name == "UpdateCrm").Status);

        crm.Healthy = true;
        await checkout.Host.Bus.Publish(new ResumeSaga(order.OrderId, "CRM is back"));
        var completed = await checkout.WaitForStateAsync(order.OrderId, "Completed");

        Assert.Null(completed.Reason);
        Assert.Contains(completed.History, h => h is { Kind: StepHistoryKind.Resumed, Reason: "CRM is back" });
    }

    private sealed class SwitchableCrm : IStepHandler<UpdateCrm, Done>
    {
        public volatile bool Healthy;

        public ValueTask<StepOutcome<Done>> HandleAsync(UpdateCrm command, StepContext context)
            => Healthy ? ValueTask.FromResult<StepOutcome<Done>>(Done.Value) : throw new HttpRequestException("CRM is down");
    }
}

public sealed class When_a_compensatable_step_misses_its_deadline
{
    [Fact]
    public async Task It_is_asked_again_with_the_same_idempotency_key_and_completes_when_an_attempt_answers()
    {
        var payments = new SlowPaymentHandler();
        await using var checkout = await CheckoutFixture.StartAsync(s => s.AddScoped<IStepHandler<ChargePayment, PaymentCharged>>(_ => payments));
        var order = await checkout.SubmitAsync(Scenario.Happy);

        // The first command (or its reply) is lost: the deadline asks again, and the second attempt answers.
        await checkout.Sagas.WaitAsync(order.OrderId, s => Payment(s) is { Status: StepStatus.Running, Attempt: 1 });
        checkout.Host.Time.Advance(checkout.Settings.Deadline);
        await checkout.Sagas.WaitAsync(order.OrderId, s => Payment(s) is { Status: StepStatus.WaitingRetry, Attempt: 1 });
        checkout.Host.Time.Advance(checkout.Settings.Retry.MaxDelay);
        await checkout.Sagas.WaitAsync(order.OrderId, s => Payment(s) is { Status: StepStatus.Running, Attempt: 2 });
        payments.Answer.SetResult();
        var state = await checkout.WaitForStateAsync(order.OrderId, "Completed");

        Assert.Equal(2, payments.Keys.Count);
        Assert.Single(payments.Keys.Distinct());
        Assert.Equal(StepContext.CreateIdempotencyKey(order.OrderId, "ChargePayment", isCompensation: false), payments.Keys.First());
        Assert.Single(state.History, h => h is { Step: "ChargePayment", Kind: StepHistoryKind.TimedOut, Attempt: 1 });
        Assert.Single(state.History, h => h is { Step: "ChargePayment", Kind: StepHistoryKind.Completed });
    }

    [Fact]
    public async Task Once_its_retries_are_spent_the_step_in_doubt_and_the_completed_steps_are_compensated_in_reverse_order()
    {
        var payments = new SlowPaymentHandler();
        await using var checkout = await CheckoutFixture.StartAsync(s => s.AddScoped<IStepHandler<ChargePayment, PaymentCharged>>(_ => payments));
        var order = await checkout.SubmitAsync(Scenario.Happy);

        var attempts = checkout.Settings.Retry.MaxAttempts;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var current = attempt;
            await checkout.Sagas.WaitAsync(order.OrderId, s => Payment(s) is { Status: StepStatus.Running } p && p.Attempt == current);
            checkout.Host.Time.Advance(checkout.Settings.Deadline);
            if (attempt < attempts)
            {
                await checkout.Sagas.WaitAsync(order.OrderId, s => Payment(s) is { Status: StepStatus.WaitingRetry } p && p.Attempt == current);
                checkout.Host.Time.Advance(checkout.Settings.Retry.MaxDelay);
            }
        }

        var state = await checkout.WaitForStateAsync(order.OrderId, "Compensated");

        Assert.StartsWith($"ChargePayment: no reply within the deadline", state.Reason, StringComparison.Ordinal);
        Assert.Equal(["inventory-reserved", "payment-refunded:33.00", "inventory-released"], checkout.Effects.For(order.OrderId));
        Assert.Equal(attempts, state.History.Count(h => h is { Step: "ChargePayment", Kind: StepHistoryKind.TimedOut }));
        Assert.Single(payments.Keys.Distinct());

        // The provider answers at last: the late replies change nothing.
        payments.Answer.SetResult();
        var late = await checkout.Sagas.WaitAsync(order.OrderId, s => s.History.Count(h => h.Kind == StepHistoryKind.IgnoredStaleReply) == attempts);
        Assert.Equal("Compensated", late.CurrentState);
    }

    private static StepProgress Payment(Checkout.Saga.CheckoutState state) => state.Steps.Single(s => s.Name == "ChargePayment");

    /// <summary>A payment provider that answers only when the test says so, and records the idempotency key of each call.</summary>
    private sealed class SlowPaymentHandler : IStepHandler<ChargePayment, PaymentCharged>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _keys = new();

        public TaskCompletionSource Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyCollection<string> Keys => _keys;

        public async ValueTask<StepOutcome<PaymentCharged>> HandleAsync(ChargePayment command, StepContext context)
        {
            _keys.Enqueue(context.IdempotencyKey);
            await Answer.Task;
            return new PaymentCharged("P-" + context.IdempotencyKey);
        }
    }
}

public sealed class When_the_same_event_is_delivered_twice
{
    [Fact]
    public async Task The_inbox_acknowledges_the_second_delivery_with_no_effect()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        var submitted = checkout.Host.ToCloudEventJson(order, id: "order-1", subject: order.OrderId);
        await checkout.Host.SendRawAsync("checkout-state", submitted);
        await checkout.WaitForStateAsync(order.OrderId, "Completed");

        // Each ResumeSaga that reaches a Completed saga leaves a "resume-ignored" line in its history,
        // so the history counts how many deliveries got through the inbox.
        var resume = checkout.Host.ToCloudEventJson(new ResumeSaga(order.OrderId, "first"), id: "resume-1", subject: order.OrderId);
        await checkout.Host.SendRawAsync("checkout-state", resume);
        await checkout.Host.SendRawAsync("checkout-state", resume);
        await checkout.Host.SendRawAsync("checkout-state", submitted);
        var marker = checkout.Host.ToCloudEventJson(new ResumeSaga(order.OrderId, "marker"), id: "resume-2", subject: order.OrderId);
        await checkout.Host.SendRawAsync("checkout-state", marker);
        var state = await checkout.Sagas.WaitAsync(order.OrderId, s => s.History.Any(h => h.Reason?.StartsWith("marker", StringComparison.Ordinal) == true));

        Assert.Single(state.History, h => h.Reason?.StartsWith("first", StringComparison.Ordinal) == true);
        Assert.Single(state.History, h => h.Kind == StepHistoryKind.Started);
        Assert.Equal(6, checkout.Effects.For(order.OrderId).Count);
        Assert.Equal("Completed", state.CurrentState);
    }
}

public sealed class When_two_events_race_for_one_saga
{
    [Fact]
    public async Task Both_updates_survive()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var orders = Enumerable.Range(0, 20).Select(i => OrderScenarios.Create(Scenario.Happy, i)).ToList();

        // The three retriable steps of each order reply concurrently and update the same saga.
        foreach (var order in orders)
        {
            await checkout.Host.Bus.Publish(order);
        }

        foreach (var order in orders)
        {
            var state = await checkout.WaitForStateAsync(order.OrderId, "Completed");
            Assert.All(state.Steps, s => Assert.Equal(StepStatus.Completed, s.Status));
            Assert.Equal(3, state.History.Count(h => h.Kind == StepHistoryKind.Completed && h.Step is "GenerateInvoice" or "SendConfirmation" or "UpdateCrm"));
            Assert.NotNull(state.InvoiceNumber);
        }
    }
}

public sealed class When_an_event_is_invalid
{
    [Fact]
    public async Task It_is_dead_lettered_with_the_validation_errors_and_never_handled()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var invalid = new OrderSubmitted(Guid.NewGuid(), "", "not-an-email", "tok_visa", []);

        await checkout.Host.SendRawAsync("checkout-state", checkout.Host.ToCloudEventJson(invalid, id: "bad-1"));
        var deadLetter = await WaitForDeadLetterAsync(checkout, "bad-1");

        Assert.Equal("com.example.checkout.order-submitted.v1", deadLetter.EventType);
        Assert.Equal("checkout-state", deadLetter.Endpoint);
        Assert.Contains(deadLetter.Reasons, r => r.StartsWith("CustomerId:", StringComparison.Ordinal));
        Assert.Contains(deadLetter.Reasons, r => r.StartsWith("CustomerEmail:", StringComparison.Ordinal));
        Assert.Contains(deadLetter.Reasons, r => r.StartsWith("Lines:", StringComparison.Ordinal));
        Assert.Contains("not-an-email", deadLetter.Body, StringComparison.Ordinal);
        Assert.Null(checkout.Sagas.Latest(invalid.OrderId));
        Assert.Single(await checkout.Host.DeadLettersAsync());
    }

    internal static async Task<Sagas.DeadLetters.DeadLetter> WaitForDeadLetterAsync(CheckoutFixture checkout, string eventId)
    {
        // The dead letter is recorded by the receive observer; a valid marker event sent after it on the
        // same queue is handled after it, so once the marker saga exists the dead letter is recorded.
        var marker = OrderScenarios.Create(Scenario.OutOfStock, 99);
        await checkout.Host.SendRawAsync("checkout-state", checkout.Host.ToCloudEventJson(marker, id: $"marker-{eventId}", subject: marker.OrderId));
        await checkout.WaitForStateAsync(marker.OrderId, "Rejected");
        return Assert.Single(await checkout.Host.DeadLettersAsync(), d => d.EventId == eventId);
    }
}

public sealed class When_an_event_has_an_unknown_type
{
    [Fact]
    public async Task It_is_dead_lettered_naming_the_type()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        const string plainCloudEvent = """
            {"specversion":"1.0","type":"com.example.checkout.order-teleported.v1","source":"https://shop.example.com/legacy","id":"legacy-7","datacontenttype":"application/json","data":{"orderId":"0b0e5b9c-3f39-4a49-9a55-111111111111"}}
            """;

        await checkout.Host.SendRawAsync("checkout-state", plainCloudEvent);
        var deadLetter = await When_an_event_is_invalid.WaitForDeadLetterAsync(checkout, "legacy-7");

        Assert.Equal("https://shop.example.com/legacy", deadLetter.Source);
        Assert.Equal(["unknown event type 'com.example.checkout.order-teleported.v1': no contract is registered for it"], deadLetter.Reasons);
    }
}

public sealed class When_a_plain_cloudevent_comes_from_another_runtime
{
    [Fact]
    public async Task Its_known_type_starts_the_saga()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var orderId = Guid.NewGuid();
        // What a Node.js producer using the cloudevents npm package sends: no MassTransit attributes at all.
        var plainCloudEvent = $$$"""
            {"specversion":"1.0","type":"com.example.checkout.order-submitted.v1","source":"https://storefront.example.com","id":"A234-1234-1234","time":"2026-01-01T00:00:00Z","datacontenttype":"application/json",
             "data":{"orderId":"{{{orderId}}}","customerId":"c-1","customerEmail":"c-1@example.com","cardToken":"tok_visa","lines":[{"sku":"SKU-BOOK","quantity":1,"unitPrice":12.5}]}}
            """;

        await checkout.Host.SendRawAsync("checkout-state", plainCloudEvent);
        var state = await checkout.WaitForStateAsync(orderId, "Completed");

        Assert.Equal("c-1", state.CustomerId);
        Assert.Equal(12.5m, state.Total);
    }
}

public sealed class When_a_compensation_spends_its_budget
{
    [Fact]
    public async Task The_saga_is_parked_and_a_resume_finishes_the_compensation_without_redoing_the_failed_step()
    {
        var refunds = new SwitchableRefunds();
        await using var checkout = await CheckoutFixture.StartAsync(s =>
        {
            s.AddScoped<IStepHandler<RefundPayment, Done>>(_ => refunds);
            s.AddSingleton(new Checkout.Saga.CheckoutSettings
            {
                Retry = new StepRetryOptions { MaxAttempts = 3, InitialDelay = TimeSpan.FromSeconds(1), Jitter = 0 },
                CompensationRetry = new StepRetryOptions { MaxAttempts = 2, InitialDelay = TimeSpan.FromSeconds(1), Jitter = 0 },
            });
        });
        var order = await checkout.SubmitAsync(Scenario.ConfirmationFails);

        await checkout.Sagas.WaitAsync(order.OrderId, s => s.Steps.Single(p => p.Name == "ChargePayment").Status == StepStatus.CompensationWaitingRetry);
        checkout.Host.Time.Advance(TimeSpan.FromSeconds(1));
        var faulted = await checkout.WaitForStateAsync(order.OrderId, "Faulted");
        Assert.Equal("compensation of ChargePayment failed after 2 attempt(s): HttpRequestException: payment provider unavailable", faulted.Reason);

        refunds.Healthy = true;
        await checkout.Host.Bus.Publish(new ResumeSaga(order.OrderId, "provider is back"));
        var state = await checkout.WaitForStateAsync(order.OrderId, "Compensated");

        Assert.Equal(["inventory-reserved", "payment-charged:483.00", "inventory-released"], checkout.Effects.For(order.OrderId));
        Assert.Equal(1, refunds.Succeeded);
        Assert.Single(state.History, h => h is { Step: "ConfirmOrder", Kind: StepHistoryKind.Requested });
        Assert.Single(state.History, h => h is { Step: "ChargePayment", Kind: StepHistoryKind.Requested });
    }

    private sealed class SwitchableRefunds : IStepHandler<RefundPayment, Done>
    {
        private int _succeeded;

        public volatile bool Healthy;

        public int Succeeded => _succeeded;

        public ValueTask<StepOutcome<Done>> HandleAsync(RefundPayment command, StepContext context)
        {
            if (!Healthy)
            {
                throw new HttpRequestException("payment provider unavailable");
            }

            Interlocked.Increment(ref _succeeded);
            return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
        }
    }
}

public sealed class When_an_event_claims_a_masstransit_urn_type
{
    [Fact]
    public async Task It_cannot_bypass_the_contract_validators()
    {
        await using var checkout = await CheckoutFixture.StartAsync();
        var orderId = Guid.NewGuid();
        var sneaky = $$$"""
            {"specversion":"1.0","type":"urn:message:Checkout.Contracts:OrderSubmitted","source":"/elsewhere","id":"sneaky-1","subject":"{{{orderId}}}","datacontenttype":"application/json",
             "data":{"orderId":"{{{orderId}}}","customerId":"","customerEmail":"nope","cardToken":"tok_visa","lines":[]}}
            """;

        await checkout.Host.SendRawAsync("checkout-state", sneaky);
        var deadLetter = await When_an_event_is_invalid.WaitForDeadLetterAsync(checkout, "sneaky-1");

        Assert.Equal(["unknown event type 'urn:message:Checkout.Contracts:OrderSubmitted': no contract is registered for it"], deadLetter.Reasons);
        Assert.Null(checkout.Sagas.Latest(orderId));
    }

    [Fact]
    public async Task Publishing_a_type_that_is_not_a_contract_is_refused_naming_the_fix()
    {
        await using var checkout = await CheckoutFixture.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => checkout.Host.Bus.Publish(new NotAContract("x")));

        Assert.Contains("is not a registered contract", error.GetBaseException().Message, StringComparison.Ordinal);
    }

    public sealed record NotAContract(string Value);
}
