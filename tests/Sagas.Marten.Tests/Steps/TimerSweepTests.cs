using Checkout.Contracts;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Marten.Tests.Harness;
using Sagas.Steps;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Steps;

public sealed class When_a_running_sagas_reply_and_timer_are_both_lost_on_postgres
{
    [Fact]
    public async Task The_sweep_finds_it_by_its_wake_time_and_the_saga_still_completes()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_running_sagas_reply_and_timer_are_both_lost_on_postgres));
        await using var checkout = await MartenCheckout.StartAsync(schema, services: s =>
        {
            s.AddScoped<IStepHandler<ChargePayment, PaymentCharged>, FirstAttemptNeverAnswers>();
            s.Configure<SagasOptions>(o =>
            {
                o.SweepInterval = TimeSpan.FromSeconds(5);
                o.SweepGrace = TimeSpan.FromSeconds(5);
            });
        });
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        await checkout.Bus.Publish(order);
        var running = await checkout.Sagas.WaitAsync(order.OrderId, s => s.Steps.Any(p => p is { Name: "ChargePayment", Status: StepStatus.Running, Attempt: 1 }), TimeSpan.FromSeconds(30));
        Assert.Equal(running.Steps.Single(p => p.Name == "ChargePayment").DueAt, running.WakeAt);
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.mt_doc_checkoutstate where wake_at is not null and id = '{order.OrderId}'"));

        // The first attempt's reply never comes, and its deadline timer is lost too (sent, deleted, gone with a broker).
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"with gone as (delete from {schema}.sagas_outbox where due_at is not null and saga_id = '{order.OrderId}' returning 1) select count(*) from gone"));
        var state = await checkout.AdvanceUntilAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(90));

        Assert.Single(state.History, h => h is { Step: "ChargePayment", Kind: StepHistoryKind.TimedOut, Attempt: 1 });
        Assert.Single(state.History, h => h is { Step: "ChargePayment", Kind: StepHistoryKind.Completed, Attempt: 2 });
        Assert.Null(state.WakeAt);
    }

    /// <summary>A payment provider whose first answer is lost: it never replies to attempt 1.</summary>
    private sealed class FirstAttemptNeverAnswers : IStepHandler<ChargePayment, PaymentCharged>
    {
        public async ValueTask<StepOutcome<PaymentCharged>> HandleAsync(ChargePayment command, StepContext context)
        {
            if (context.Attempt == 1)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
            }

            return new PaymentCharged("P-" + context.IdempotencyKey);
        }
    }
}
