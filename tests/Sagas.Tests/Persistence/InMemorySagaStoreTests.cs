using Microsoft.Extensions.Time.Testing;
using Sagas.Inbox;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Steps;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Persistence;

public sealed class InMemorySagaStoreTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryMessageStore _messages;
    private readonly InMemorySagaStore<OnboardingState> _store;

    public InMemorySagaStoreTests()
    {
        _messages = new InMemoryMessageStore(_time, TimeSpan.FromDays(1));
        _store = new InMemorySagaStore<OnboardingState>(_messages);
    }

    [Fact]
    public async Task A_load_returns_a_private_copy()
    {
        var id = (await StoredAsync(points: 1)).CorrelationId;

        var loaded = await _store.LoadAsync(id, default);
        loaded!.State.Points = 99;

        Assert.Equal(1, (await _store.LoadAsync(id, default))!.State.Points);
        Assert.Equal(1, loaded.Version);
    }

    [Fact]
    public async Task A_load_for_a_transition_takes_the_committed_instance_once_and_then_reads_a_copy()
    {
        var committed = await StoredAsync(points: 1);
        var id = committed.CorrelationId;

        var first = await _store.LoadForTransitionAsync(id, default);
        var second = await _store.LoadForTransitionAsync(id, default);

        Assert.Same(committed, first!.State);
        Assert.NotSame(committed, second!.State);
        Assert.Equal((1, 1), (second.State.Points, second.Version));
    }

    [Fact]
    public async Task A_transition_that_changes_the_taken_instance_without_committing_changes_nothing_stored()
    {
        var id = (await StoredAsync(points: 1)).CorrelationId;

        var taken = await _store.LoadForTransitionAsync(id, default);
        taken!.State.Points = 99; // the transition failed: never committed

        Assert.Equal(1, (await _store.LoadForTransitionAsync(id, default))!.State.Points);
        Assert.Equal(1, (await _store.LoadAsync(id, default))!.State.Points);
    }

    [Fact]
    public async Task A_transition_that_fails_after_one_that_committed_leaves_the_state_of_that_commit()
    {
        var id = (await StoredAsync(points: 1)).CorrelationId;
        var first = await _store.LoadForTransitionAsync(id, default);
        first!.State.Points = 2;
        Assert.Equal(CommitResult.Committed, await _store.CommitAsync(id, first.State, 1, Transaction("e2"), default));

        var failed = await _store.LoadForTransitionAsync(id, default);
        failed!.State.Points = 99; // never committed

        var next = await _store.LoadForTransitionAsync(id, default);
        Assert.Equal((2, 2), (next!.State.Points, next.Version));
        Assert.NotSame(failed.State, next.State);
        Assert.Equal([id], await _store.QueryAsync(s => s.Points == 2, default));
    }

    [Fact]
    public async Task A_state_copied_as_json_is_isolated_from_a_failed_transition_too()
    {
        var store = new InMemorySagaStore<TaggedState>(_messages);
        var id = Guid.NewGuid();
        await store.CommitAsync(id, new TaggedState { CorrelationId = id, Tags = ["a"] }, 0, Transaction("t1"), default);
        var first = await store.LoadForTransitionAsync(id, default);
        first!.State.Tags.Add("b");
        await store.CommitAsync(id, first.State, 1, Transaction("t2"), default);

        var failed = await store.LoadForTransitionAsync(id, default);
        failed!.State.Tags.Add("lost"); // never committed

        Assert.Null(StateCopy<TaggedState>.Fields);
        Assert.Equal(["a", "b"], (await store.LoadForTransitionAsync(id, default))!.State.Tags);
    }

    [Fact]
    public async Task A_load_that_is_not_a_transition_never_hands_out_the_committed_instance()
    {
        var committed = await StoredAsync(points: 1);
        var id = committed.CorrelationId;

        var read = await _store.LoadAsync(id, default);
        var found = await _store.QueryAsync(s => s.Points == 1, default);

        Assert.NotSame(committed, read!.State);
        Assert.Equal([id], found);
        Assert.Same(committed, (await _store.LoadForTransitionAsync(id, default))!.State); // still there for the next transition
    }

    [Fact]
    public async Task A_conflicting_commit_does_not_replace_the_committed_instance()
    {
        var committed = await StoredAsync(points: 1);
        var id = committed.CorrelationId;

        Assert.Equal(CommitResult.Conflict, await _store.CommitAsync(id, new OnboardingState { CorrelationId = id, Points = 7 }, 0, Transaction("e2"), default));

        Assert.Same(committed, (await _store.LoadForTransitionAsync(id, default))!.State);
    }

    [Fact]
    public async Task A_commit_on_a_stale_version_is_a_conflict_and_stores_nothing()
    {
        var id = (await StoredAsync(points: 1)).CorrelationId;
        await _store.CommitAsync(id, new OnboardingState { CorrelationId = id, Points = 2 }, 1, Transaction("e2"), default);
        var late = Transaction("e3", Message());

        var result = await _store.CommitAsync(id, new OnboardingState { CorrelationId = id, Points = 3 }, 1, late, default);

        Assert.Equal(CommitResult.Conflict, result);
        Assert.False(late.IsCommitted);
        Assert.Equal(2, (await _store.LoadAsync(id, default))!.State.Points);
        Assert.Empty(_messages.Undelivered);
        Assert.False(await _messages.IsDuplicateAsync(Transaction("e3"), default));
    }

    [Fact]
    public async Task A_commit_of_a_message_already_in_the_inbox_is_a_duplicate_and_stores_nothing()
    {
        var id = (await StoredAsync(points: 1)).CorrelationId;

        var result = await _store.CommitAsync(id, new OnboardingState { CorrelationId = id, Points = 5 }, 1, Transaction("e1", Message()), default);

        Assert.Equal(CommitResult.Duplicate, result);
        Assert.Equal(1, (await _store.LoadAsync(id, default))!.State.Points);
        Assert.Empty(_messages.Undelivered);
    }

    [Fact]
    public async Task State_inbox_record_and_outgoing_messages_commit_together_and_cancellations_withdraw_schedules()
    {
        var id = Guid.NewGuid();
        var scheduled = Message(due: _time.GetUtcNow().AddMinutes(1));
        await _store.CommitAsync(id, new OnboardingState { CorrelationId = id }, 0, Transaction("e1", scheduled), default);
        var next = Transaction("e2", Message());
        next.CancelScheduled(scheduled.Id);

        var result = await _store.CommitAsync(id, new OnboardingState { CorrelationId = id, Points = 1 }, 1, next, default);

        Assert.Equal(CommitResult.Committed, result); // the store says so; the transaction's bookkeeping is Sagas' own
        Assert.True(await _messages.IsDuplicateAsync(Transaction("e2"), default));
        Assert.False(_messages.IsPending(scheduled.Id));
        Assert.Single(_messages.Undelivered);
    }

    [Fact]
    public async Task A_query_finds_the_sagas_whose_state_matches()
    {
        var low = Guid.NewGuid();
        var high = Guid.NewGuid();
        await _store.CommitAsync(low, new OnboardingState { CorrelationId = low, Points = 1 }, 0, Transaction("q1"), default);
        await _store.CommitAsync(high, new OnboardingState { CorrelationId = high, Points = 5 }, 0, Transaction("q2"), default);

        var found = await _store.QueryAsync(s => s.Points > 2, default);

        Assert.Equal([high], found);
    }

    [Fact]
    public async Task Inbox_records_expire_after_the_retention()
    {
        await _messages.CommitAsync(Transaction("old"), default);
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        await _messages.CommitAsync(Transaction("new"), default);

        Assert.False(await _messages.IsDuplicateAsync(Transaction("old"), default));
        Assert.True(await _messages.IsDuplicateAsync(Transaction("new"), default));
    }

    /// <summary>A new saga with <paramref name="points"/>, committed at version 1; the instance the commit stored.</summary>
    private async Task<OnboardingState> StoredAsync(int points)
    {
        var state = new OnboardingState { CorrelationId = Guid.NewGuid(), Points = points };
        Assert.Equal(CommitResult.Committed, await _store.CommitAsync(state.CorrelationId, state, 0, Transaction("e1"), default));
        return state;
    }

    private static MessageTransaction Transaction(string eventId, params OutboxMessage[] messages)
    {
        var transaction = new MessageTransaction(new InboxKey("onboarding-state", "/tests", eventId));
        foreach (var message in messages)
        {
            transaction.Add(message);
        }

        return transaction;
    }

    private static OutboxMessage Message(DateTimeOffset? due = null) => new()
    {
        Id = Guid.NewGuid(),
        Destination = new Uri("loopback://localhost/send-welcome"),
        ContentType = "application/cloudevents+json",
        Body = "{}"u8.ToArray(),
        DueTime = due,
    };

    private sealed class TaggedState : StepSagaState
    {
        public List<string> Tags { get; set; } = [];
    }
}
