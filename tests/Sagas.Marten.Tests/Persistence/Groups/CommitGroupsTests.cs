using Checkout;
using Checkout.Saga;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Inbox;
using Sagas.Marten.Persistence.Groups;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Persistence.Groups;

public sealed class CommitGroupsTests : IAsyncLifetime
{
    private readonly HeldGroup _held = new();
    private ServiceProvider _services = null!;
    private string _schema = null!;

    private ISagaStore<CheckoutState> Sagas => _services.GetRequiredService<ISagaStore<CheckoutState>>();

    private IMessageStore Messages => _services.GetRequiredService<IMessageStore>();

    public async Task InitializeAsync()
    {
        _schema = await PostgresDatabase.FreshSchemaAsync(nameof(CommitGroupsTests));
        _services = Services(PostgresDatabase.ConnectionString);
        await MartenSagaSchema.ApplyAsync(_services);
    }

    private ServiceProvider Services(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<ICommitGroupCheckpoint>(_held);
        services.AddSagas(s => s.AddCheckout().UseMarten(o =>
        {
            o.ConnectionString = connectionString;
            o.SchemaName = _schema;
            o.RunRelay = false;
            o.GroupCommitWindow = TimeSpan.FromSeconds(1); // ample: the group below closes when it holds its four parts
            o.MaxGroupSize = 4;
            o.MaxGroupsInFlight = 2; // one lane holds the plug, the other gathers the group
        }));
        return services.BuildServiceProvider();
    }

    public async Task DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task In_one_group_a_conflicting_saga_and_a_duplicate_event_leave_the_other_sagas_committed_with_their_messages_once()
    {
        var stale = Guid.NewGuid();
        Assert.Equal(CommitResult.Committed, await Sagas.CommitAsync(stale, new CheckoutState { CorrelationId = stale, CustomerId = "v1" }, 0, Transaction("s1"), default));
        Assert.Equal(CommitResult.Committed, await Sagas.CommitAsync(stale, new CheckoutState { CorrelationId = stale, CustomerId = "v2" }, 1, Transaction("s2"), default));
        Assert.Equal(CommitResult.Committed, await Messages.CommitAsync(Transaction("seen", Message(null)), default));

        // A first group is held between its execution and its acknowledgement, so the next commits gather into one group.
        var plug = Guid.NewGuid();
        var plugged = _held.HoldNext();
        var plugCommit = Sagas.CommitAsync(plug, new CheckoutState { CorrelationId = plug }, 0, Transaction("plug"), default).AsTask();
        await plugged;
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();
        var results = await Task.WhenAll(
            Sagas.CommitAsync(first, new CheckoutState { CorrelationId = first, CustomerId = "first" }, 0, Transaction("f1", Message(first)), default).AsTask(),
            Sagas.CommitAsync(stale, new CheckoutState { CorrelationId = stale, CustomerId = "stale" }, 1, Transaction("s3", Message(stale)), default).AsTask(),
            Messages.CommitAsync(Transaction("seen", Message(null)), default).AsTask(),
            Sagas.CommitAsync(second, new CheckoutState { CorrelationId = second, CustomerId = "second" }, 0, Transaction("g1", Message(second)), default).AsTask());
        _held.Release();
        Assert.Equal(CommitResult.Committed, await plugCommit);

        Assert.Equal([CommitResult.Committed, CommitResult.Conflict, CommitResult.Duplicate, CommitResult.Committed], results);
        Assert.Contains(4, _held.GroupSizes);
        Assert.Equal("first", (await Sagas.LoadAsync(first, default))!.State.CustomerId);
        Assert.Equal("second", (await Sagas.LoadAsync(second, default))!.State.CustomerId);
        var unchanged = await Sagas.LoadAsync(stale, default);
        Assert.Equal(("v2", 2), (unchanged!.State.CustomerId, unchanged.Version));
        Assert.Equal(1, await Count($"sagas_outbox where saga_id = '{first}'"));
        Assert.Equal(1, await Count($"sagas_outbox where saga_id = '{second}'"));
        Assert.Equal(0, await Count($"sagas_outbox where saga_id = '{stale}'"));
        Assert.Equal(1, await Count("sagas_outbox where saga_id is null")); // the duplicate's message is not stored again
        Assert.Equal(0, await Count("sagas_inbox where id = 's3'"));
        Assert.Equal(1, await Count("sagas_inbox where id = 'seen'"));
    }

