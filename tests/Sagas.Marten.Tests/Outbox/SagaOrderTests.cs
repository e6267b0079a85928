using Checkout.Contracts;
using Checkout.Simulation;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Marten.Outbox;
using Sagas.Inbox;
using Sagas.Outbox;
using Sagas.Marten.Tests.Harness;
using Sagas.Persistence;
using Sagas.Steps;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Outbox;

// An earlier message of a saga is still in the outbox when the saga commits its next one: its process died between its
// commit and its send (a row written here, as that process would have left it), or it is about to be deleted by another
// process that sent it. The next message must not overtake it.
public sealed class When_a_sagas_earlier_message_is_still_in_the_outbox
{
    [Fact]
    public async Task Its_next_message_is_left_to_the_relay_which_sends_both_in_commit_order()
    {
        using var measurements = new SagasMeasurements();
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_sagas_earlier_message_is_still_in_the_outbox) + "_relay");
        var gate = new PaymentGate();
        await using var checkout = await StartAsync(schema, gate, takeover: TimeSpan.FromSeconds(1));
        var order = await ConfirmOrderCommittedBehindAsync(checkout, gate, id => LeaveBehindAsync(schema, id, sagaCommit: "true"));
        await OutboxTable.UntilAsync(ReadyRowsOf(schema, order.OrderId), n => n == 2); // the left-behind one and ConfirmOrder
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the wait: ConfirmOrder is the relay's now, and the relay does not run
        Assert.Equal(2, await PostgresDatabase.ScalarAsync(ReadyRowsOf(schema, order.OrderId) + " and saga_commit")); // ConfirmOrder is the saga's own
        Assert.NotEqual(StepStatus.Completed, (await checkout.Sagas.WaitAsync(order.OrderId, _ => true, TimeSpan.FromSeconds(5))).Steps.Single(p => p.Name == "ConfirmOrder").Status);
        Assert.Contains(measurements.All, m => m is { Instrument: "sagas.outbox.order_waits" } && (string?)m.Tags["outcome"] == "relay");

        checkout.Time.Advance(TimeSpan.FromSeconds(5)); // both older than the takeover delay (ConfirmOrder's deadline, 30 s, is not due)
        var relay = checkout.Services.GetRequiredService<OutboxRelay>();
        Assert.Equal(1, await relay.RelayBatchAsync(default)); // the left-behind message: ConfirmOrder waits behind it
        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where destination like '%/left-behind'"));
        Assert.Equal(1, await relay.RelayBatchAsync(default)); // then ConfirmOrder
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Its_next_message_waits_until_the_earlier_one_has_left_the_outbox()
    {
        using var measurements = new SagasMeasurements();
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_sagas_earlier_message_is_still_in_the_outbox) + "_wait");
        var gate = new PaymentGate();
        await using var checkout = await StartAsync(schema, gate, takeover: TimeSpan.FromMinutes(1));
        var order = await ConfirmOrderCommittedBehindAsync(checkout, gate, id => LeaveBehindAsync(schema, id, sagaCommit: "null")); // as written before saga_commit was
        await OutboxTable.UntilAsync(ReadyRowsOf(schema, order.OrderId), n => n == 2); // the left-behind one and ConfirmOrder
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.NotEqual(StepStatus.Completed, (await checkout.Sagas.WaitAsync(order.OrderId, _ => true, TimeSpan.FromSeconds(5))).Steps.Single(p => p.Name == "ConfirmOrder").Status);

        // Its process sends it and deletes its row: ConfirmOrder goes at once, long before a relay would take it.
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"with gone as (delete from {schema}.sagas_outbox where destination like '%/left-behind' returning 1) select count(*) from gone"));
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        Assert.Contains(measurements.All, m => m is { Instrument: "sagas.outbox.order_waits" } && (string?)m.Tags["outcome"] == "sent");
    }

    [Fact]
    public async Task A_reply_to_it_that_another_consumer_committed_is_no_reason_to_wait()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_a_sagas_earlier_message_is_still_in_the_outbox) + "_reply");
        var gate = new PaymentGate();
        await using var checkout = await StartAsync(schema, gate, takeover: TimeSpan.FromMinutes(1));

        // A step's reply for the saga, committed by a consumer (another process's, whose batched delete has not run yet):
        // it carries the saga's id, but the saga's own messages need not wait for it.
        // Had ConfirmOrder waited for it, it would wait until just before the takeover delay (a minute), then be left to the
        // relay, which does not run here. (Not asserted by the order-wait metric: it is process-wide, and other tests wait.)
        var order = await ConfirmOrderCommittedBehindAsync(checkout, gate, id => CommitReplyAsync(checkout, id));
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.CurrentState == "Completed", TimeSpan.FromSeconds(30));
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where destination like '%/left-behind' and saga_id = '{order.OrderId}' and not saga_commit"));
    }

    private static Task<MartenCheckout> StartAsync(string schema, PaymentGate gate, TimeSpan takeover) => MartenCheckout.StartAsync(
        schema,
        services: s => s.AddSingleton(gate).AddScoped<IStepHandler<ChargePayment, PaymentCharged>, GatedPayments>(),
        options: o =>
        {
            o.RunRelay = false; // the test drives the relay passes
            o.RelayTakeoverDelay = takeover;
        });

    /// <summary>
    /// Places an order; while its payment runs, leaves a message of its saga behind in the outbox; then lets the payment
    /// answer, so that the saga commits ConfirmOrder behind that message.
    /// </summary>
    private static async Task<OrderSubmitted> ConfirmOrderCommittedBehindAsync(MartenCheckout checkout, PaymentGate gate, Func<Guid, Task> leaveBehind)
    {
        var order = OrderScenarios.Create(Scenario.Happy, 1);
        await checkout.Bus.Publish(order);
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.Steps.Any(p => p is { Name: "ChargePayment", Status: StepStatus.Running }), TimeSpan.FromSeconds(30));
        await leaveBehind(order.OrderId);

        gate.Answer.SetResult();
        await checkout.Sagas.WaitAsync(order.OrderId, s => s.Steps.Any(p => p is { Name: "ChargePayment", Status: StepStatus.Completed }), TimeSpan.FromSeconds(30));
        return order;
    }

    /// <summary>
    /// A message of the saga committed by its transition before the payment's reply and never sent, as a process dying
    /// would leave it; <paramref name="sagaCommit"/> is the row's <c>saga_commit</c> (<c>null</c>: as written before it was).
    /// </summary>
    private static Task<long> LeaveBehindAsync(string schema, Guid sagaId, string sagaCommit) => PostgresDatabase.ScalarAsync($$$"""
        insert into {{{schema}}}.sagas_outbox (id, destination, content_type, body, saga_id, saga_commit, created_at)
        values (gen_random_uuid(), 'loopback://localhost/left-behind', 'application/cloudevents+json',
                convert_to('{{{Body(sagaId)}}}', 'UTF8'), '{{{sagaId}}}', {{{sagaCommit}}}, now() - interval '1 minute');
        select 0
        """);

    /// <summary>A message for the saga that a consumer's commit leaves in the outbox, written by the store's own statement.</summary>
    private static async Task CommitReplyAsync(MartenCheckout checkout, Guid sagaId)
    {
        var transaction = new MessageTransaction(new InboxKey("left-behind", "/probe", $"reply-{sagaId}"));
        transaction.Add(new OutboxMessage
        {
            Id = Guid.NewGuid(),
            Destination = new Uri("loopback://localhost/left-behind"),
            ContentType = "application/cloudevents+json",
            Body = System.Text.Encoding.UTF8.GetBytes(Body(sagaId)),
            SagaId = sagaId,
        });
        Assert.Equal(CommitResult.Committed, await checkout.Services.GetRequiredService<IMessageStore>().CommitAsync(transaction, default));
    }

    private static string Body(Guid sagaId)
        => $$$"""{"specversion":"1.0","type":"com.example.checkout.release-inventory.v1","source":"/probe","id":"left-1","datacontenttype":"application/json","data":{"orderId":"{{{sagaId}}}","reservationId":"left-1"}}""";

    private static string ReadyRowsOf(string schema, Guid sagaId) => $"select count(*) from {schema}.sagas_outbox where saga_id = '{sagaId}' and due_at is null";

    private sealed class PaymentGate
    {
        public TaskCompletionSource Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A payment provider that answers when the test says so.</summary>
    private sealed class GatedPayments(PaymentGate gate) : IStepHandler<ChargePayment, PaymentCharged>
    {
        public async ValueTask<StepOutcome<PaymentCharged>> HandleAsync(ChargePayment command, StepContext context)
        {
            await gate.Answer.Task.WaitAsync(context.CancellationToken);
            return new PaymentCharged("pay-1");
        }
    }
}

