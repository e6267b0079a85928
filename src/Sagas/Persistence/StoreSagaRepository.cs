using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using Sagas.Diagnostics;
using Sagas.Steps;

namespace Sagas.Persistence;

/// <summary>
/// MassTransit saga repository over an <see cref="ISagaStore{TState}"/>: loads a private copy of the saga,
/// runs the state machine, and commits state, inbox record and outgoing messages together with an
/// optimistic version check. A version conflict re-runs the event on fresh state (never a lost update).
/// </summary>
internal sealed class StoreSagaRepository<TState>(
    ISagaStore<TState> store,
    IEnumerable<ISagaCommitObserver<TState>> observers,
    Outbox.IOutboxDispatcher dispatcher,
    SagasOptions options) :
    ISagaRepositoryContextFactory<TState>,
    IQuerySagaRepositoryContextFactory<TState>,
    ILoadSagaRepositoryContextFactory<TState>
    where TState : class, ISaga
{
    // Events for one saga run one at a time in this process (striped by saga id), so they do not race each
    // other into version conflicts; optimistic concurrency still settles races between processes.
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 256).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly ISagaCommitObserver<TState>[] _observers = [.. observers];

    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TState, T>> next)
        where T : class
    {
        var transaction = context.TryGetPayload<MessageTransaction>(out var tx)
            ? tx
            : throw new InvalidOperationException("No Sagas message transaction on this message: the saga must run behind the Sagas inbox/outbox filter (services.AddSagas).");
        transaction.TakenBySaga = true;
        var stripe = context.CorrelationId is { } sagaId ? _stripes[(sagaId.GetHashCode() & int.MaxValue) % _stripes.Length] : null;
        if (stripe is not null)
        {
            await stripe.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        }

        try
        {
            await SendOnceAsync(context, next, transaction).ConfigureAwait(false);
            await transaction.DispatchOnceAsync(dispatcher, context.CancellationToken).ConfigureAwait(false); // still holding the saga's stripe
        }
        finally
        {
            stripe?.Release();
        }
    }

    private async Task SendOnceAsync<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TState, T>> next, MessageTransaction transaction)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            transaction.Reset();
            var repositoryContext = new StoreSagaRepositoryContext<TState, T>(context, store, transaction, _observers);
            try
            {
                await next.Send(repositoryContext).ConfigureAwait(false);
                return;
            }
            catch (SagaVersionConflictException) when (attempt < options.MaxConcurrencyRetries)
            {
                SagasDiagnostics.ConcurrencyRetries.Add(1);
            }
        }
    }

    public async Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TState> query, IPipe<SagaRepositoryQueryContext<TState, T>> next)
        where T : class
    {
        var ids = await store.QueryAsync(query.FilterExpression, context.CancellationToken).ConfigureAwait(false);
        await Send(context, Pipe.ExecuteAsync<SagaRepositoryContext<TState, T>>(repositoryContext =>
            next.Send(new DefaultSagaRepositoryQueryContext<TState, T>(repositoryContext, [.. ids])))).ConfigureAwait(false);
    }

    public Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TState>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class
        => asyncMethod(new StoreQueryContext(store, cancellationToken));

    public Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TState>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class
        => asyncMethod(new StoreQueryContext(store, cancellationToken));

    public void Probe(ProbeContext context) => context.CreateScope("sagaRepository").Add("store", store.GetType().Name);

    private sealed class StoreQueryContext(ISagaStore<TState> store, CancellationToken cancellationToken) :
        BasePipeContext(cancellationToken), QuerySagaRepositoryContext<TState>, LoadSagaRepositoryContext<TState>
    {
        public async Task<SagaRepositoryQueryContext<TState>> Query(ISagaQuery<TState> query, CancellationToken cancellationToken = default)
        {
            var ids = await store.QueryAsync(query.FilterExpression, cancellationToken).ConfigureAwait(false);
            return new DefaultSagaRepositoryQueryContext<TState>(this, [.. ids]);
        }

        public async Task<TState> Load(Guid correlationId)
            => (await store.LoadAsync(correlationId, CancellationToken).ConfigureAwait(false))?.State!;
    }
}

