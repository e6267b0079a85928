using Checkout.Simulation;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Marten.Outbox;
using Sagas.Marten.Tests.Harness;
using Sagas.Steps;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Outbox;

// The broker returns the first of the commands a commit sends after the checkout's pivot (with mandatory routing: no
// queue bound for it yet). That says nothing about the broker, so the fast path goes on with other sagas' messages; but
// the commands its saga committed after it must not overtake it: they stay in the outbox, and the relay sends all three
// in commit order.
public sealed class When_the_broker_returns_a_sagas_message
{
    // The commands go to their message types' addresses (urn:message:Checkout.Contracts:GenerateInvoice, ...).
    private static readonly string[] AfterThePivot = [":GenerateInvoice", ":SendConfirmation", ":UpdateCrm"];

    [Fact]
    public async Task The_messages_its_saga_committed_after_it_wait_for_it()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_the_broker_returns_a_sagas_message));
        var refusal = new OneRefusal();
        await using var checkout = await MartenCheckout.StartAsync(
            schema,
            options: o => o.RunRelay = false, // the test drives the relay passes
            sagas: s => s.ConfigureBus((_, bus) => bus.ConfigureSend(send => send.UseExecute(refusal.Check))));
        var order = OrderScenarios.Create(Scenario.Happy, 1);

        await checkout.Bus.Publish(order);
        await refusal.Refused.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // the rest of that commit's dispatch

        Assert.Equal(3, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where saga_id = '{order.OrderId}' and due_at is null"));
        var relay = checkout.Services.GetRequiredService<OutboxRelay>();
        Assert.Equal(1, await relay.RelayBatchAsync(default)); // the returned one, now taken: one row of a saga per pass
        Assert.Equal(1, await relay.RelayBatchAsync(default));
        Assert.Equal(1, await relay.RelayBatchAsync(default));
        var state = await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        Assert.All(state.Steps, s => Assert.Equal(StepStatus.Completed, s.Status));
    }

    /// <summary>Refuses the first send of a command after the pivot, as the broker returns a message no queue takes.</summary>
    private sealed class OneRefusal
    {
        public TaskCompletionSource Refused { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Check(SendContext context)
        {
            if (context.DestinationAddress is { } destination
                && AfterThePivot.Any(endpoint => destination.AbsolutePath.EndsWith(endpoint, StringComparison.Ordinal))
                && Refused.TrySetResult())
            {
                throw new MessageReturnedException($"No queue is bound for {destination}.");
            }
        }
    }
}