// The message ahead is one this process is sending right now: its receiver committed the saga's next transition before
// the send returned here (usual on a fast broker). The next message waits for that send, not for the row's delete.
public sealed class When_the_message_ahead_is_being_sent_by_this_process
{
    private static readonly Guid Saga = Guid.NewGuid();

    [Fact]
    public async Task The_next_one_goes_once_that_send_succeeded()
    {
        var (order, ahead, next) = Behind();
        order.Sending(ahead);

        var maySend = order.MaySendAsync(next, default).AsTask();
        await Task.Delay(100);
        Assert.False(maySend.IsCompleted);

        order.SendEnded(ahead, sent: true);
        Assert.True(await maySend.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task The_next_one_is_left_to_the_relay_when_that_send_failed()
    {
        var (order, ahead, next) = Behind();
        order.Sending(ahead);

        var maySend = order.MaySendAsync(next, default).AsTask();
        order.SendEnded(ahead, sent: false);

        Assert.False(await maySend.WaitAsync(TimeSpan.FromSeconds(5))); // its row stays, and the takeover delay here is shorter than a poll
    }

    [Fact]
    public async Task A_message_whose_commit_found_nothing_ahead_goes_at_once()
    {
        var (order, _, next) = Behind();

        Assert.True(await order.MaySendAsync(next with { }, default)); // another instance: not the one recorded behind
    }

    private static (SagaOrder Order, OutboxMessage Ahead, OutboxMessage Next) Behind()
    {
        // Never connects: a poll would be the first use, and none is reached.
        var order = new SagaOrder(Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1"), new Schema.SagasTables("unused"), new MartenSagasOptions { RelayTakeoverDelay = TimeSpan.FromMilliseconds(5) });
        var ahead = Message();
        var next = Message();
        order.Behind([next], [ahead.Id]);
        return (order, ahead, next);
    }

    private static OutboxMessage Message() => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("loopback://localhost/step"),
        ContentType = "application/cloudevents+json",
        Body = new byte[] { 1 },
        SagaId = Saga,
        SagaCommit = true,
    };
}