/// <summary>The saga changed between load and commit.</summary>
internal sealed class SagaVersionConflictException(Guid sagaId)
    : Exception($"Saga {sagaId} was changed by another event since it was loaded.");

/// <summary>One run of one message against one saga instance.</summary>
internal sealed class StoreSagaRepositoryContext<TState, TMessage>(
    ConsumeContext<TMessage> context,
    ISagaStore<TState> store,
    MessageTransaction transaction,
    ISagaCommitObserver<TState>[] observers) :
    ConsumeContextScope<TMessage>(context), SagaRepositoryContext<TState, TMessage>
    where TState : class, ISaga
    where TMessage : class
{
    // Per saga run in this context: the version loaded (0 for a new one) and the history length then, for the metrics.
    private readonly Dictionary<Guid, (int Version, int HistoryAtLoad)> _loaded = [];

    public Task<SagaConsumeContext<TState, TMessage>> Add(TState instance)
    {
        Taking(instance.CorrelationId, 0, 0);
        return CreateSagaConsumeContext(this, instance, SagaConsumeContextMode.Add);
    }

    public async Task<SagaConsumeContext<TState, TMessage>> Insert(TState instance)
    {
        if (await store.LoadForTransitionAsync(instance.CorrelationId, CancellationToken).ConfigureAwait(false) is not null)
        {
            return null!; // exists: MassTransit loads it instead
        }

        Taking(instance.CorrelationId, 0, 0);
        return await CreateSagaConsumeContext(this, instance, SagaConsumeContextMode.Insert).ConfigureAwait(false);
    }

    public async Task<SagaConsumeContext<TState, TMessage>> Load(Guid correlationId)
    {
        var loaded = await store.LoadForTransitionAsync(correlationId, CancellationToken).ConfigureAwait(false);
        if (loaded is null)
        {
            return null!;
        }

        Taking(correlationId, loaded.Version, (loaded.State as StepSagaState)?.History.Count ?? 0);
        return await CreateSagaConsumeContext(this, loaded.State, SagaConsumeContextMode.Load).ConfigureAwait(false);
    }

    public Task Save(SagaConsumeContext<TState> context) => CommitAsync(context.Saga);

    public Task Update(SagaConsumeContext<TState> context) => CommitAsync(context.Saga);

    // Sagas keep terminal instances so their outcome stays visible; a finalized saga is stored like any other.
    public Task Delete(SagaConsumeContext<TState> context) => CommitAsync(context.Saga);

    public Task Discard(SagaConsumeContext<TState> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TState> context) => Task.CompletedTask;

    public Task<SagaConsumeContext<TState, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TState instance, SagaConsumeContextMode mode)
        where T : class
        => Task.FromResult<SagaConsumeContext<TState, T>>(new DefaultSagaConsumeContext<TState, T>(consumeContext, instance));

    /// <summary>Records the saga handed to the state machine: its version and history length then, and the transaction's saga.</summary>
    private void Taking(Guid sagaId, int version, int historyAtLoad)
    {
        _loaded[sagaId] = (version, historyAtLoad);
        transaction.SagaId = sagaId;
    }

    private async Task CommitAsync(TState state)
    {
        var id = state.CorrelationId;
        var (expected, historyAtLoad) = _loaded.GetValueOrDefault(id);
        // Never cancelled once started (the delivery's token fires when the broker connection drops): a commit cut off while
        // the database completes it would be reported as failed, its observers never told, its effects seen only as a
        // duplicate on redelivery.
        var result = await store.CommitAsync(id, state, expected, transaction, CancellationToken.None).ConfigureAwait(false);
        transaction.Record(result);
        switch (result)
        {
            case CommitResult.Committed:
                if (state is StepSagaState stepState)
                {
                    SagasDiagnostics.RecordTransition(typeof(TState).Name, stepState, historyAtLoad);
                }

                foreach (var observer in observers)
                {
                    observer.OnCommitted(id, state);
                }

                break;
            case CommitResult.Duplicate:
                break;
            case CommitResult.Conflict:
                throw new SagaVersionConflictException(id);
        }
    }
}
