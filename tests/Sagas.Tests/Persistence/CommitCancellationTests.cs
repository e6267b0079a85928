using System.Collections.Concurrent;
using System.Linq.Expressions;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Testing;
using Sagas.Tests.Onboarding;

namespace Sagas.Tests.Persistence;

// The token of a delivery fires when the broker connection drops (and when the bus stops). A commit cut off by it while the
// database completes it is reported as failed: the saga's observers are never told, and its effects are seen only as a
// duplicate on redelivery (seen as orders a RabbitMQ connection drop left "stuck" in a test that watched the observers).
public sealed class When_a_message_is_handled
{
    [Fact]
    public async Task Its_saga_and_consumer_commits_get_a_token_that_cannot_cancel_them()
    {
        var tokens = new ConcurrentQueue<(string Commit, bool Cancellable)>();
        await using var host = await SagaTestHost.StartAsync(sagas => sagas.AddOnboarding(), services =>
        {
            SagaTestHost.AddWatcher<OnboardingState>(services);
            services.AddSingleton<ISagaStore<OnboardingState>>(sp => new RecordingSagaStore(new InMemorySagaStore<OnboardingState>(sp.GetRequiredService<InMemoryMessageStore>()), tokens));
            services.AddSingleton<IMessageStore>(sp => new RecordingMessageStore(sp.GetRequiredService<InMemoryMessageStore>(), tokens));
        });
        var accountId = Guid.NewGuid();

        await host.Bus.Publish(new SignupReceived(accountId, "ada@example.com"));
        await host.Watcher<OnboardingState>().WaitAsync(accountId, s => s.CurrentState == "Completed");

        Assert.Contains(tokens, t => t.Commit == "saga");
        Assert.Contains(tokens, t => t.Commit == "consumer");
        Assert.All(tokens, t => Assert.False(t.Cancellable, $"a {t.Commit} commit could be cancelled"));
    }

    private sealed class RecordingSagaStore(ISagaStore<OnboardingState> inner, ConcurrentQueue<(string, bool)> tokens) : ISagaStore<OnboardingState>
    {
        public ValueTask<LoadedSaga<OnboardingState>?> LoadAsync(Guid sagaId, CancellationToken cancellationToken) => inner.LoadAsync(sagaId, cancellationToken);

        public ValueTask<IReadOnlyList<Guid>> QueryAsync(Expression<Func<OnboardingState, bool>> predicate, CancellationToken cancellationToken) => inner.QueryAsync(predicate, cancellationToken);

        public ValueTask<CommitResult> CommitAsync(Guid sagaId, OnboardingState state, int expectedVersion, MessageTransaction transaction, CancellationToken cancellationToken)
        {
            tokens.Enqueue(("saga", cancellationToken.CanBeCanceled));
            return inner.CommitAsync(sagaId, state, expectedVersion, transaction, cancellationToken);
        }
    }

    private sealed class RecordingMessageStore(IMessageStore inner, ConcurrentQueue<(string, bool)> tokens) : IMessageStore
    {
        public ValueTask<bool> IsDuplicateAsync(MessageTransaction transaction, CancellationToken cancellationToken) => inner.IsDuplicateAsync(transaction, cancellationToken);

        public ValueTask<CommitResult> CommitAsync(MessageTransaction transaction, CancellationToken cancellationToken)
        {
            tokens.Enqueue(("consumer", cancellationToken.CanBeCanceled));
            return inner.CommitAsync(transaction, cancellationToken);
        }

        public ValueTask<IReadOnlyList<OutboxMessage>> PendingAsync(MessageTransaction transaction, CancellationToken cancellationToken) => inner.PendingAsync(transaction, cancellationToken);

        public ValueTask MarkDeliveredAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken) => inner.MarkDeliveredAsync(messageIds, cancellationToken);
    }
}
