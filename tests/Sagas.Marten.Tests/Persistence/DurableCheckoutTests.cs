using Checkout.Contracts;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sagas.Marten.Tests.Harness;
using Sagas.Steps;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Persistence;

public sealed class When_fifty_events_race_for_one_saga_on_postgres
{
    [Fact]
    public async Task The_final_state_reflects_all_of_them()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_fifty_events_race_for_one_saga_on_postgres));
        await using var checkout = await MartenCheckout.StartAsync(schema);
        var order = await checkout.CompletedOrderAsync();

        // Each ResumeSaga reaching a Completed saga appends one history line; 50 distinct events race.
        await Task.WhenAll(Enumerable.Range(1, 50).Select(i => checkout.Bus.Publish(new ResumeSaga(order.OrderId, $"race {i}"))));
        var state = await checkout.Sagas.WaitAsync(order.OrderId, s => s.History.Count(h => h.Kind == StepHistoryKind.ResumeIgnored) == 50, TimeSpan.FromSeconds(30));

        Assert.Equal(50, state.History.Where(h => h.Kind == StepHistoryKind.ResumeIgnored).Select(h => h.Reason).Distinct().Count());
        Assert.Equal("Completed", state.CurrentState);
    }
}

public sealed class When_a_deadline_was_set_before_a_restart
{
    [Fact]
    public async Task It_fires_after_the_restart()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_deadline_was_set_before_a_restart));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        await using (var before = await MartenCheckout.StartAsync(schema, time, s => s.AddScoped<IStepHandler<ChargePayment, PaymentCharged>, SilentPayments>()))
        {
            await before.Bus.Publish(order);
            await before.Sagas.WaitAsync(order.OrderId, s => s.Steps.Any(p => p is { Name: "ChargePayment", Status: StepStatus.Running }), TimeSpan.FromSeconds(30));
        }

        // The first process is gone; its deadline lives on as a scheduled outbox row.
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where due_at is not null and saga_id = '{order.OrderId}'"));
        // The provider stays silent after the restart too: the deadline asks again until the retries are spent, then compensates.
        await using var after = await MartenCheckout.StartAsync(schema, time, s => s.AddScoped<IStepHandler<ChargePayment, PaymentCharged>, SilentPayments>());
        var state = await after.AdvanceUntilAsync(order.OrderId, s => s.CurrentState == "Compensated", TimeSpan.FromSeconds(130));

        Assert.StartsWith("ChargePayment: no reply within the deadline", state.Reason, StringComparison.Ordinal);
        Assert.Equal(3, state.History.Count(h => h is { Step: "ChargePayment", Kind: StepHistoryKind.TimedOut }));
        Assert.Equal(StepStatus.Compensated, state.Steps.Single(p => p.Name == "ReserveInventory").Status);
    }

    /// <summary>A payment provider that never answers.</summary>
    private sealed class SilentPayments : IStepHandler<ChargePayment, PaymentCharged>
    {
        public async ValueTask<StepOutcome<PaymentCharged>> HandleAsync(ChargePayment command, StepContext context)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}

public sealed class When_the_checkout_runs_on_postgres
{
    [Fact]
    public async Task Every_path_ends_in_its_terminal_state_and_the_outbox_drains()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_the_checkout_runs_on_postgres));
        await using var checkout = await MartenCheckout.StartAsync(schema);
        var orders = new[] { Scenario.Happy, Scenario.OutOfStock, Scenario.PaymentDeclined, Scenario.ConfirmationFails }
            .Select((s, i) => (Scenario: s, Order: OrderScenarios.Create(s, i))).ToList();

        foreach (var (_, order) in orders)
        {
            await checkout.Bus.Publish(order);
        }

        foreach (var (scenario, order) in orders)
        {
            var expected = OrderScenarios.ExpectedState(scenario);
            await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == expected, TimeSpan.FromSeconds(30));
        }

        var effects = checkout.Services.GetRequiredService<EffectLog>();
        Assert.Equal(["inventory-reserved", "payment-charged:470.50", "payment-refunded:470.50", "inventory-released"], effects.For(orders[3].Order.OrderId));
        // Delivered messages are deleted in batches, a few milliseconds after their send: every ready row goes. (This asserted
        // at most 10 left at the moment the last saga ended, which a faster fast path sometimes exceeded by one.)
        await OutboxTable.UntilAsync($"select count(*) from {schema}.sagas_outbox where due_at is null", n => n == 0);
    }
}

public sealed class When_a_saga_completes_on_postgres
{
    [Fact]
    public async Task Every_deadline_it_set_was_withdrawn_in_the_commit_of_its_reply()
    {
        // The commit statement deletes withdrawn timers only when it has some (its delete is gated on the array's
        // cardinality): a saga that set a deadline per step and completed leaves no scheduled row behind.
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_saga_completes_on_postgres));
        await using var checkout = await MartenCheckout.StartAsync(schema);
        var order = OrderScenarios.Create(Scenario.Happy, 1);

        await checkout.Bus.Publish(order);
        var state = await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));

        Assert.NotEmpty(state.Steps);
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where due_at is not null and saga_id = '{order.OrderId}'"));
    }
}
