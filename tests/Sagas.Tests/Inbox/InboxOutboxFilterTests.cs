using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Serialization;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Inbox;

// A delivery that only a Sagas saga takes runs before any inbox look-up once the endpoint has shown that (InboxEndpoint):
// the saga's commit refuses a copy instead. A delivery a handler takes is always looked up before the handler runs.
public sealed class When_copies_of_an_event_reach_an_endpoint_only_its_saga_takes
{
    [Fact]
    public async Task Only_the_first_delivery_is_looked_up_and_the_commit_refuses_the_copy_with_no_effect()
    {
        var inbox = new InboxCalls();
        await using var host = await StartAsync(inbox);
        var accountId = await CompletedAccountAsync(host);

        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new PointsAwarded(accountId, 5), "points-1", subject: accountId));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.Points == 5);
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new PointsAwarded(accountId, 5), "points-1", subject: accountId));
        await inbox.WaitAsync("pending", "points-1"); // acknowledged as a duplicate
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new PointsAwarded(accountId, 7), "points-2", subject: accountId));
        var state = await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.Points == 12);

        Assert.Equal(12, state.Points);
        Assert.Equal(["points-1"], inbox.Keys("lookup").Where(id => id.StartsWith("points-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_copy_whose_run_fails_is_acknowledged_as_the_duplicate_it_is_and_a_new_event_failing_alike_faults()
    {
        var inbox = new InboxCalls();
        await using var host = await StartAsync(inbox);
        var faults = new ConsumeRecorder();
        host.Bus.ConnectReceiveObserver(faults);
        var accountId = await CompletedAccountAsync(host);
        var changed = host.ToCloudEventJson(new EmailChanged(accountId, "bo@example.com"), "email-1", subject: accountId);
        await host.SendRawAsync("onboarding-state", changed);
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.Email == "bo@example.com");

        // The saga moved on: the copy's run throws (the email is the account's already) before its commit could refuse it.
        await host.SendRawAsync("onboarding-state", changed);
        await inbox.WaitAsync("pending", "email-1");
        await host.SendRawAsync("onboarding-state", host.ToCloudEventJson(new EmailChanged(accountId, "bo@example.com"), "email-2", subject: accountId));
        var fault = await faults.ForAsync("email-2");

        Assert.Equal("bo@example.com is the account's email already", fault);
        Assert.Equal(["email-2"], faults.EventIds); // the copy of email-1 was acknowledged, not faulted
        Assert.Equal(2, inbox.Keys("lookup").Count(id => id == "email-1")); // the first delivery, and the failed copy's
        Assert.Empty(await host.DeadLettersAsync());
    }

    [Fact]
    public async Task A_delivery_a_step_handler_takes_is_looked_up_before_the_handler_runs()
    {
        var inbox = new InboxCalls();
        await using var host = await StartAsync(inbox);
        await CompletedAccountAsync(host);

        var commits = inbox.Keys("commit");
        Assert.Equal(2, commits.Count); // CreateAccount's and SendWelcome's
        Assert.All(commits, id => Assert.True(inbox.LookedUpBeforeCommit(id), $"{id} was committed by a handler without a look-up first"));
    }

    private static Task<SagaTestHost> StartAsync(InboxCalls inbox) => SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), services =>
    {
        SagaTestHost.AddWatcher<OnboardingState>(services);
        services.AddSingleton<IMessageStore>(sp => new RecordingMessageStore(sp.GetRequiredService<InMemoryMessageStore>(), inbox));
    });

    private static async Task<Guid> CompletedAccountAsync(SagaTestHost host)
    {
        var accountId = Guid.NewGuid();
        await host.Bus.Publish(new SignupReceived(accountId, "ann@example.com"));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");
        return accountId;
    }

    /// <summary>The inbox calls made, in order, by the event id of the delivery.</summary>
    private sealed class InboxCalls
    {
        private readonly ConcurrentQueue<(string Call, string Id)> _calls = new();

        public void Add(string call, MessageTransaction transaction) => _calls.Enqueue((call, transaction.InboxKey.Id));

        public IReadOnlyList<string> Keys(string call) => [.. _calls.Where(c => c.Call == call).Select(c => c.Id)];

        public bool LookedUpBeforeCommit(string id)
        {
            var calls = _calls.ToList();
            var lookup = calls.IndexOf(("lookup", id));
            return lookup >= 0 && lookup < calls.IndexOf(("commit", id));
        }

        public async Task WaitAsync(string call, string id)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (!_calls.Contains((call, id)))
            {
                await Task.Delay(10, timeout.Token);
            }
        }
    }

    private sealed class RecordingMessageStore(IMessageStore inner, InboxCalls calls) : IMessageStore
    {
        public ValueTask<bool> IsDuplicateAsync(MessageTransaction transaction, CancellationToken cancellationToken)
        {
            calls.Add("lookup", transaction);
            return inner.IsDuplicateAsync(transaction, cancellationToken);
        }

        public ValueTask<CommitResult> CommitAsync(MessageTransaction transaction, CancellationToken cancellationToken)
        {
            calls.Add("commit", transaction);
            return inner.CommitAsync(transaction, cancellationToken);
        }

        public ValueTask<IReadOnlyList<OutboxMessage>> PendingAsync(MessageTransaction transaction, CancellationToken cancellationToken)
        {
            calls.Add("pending", transaction);
            return inner.PendingAsync(transaction, cancellationToken);
        }

        public ValueTask MarkDeliveredAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken) => inner.MarkDeliveredAsync(messageIds, cancellationToken);
    }
}
