using System.Text.Json;
using Sagas.Marten.Tests.Harness;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Outbox;

// Each test kills a real checkout process (SIGKILL, no cleanup) at the named point of the first
// ReserveInventory command's delivery, then starts a fresh process on the same database.
public sealed class When_the_process_dies_between_commit_and_dispatch
{
    [Fact]
    public async Task After_restart_the_message_is_delivered_once_and_the_saga_completes()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_the_process_dies_between_commit_and_dispatch));
        var order = Guid.NewGuid().ToString();

        var crashed = await CrashHostProcess.RunAsync(PostgresDatabase.ConnectionString, schema, "--submit", order, "--crash-at", "after-commit");
        Assert.NotEqual(0, crashed.ExitCode);
        Assert.Contains("crashing: committed, not yet dispatched", crashed.Errors, StringComparison.Ordinal);
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where saga_id = '{order}' and due_at is null"));

        var restarted = await CrashHostProcess.RunAsync(PostgresDatabase.ConnectionString, schema, "--wait", order);

        Assert.Equal(0, restarted.ExitCode);
        using var result = JsonDocument.Parse(restarted.Output);
        Assert.Equal("Completed", result.RootElement.GetProperty("state").GetString());
        Assert.Equal(1, result.RootElement.GetProperty("completedSteps").EnumerateArray().Count(s => s.GetString() == "ReserveInventory"));
        Assert.Equal(0, result.RootElement.GetProperty("inboxDuplicates").GetInt64());
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_inbox where endpoint = 'reserve-inventory'"));
    }
}

public sealed class When_the_process_dies_after_dispatch_before_marking_delivered
{
    [Fact]
    public async Task The_message_is_delivered_again_and_the_inbox_makes_the_second_delivery_a_no_op()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_the_process_dies_after_dispatch_before_marking_delivered));
        var order = Guid.NewGuid().ToString();

        var crashed = await CrashHostProcess.RunAsync(PostgresDatabase.ConnectionString, schema, "--submit", order, "--crash-at", "after-dispatch");
        Assert.Contains("crashing: dispatched, not yet marked delivered", crashed.Errors, StringComparison.Ordinal);
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where saga_id = '{order}' and due_at is null and convert_from(body, 'UTF8') like '%reserve-inventory%'"));

        var restarted = await CrashHostProcess.RunAsync(PostgresDatabase.ConnectionString, schema, "--wait", order);

        Assert.Equal(0, restarted.ExitCode);
        using var result = JsonDocument.Parse(restarted.Output);
        Assert.Equal("Completed", result.RootElement.GetProperty("state").GetString());
        Assert.Equal(1, result.RootElement.GetProperty("completedSteps").EnumerateArray().Count(s => s.GetString() == "ReserveInventory"));
        // Sent twice (before the crash and by the relay after it), handled into state once.
        Assert.Equal(1, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_inbox where endpoint = 'reserve-inventory'"));
    }
}

public sealed class When_the_process_dies_with_a_commit_group_in_flight
{
    [Fact]
    public async Task After_restart_every_saga_completes_and_each_step_ran_into_state_once()
    {
        var schema = await PostgresDatabase.FreshSchemaAsync(nameof(When_the_process_dies_with_a_commit_group_in_flight));
        var orders = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid().ToString()).ToArray();

        var crashed = await CrashHostProcess.RunAsync(PostgresDatabase.ConnectionString, schema, "--submit", string.Join(',', orders), "--crash-at", "group-in-flight");
        Assert.NotEqual(0, crashed.ExitCode);
        Assert.Contains("parts executed, not yet acknowledged", crashed.Errors, StringComparison.Ordinal);

        // Orders whose start did not reach the database are submitted again, as a client whose request failed would.
        var restarted = await CrashHostProcess.RunAsync(PostgresDatabase.ConnectionString, schema, "--submit", string.Join(',', orders), "--wait", string.Join(',', orders));

        Assert.Equal(0, restarted.ExitCode);
        using var result = JsonDocument.Parse(restarted.Output);
        Assert.Equal(orders.Length, result.RootElement.GetArrayLength());
        foreach (var saga in result.RootElement.EnumerateArray())
        {
            Assert.Equal("Completed", saga.GetProperty("state").GetString());
            var completed = saga.GetProperty("completedSteps").EnumerateArray().Select(s => s.GetString()).ToArray();
            Assert.Equal(completed.Distinct().Count(), completed.Length);
        }

        foreach (var endpoint in new[] { "reserve-inventory", "charge-payment" })
        {
            Assert.Equal(orders.Length, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_inbox where endpoint = '{endpoint}'"));
        }

        Assert.Equal(0, await PostgresDatabase.ScalarAsync($"select count(*) from {schema}.sagas_outbox where due_at is null"));
    }
}
