using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Functions.Inbox;
using Sagas.Functions.Runner;
using Sagas.Functions.Tests.Harness;
using Sagas.Steps;

namespace Sagas.Functions.Tests.Runner;

public class StepFunctionRunnerTests
{
    private static readonly Guid SagaId = Guid.Parse("6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab");

    [Fact]
    public async Task Successful_step_replies_StepCompleted_with_the_handler_result()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId, quantity: 3, attempt: 2);

        var result = await host.Runner.RunAsync(command);

        Assert.Equal(StepFunctionStatus.Replied, result.Status);
        Assert.False(result.IsDuplicate);
        Assert.Null(result.Rejection);
        var completed = Replies.Completed(result.Reply!);
        Assert.Equal(new StepCompleted(SagaId, "reserve-stock", 2, false, completed.Result), completed);
        Assert.Equal(new StockReserved($"reservation-{SagaId:N}:reserve-stock", 3), Replies.Result(completed));
    }

    [Fact]
    public async Task Reply_attributes_name_the_saga_the_cause_and_the_configured_source()
    {
        await using var host = new RunnerHost(o => o.Source = new Uri("https://functions.example.com/stock"));
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var command = Commands.ReserveStock(SagaId, id: "command-1");
        command[SagaAttributes.TraceParent] = traceParent;
        command[SagaAttributes.TraceState] = "congo=t61rcWkgMzE";
        host.Time.Advance(TimeSpan.FromMinutes(5));

        var reply = (await host.Runner.RunAsync(command)).Reply!;

        Assert.Equal("dev.sagas.step.completed.v1", reply.Type);
        Assert.Equal(new Uri("https://functions.example.com/stock"), reply.Source);
        Assert.Equal(SagaId.ToString(), reply.Subject);
        Assert.Equal(SagaId.ToString(), reply[SagaAttributes.CorrelationId.Name]);
        Assert.Equal("command-1", reply[SagaAttributes.CausationId.Name]);
        Assert.Equal(traceParent, reply[SagaAttributes.TraceParent.Name]);
        Assert.Equal("congo=t61rcWkgMzE", reply[SagaAttributes.TraceState.Name]);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 5, 0, TimeSpan.Zero), reply.Time);
        Assert.Equal("application/json", reply.DataContentType);
        Assert.Equal(StepFunctionRunner.ReplyId(new StepInboxKey("step-functions", Commands.Source.ToString(), "command-1")), reply.Id);
    }

    [Fact]
    public async Task The_placement_an_overflowing_sender_put_on_the_command_comes_back_on_the_reply_and_its_duplicate()
    {
        await using var host = new RunnerHost();
        var placed = Commands.ReserveStock(SagaId, id: "placed");
        placed[SagaAttributes.Placement] = "overflow: 4 in flight, at most 4";

        var reply = (await host.Runner.RunAsync(placed)).Reply!;
        var duplicate = (await host.Runner.RunAsync(placed)).Reply!;
        var unplaced = (await host.Runner.RunAsync(Commands.ReserveStock(SagaId, id: "unplaced"))).Reply!;

        Assert.Equal("overflow: 4 in flight, at most 4", reply[SagaAttributes.Placement.Name]);
        Assert.Equal("overflow: 4 in flight, at most 4", duplicate[SagaAttributes.Placement.Name]);
        Assert.Null(unplaced[SagaAttributes.Placement.Name]);
    }

    [Fact]
    public async Task Reply_id_is_derived_from_the_command_source_and_id()
    {
        await using var first = new RunnerHost();
        await using var second = new RunnerHost();

        var a = (await first.Runner.RunAsync(Commands.ReserveStock(SagaId, id: "same-id"))).Reply!;
        var b = (await second.Runner.RunAsync(Commands.ReserveStock(SagaId, id: "same-id"))).Reply!;
        var c = (await second.Runner.RunAsync(Commands.ReserveStock(SagaId, id: "other-id"))).Reply!;

        Assert.Equal(a.Id, b.Id);
        Assert.NotEqual(a.Id, c.Id);
        Assert.True(Guid.TryParse(a.Id, out _), $"reply id '{a.Id}' is a UUID");
    }

    [Fact]
    public async Task Duplicate_command_gets_the_stored_reply_and_the_handler_runs_once()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId);

        var first = await host.Runner.RunAsync(command);
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await host.Runner.RunAsync(command);

        Assert.Single(host.Probe.Calls);
        Assert.False(first.IsDuplicate);
        Assert.True(second.IsDuplicate);
        Assert.Equal(host.Runner.Converter.EncodeStructured(first.Reply!).ToArray(), host.Runner.Converter.EncodeStructured(second.Reply!).ToArray());
    }

    [Fact]
    public async Task Idempotency_key_is_the_same_for_every_attempt_and_differs_for_the_compensation()
    {
        await using var host = new RunnerHost();

        await host.Runner.RunAsync(Commands.ReserveStock(SagaId, sku: Skus.Flaky, attempt: 1));
        await host.Runner.RunAsync(Commands.ReserveStock(SagaId, attempt: 2));
        await host.Runner.RunAsync(Commands.ReserveStock(SagaId, attempt: 1, compensate: true));

        var contexts = host.Probe.Calls.Select(c => c.Context).ToList();
        Assert.Equal([1, 2, 1], contexts.Select(c => c.Attempt));
        Assert.Equal(contexts[0].IdempotencyKey, contexts[1].IdempotencyKey);
        Assert.Equal(StepContext.CreateIdempotencyKey(SagaId, "reserve-stock", false), contexts[0].IdempotencyKey);
        Assert.Equal(StepContext.CreateIdempotencyKey(SagaId, "reserve-stock", true), contexts[2].IdempotencyKey);
        Assert.True(contexts[2].IsCompensation);
    }

    [Fact]
    public async Task Business_failure_replies_a_permanent_StepFailed()
    {
        await using var host = new RunnerHost();

        var result = await host.Runner.RunAsync(Commands.ReserveStock(SagaId, sku: Skus.OutOfStock));

        Assert.Equal(StepFunctionStatus.Replied, result.Status);
        Assert.Equal("dev.sagas.step.failed.v1", result.Reply!.Type);
        Assert.Equal(new StepFailed(SagaId, "reserve-stock", 1, false, "out-of-stock is out of stock", Permanent: true), Replies.Failed(result.Reply));
    }

    [Fact]
    public async Task Handler_exception_replies_a_transient_StepFailed()
    {
        await using var host = new RunnerHost();

        var result = await host.Runner.RunAsync(Commands.ReserveStock(SagaId, sku: Skus.Flaky, attempt: 3));

        var failed = Replies.Failed(result.Reply!);
        Assert.False(failed.Permanent);
        Assert.Equal(3, failed.Attempt);
        Assert.Equal("TimeoutException: the warehouse did not answer", failed.Reason);
    }

    [Fact]
    public async Task Unknown_type_is_rejected_naming_the_type()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId, id: "command-x");
        command.Type = "com.example.unknown.v1";

        var result = await host.Runner.RunAsync(command);

        Assert.Equal(StepFunctionStatus.Rejected, result.Status);
        Assert.Null(result.Reply);
        var rejection = result.Rejection!;
        Assert.Equal(("com.example.unknown.v1", "command-x", Commands.Source.ToString()), (rejection.EventType, rejection.EventId, rejection.EventSource));
        Assert.Contains("unknown event type 'com.example.unknown.v1'", Assert.Single(rejection.Reasons), StringComparison.Ordinal);
        Assert.Empty(host.Probe.Calls);
    }

    [Fact]
    public async Task Invalid_data_is_rejected_with_every_validation_error()
    {
        await using var host = new RunnerHost();

        var result = await host.Runner.RunAsync(Commands.ReserveStock(SagaId, sku: string.Empty, quantity: 0));

        var reasons = result.Rejection!.Reasons;
        Assert.Equal(2, reasons.Count);
        Assert.Contains(reasons, r => r.StartsWith("Sku:", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.StartsWith("Quantity:", StringComparison.Ordinal));
        Assert.Contains("Sku:", result.Rejection.Message, StringComparison.Ordinal);
        Assert.Empty(host.Probe.Calls);
    }

    [Fact]
    public async Task Contract_without_a_handler_is_rejected()
    {
        await using var host = new RunnerHost();

        var result = await host.Runner.RunAsync(Commands.Create(new AuditNote("hello"), SagaId));

        Assert.Contains("no step handler is registered for 'dev.sagas.tests.audit-note.v1'", Assert.Single(result.Rejection!.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_without_saga_attributes_is_rejected_with_every_missing_one()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId);
        command.Subject = null;
        command[SagaAttributes.CorrelationId] = null;
        command[SagaAttributes.Step] = null;
        command[SagaAttributes.Attempt] = null;

        var reasons = (await host.Runner.RunAsync(command)).Rejection!.Reasons;

        Assert.Equal(3, reasons.Count);
        Assert.Contains(reasons, r => r.Contains("saga id in 'subject'", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("'sagastep'", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("'sagaattempt'", StringComparison.Ordinal));
        Assert.Empty(host.Probe.Calls);
    }

    [Fact]
    public async Task Saga_id_may_come_from_correlationid_alone()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId);
        command.Subject = null;

        var result = await host.Runner.RunAsync(command);

        Assert.Equal(SagaId, Replies.Completed(result.Reply!).SagaId);
    }

    [Fact]
    public async Task Subject_and_correlationid_naming_different_sagas_are_rejected()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId);
        command[SagaAttributes.CorrelationId] = Guid.NewGuid().ToString();

        var result = await host.Runner.RunAsync(command);

        Assert.Contains("name different sagas", Assert.Single(result.Rejection!.Reasons), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("subject", "order-42", "'subject' must be the saga id")]
    [InlineData("correlationid", "00000000-0000-0000-0000-000000000000", "'correlationid' must be the saga id")]
    [InlineData("sagaattempt", "0", "'sagaattempt' must be an integer of at least 1")]
    [InlineData("sagaattempt", "two", "'sagaattempt' must be an integer of at least 1")]
    [InlineData("sagacompensate", "maybe", "'sagacompensate' must be true or false")]
    [InlineData("sagacompensate", "True", "'sagacompensate' must be true or false")]
    public async Task Malformed_saga_attribute_is_rejected(string attribute, string value, string expected)
    {
        await using var host = new RunnerHost();
        var command = Untyped(Commands.ReserveStock(SagaId));
        command[attribute] = value;

        var result = await host.Runner.RunAsync(command);

        Assert.Contains(result.Rejection!.Reasons, r => r.Contains(expected, StringComparison.Ordinal));
        Assert.Empty(host.Probe.Calls);
    }

    [Fact]
    public async Task Step_name_longer_than_the_reply_contract_allows_is_rejected()
    {
        await using var host = new RunnerHost();

        var result = await host.Runner.RunAsync(Commands.ReserveStock(SagaId, step: new string('s', 101)));

        Assert.Equal("'sagastep' must be at most 100 characters", Assert.Single(result.Rejection!.Reasons));
    }

    [Fact]
    public async Task Saga_attributes_read_as_strings_are_accepted()
    {
        // A runtime that parsed the command without the Sagas extension definitions has strings, not int and bool.
        await using var host = new RunnerHost();
        var command = Untyped(Commands.ReserveStock(SagaId, attempt: 4, compensate: true));
        Assert.Equal("4", command["sagaattempt"]);

        var completed = Replies.Completed((await host.Runner.RunAsync(command)).Reply!);

        Assert.Equal((4, true), (completed.Attempt, completed.Compensation));
    }

    [Fact]
    public async Task Duplicate_while_the_first_runs_is_in_progress_and_then_gets_the_reply()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId, sku: Skus.Slow);

        var first = host.Runner.RunAsync(command).AsTask();
        await host.Probe.Entered;
        var second = await host.Runner.RunAsync(command);
        host.Probe.Release();
        var firstResult = await first;
        var third = await host.Runner.RunAsync(command);

        Assert.Equal(StepFunctionStatus.InProgress, second.Status);
        Assert.Null(second.Reply);
        Assert.Equal(StepFunctionStatus.Replied, firstResult.Status);
        Assert.True(third.IsDuplicate);
        Assert.Equal(firstResult.Reply!.Id, third.Reply!.Id);
        Assert.Single(host.Probe.Calls);
    }

    [Fact]
    public async Task Cancelled_execution_stores_nothing_so_a_redelivery_runs_the_handler_again()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId, sku: Skus.Slow);
        using var cancellation = new CancellationTokenSource();

        var first = host.Runner.RunAsync(command, cancellation.Token).AsTask();
        await host.Probe.Entered;
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        host.Probe.Release();
        var again = await host.Runner.RunAsync(command);

        Assert.Equal(2, host.Probe.Calls.Count);
        Assert.False(again.IsDuplicate);
        Assert.Equal(StepFunctionStatus.Replied, again.Status);
    }

    [Fact]
    public async Task Duplicate_after_the_inbox_retention_runs_again_with_the_same_reply_id()
    {
        await using var host = new RunnerHost(o => o.InboxRetention = TimeSpan.FromHours(1));
        var command = Commands.ReserveStock(SagaId);

        var first = await host.Runner.RunAsync(command);
        host.Time.Advance(TimeSpan.FromHours(1));
        var second = await host.Runner.RunAsync(command);

        Assert.False(second.IsDuplicate);
        Assert.Equal(2, host.Probe.Calls.Count);
        Assert.Equal(first.Reply!.Id, second.Reply!.Id);
    }

    [Fact]
    public async Task Same_id_from_another_source_is_another_command()
    {
        await using var host = new RunnerHost();
        var command = Commands.ReserveStock(SagaId, id: "shared-id");
        var other = Commands.ReserveStock(SagaId, id: "shared-id");
        other.Source = new Uri("/another/saga", UriKind.Relative);

        await host.Runner.RunAsync(command);
        var result = await host.Runner.RunAsync(other);

        Assert.False(result.IsDuplicate);
        Assert.Equal(2, host.Probe.Calls.Count);
    }

    /// <summary>The same event with its extensions as plain strings, as an SDK that does not know them would read it.</summary>
    private static CloudEvent Untyped(CloudEvent typed)
    {
        var plain = new CloudEvent(CloudEventsSpecVersion.V1_0);
        foreach (var (attribute, value) in typed.GetPopulatedAttributes())
        {
            plain[attribute.Name] = attribute.IsExtension ? attribute.Format(value) : value;
        }

        plain.Data = typed.Data;
        return plain;
    }
}