    [Fact]
    public async Task A_failing_part_fails_alone_and_its_companions_commit()
    {
        var plugged = _held.HoldNext();
        var plug = Guid.NewGuid();
        var plugCommit = Sagas.CommitAsync(plug, new CheckoutState { CorrelationId = plug }, 0, Transaction("p"), default).AsTask();
        await plugged;
        var good = Guid.NewGuid();
        var bad = Guid.NewGuid();
        var failing = Transaction("bad", Message(bad) with { ContentType = null! }); // the outbox refuses a message without a content type
        var commits = new[]
        {
            Sagas.CommitAsync(good, new CheckoutState { CorrelationId = good }, 0, Transaction("good", Message(good)), default).AsTask(),
            Sagas.CommitAsync(bad, new CheckoutState { CorrelationId = bad }, 0, failing, default).AsTask(),
            Messages.CommitAsync(Transaction("m1"), default).AsTask(),
            Messages.CommitAsync(Transaction("m2"), default).AsTask(),
        };
        await Task.WhenAny(Task.WhenAll(commits), Task.Delay(TimeSpan.FromSeconds(30)));
        _held.Release();
        await plugCommit;

        Assert.Equal(CommitResult.Committed, await commits[0]);
        await Assert.ThrowsAnyAsync<Exception>(() => commits[1]);
        Assert.Equal(CommitResult.Committed, await commits[2]);
        Assert.Equal(CommitResult.Committed, await commits[3]);
        Assert.Null(await Sagas.LoadAsync(bad, default));
        Assert.Equal(0, await Count("sagas_inbox where id = 'bad'"));
        Assert.Equal(1, await Count($"sagas_outbox where saga_id = '{good}'"));
    }

    // An earlier version's process removed a column this one writes (or the schema was not applied yet): the message is
    // fine, so its commit fails as a transient fault of the infrastructure, retried until the schema is there, never an
    // error queue's.
    [Fact]
    public async Task A_commit_that_meets_an_older_schema_fails_as_a_transient_fault_naming_what_is_missing()
    {
        await PostgresDatabase.ScalarAsync($"alter table {_schema}.sagas_outbox drop column saga_commit; select 0");
        var id = Guid.NewGuid();

        var failed = await Assert.ThrowsAnyAsync<Exception>(() => Sagas.CommitAsync(id, new CheckoutState { CorrelationId = id }, 0, Transaction("old", Message(id)), default).AsTask());
        Assert.True(Faults.InfrastructureFaults.IsInfrastructure(failed), failed.ToString());
        Assert.Contains("saga_commit", failed.Message, StringComparison.Ordinal);

        await MartenSagaSchema.ApplyAsync(_services);
        Assert.Equal(CommitResult.Committed, await Sagas.CommitAsync(id, new CheckoutState { CorrelationId = id }, 0, Transaction("old", Message(id)), default));
    }

    // The server's statement_timeout cancels a commit that waits too long on a lock (another process holds the saga's row):
    // a fault of a busy database, retried, never an error queue's.
    [Fact]
    public async Task A_commit_the_server_cancels_fails_as_a_transient_fault()
    {
        var id = Guid.NewGuid();
        Assert.Equal(CommitResult.Committed, await Sagas.CommitAsync(id, new CheckoutState { CorrelationId = id }, 0, Transaction("first"), default));
        await using var impatient = Services(PostgresDatabase.ConnectionString + ";Options=-c statement_timeout=300");
        var sagas = impatient.GetRequiredService<ISagaStore<CheckoutState>>();
        await using (var holder = new Npgsql.NpgsqlConnection(PostgresDatabase.ConnectionString))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var lockRow = new Npgsql.NpgsqlCommand($"select 1 from {_schema}.mt_doc_checkoutstate where id = '{id}' for update", holder, transaction))
            {
                Assert.Equal(1, await lockRow.ExecuteScalarAsync());
            }

            var failed = await Assert.ThrowsAnyAsync<Exception>(() => sagas.CommitAsync(id, new CheckoutState { CorrelationId = id, CustomerId = "late" }, 1, Transaction("second"), default).AsTask());
            Assert.True(Faults.InfrastructureFaults.IsInfrastructure(failed), failed.ToString());
        }

        Assert.Equal(CommitResult.Committed, await sagas.CommitAsync(id, new CheckoutState { CorrelationId = id, CustomerId = "late" }, 1, Transaction("second"), default));
    }

    private Task<long> Count(string from) => PostgresDatabase.ScalarAsync($"select count(*) from {_schema}.{from}");

    private static MessageTransaction Transaction(string eventId, params OutboxMessage[] messages)
    {
        var transaction = new MessageTransaction(new InboxKey("checkout-state", "/tests", eventId));
        foreach (var message in messages)
        {
            transaction.Add(message);
        }

        return transaction;
    }

    private static OutboxMessage Message(Guid? sagaId) => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("loopback://localhost/reserve-inventory"),
        ContentType = "application/cloudevents+json",
        Body = "{}"u8.ToArray(),
        SagaId = sagaId,
    };

    /// <summary>Holds one group between its execution and its acknowledgement, and records every group's size.</summary>
    private sealed class HeldGroup : ICommitGroupCheckpoint
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _holding;

        public List<int> GroupSizes { get; } = [];

        public Task HoldNext()
        {
            _holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _holding.Task;
        }

        public void Release() => _release.TrySetResult();

        public async ValueTask ExecutedAsync(int parts)
        {
            lock (GroupSizes)
            {
                GroupSizes.Add(parts);
            }

            if (Interlocked.Exchange(ref _holding, null) is { } holding)
            {
                holding.TrySetResult();
                await _release.Task;
            }
        }
    }
}
