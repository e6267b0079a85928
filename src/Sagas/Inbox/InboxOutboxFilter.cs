using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Logging;
using Sagas.CloudEvents;
using Sagas.Diagnostics;
using Sagas.Faults;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Serialization;

namespace Sagas.Inbox;

/// <summary>
/// Runs every consumer and saga of a Sagas bus inside a <see cref="MessageTransaction"/>: a message whose
/// CloudEvents <c>source</c> + <c>id</c> the endpoint's inbox already holds (looked up before the delivery runs, after any
/// copy of it this process is handling has finished: <see cref="InboxGate"/>; or, where a Sagas saga alone takes it,
/// refused by the saga's commit: <see cref="InboxEndpoint"/>) is acknowledged with no effect;
/// otherwise what the handler publishes or sends is captured, committed with the inbox record (and, for a
/// saga, with its state) and only then handed to the <see cref="IOutboxDispatcher"/>.
/// </summary>
/// <remarks>
/// Order of effects: commit, dispatch, acknowledge. A crash before the commit redelivers the message and
/// nothing was stored; a crash after it redelivers the message, the inbox recognises it and the still
/// undelivered outbox messages of that commit are dispatched again.
/// </remarks>
internal sealed partial class InboxOutboxFilter<TMessage>(
    IMessageStore store,
    IOutboxDispatcher dispatcher,
    InboxGate gate,
    OutboxCapture outbox,
    ILogger<InboxOutboxFilter<TMessage>> logger) : IFilter<ConsumeContext<TMessage>>
    where TMessage : class
{
    public async Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        var endpoint = _endpoints.GetOrAdd(context.ReceiveContext.InputAddress, static address => new InboxEndpoint(address.AbsolutePath.Trim('/')));
        var transaction = new MessageTransaction(InboxKeyOf(context, endpoint.Name), context.ReceiveContext.Redelivered);
        using var activity = SagasDiagnostics.StartProcess(transaction.InboxKey.Endpoint, context.Headers, transaction.InboxKey.Id, context.CorrelationId);
        using var copy = await gate.EnterAsync(transaction.InboxKey, context.CancellationToken).ConfigureAwait(false);
        var lookedUp = !endpoint.SagaOnly;
        if (lookedUp && await store.IsDuplicateAsync(transaction, context.CancellationToken).ConfigureAwait(false))
        {
            await RedeliverAsync(context, transaction).ConfigureAwait(false);
            return;
        }

        // The capture holds back every fault a handler reports, until the run's outcome says whether it is one. A fault of the
        // infrastructure is not caught here: the retry in front runs the delivery again, and what this attempt held back is
        // never told.
        var capture = new OutboxCaptureContext<TMessage>(context, transaction, outbox);
        try
        {
            await next.Send(capture).ConfigureAwait(false);
        }
        catch (Exception ex) when (!InfrastructureFaults.IsInfrastructure(ex))
        {
            // A copy the saga's commit would have refused may fail before it gets there (the saga moved on): the look-up it
            // skipped decides, so that a duplicate is acknowledged with no effect (no fault told either), as it would have
            // been had it been looked up.
            if (!lookedUp && await store.IsDuplicateAsync(transaction, context.CancellationToken).ConfigureAwait(false))
            {
                await RedeliverAsync(context, transaction).ConfigureAwait(false);
                return;
            }

            await capture.NotifyFaultsAsync().ConfigureAwait(false);
            throw;
        }

        await capture.NotifyFaultsAsync().ConfigureAwait(false);
        endpoint.Handled(transaction.TakenBySaga && capture.Consumers == 1);
        if (!transaction.IsCommitted && !transaction.IsDuplicate)
        {
            // Never cancelled once started (the delivery's token fires when the broker connection drops): a commit cut off
            // while the database completes it would be reported as failed, and its effects seen only as a duplicate later.
            transaction.Record(await store.CommitAsync(transaction, CancellationToken.None).ConfigureAwait(false));
        }

        if (transaction.IsDuplicate)
        {
            await RedeliverAsync(context, transaction).ConfigureAwait(false);
            return;
        }

        await transaction.DispatchOnceAsync(dispatcher, context.CancellationToken).ConfigureAwait(false); // no-op when the saga's repository dispatched
    }

    // An endpoint's input address is one instance for all its deliveries: its name is taken once.
    private readonly ConcurrentDictionary<Uri, InboxEndpoint> _endpoints = new(ReferenceEqualityComparer.Instance);

    /// <summary>The consumer type a duplicate is reported consumed by.</summary>
    internal const string DuplicateConsumer = "sagas-inbox-duplicate";

    public void Probe(ProbeContext context) => context.CreateFilterScope("sagasInboxOutbox");

    private static InboxKey InboxKeyOf(ConsumeContext context, string endpoint)
    {
        var source = context.Headers.Get<string>(CloudEventHeaders.Source);
        var id = context.Headers.Get<string>(CloudEventHeaders.Id);
        return source is null || id is null
            ? new InboxKey(endpoint, context.SourceAddress?.ToString() ?? string.Empty, (context.MessageId ?? NewId.NextGuid()).ToString())
            : new InboxKey(endpoint, source, id);
    }

    private async Task RedeliverAsync(ConsumeContext<TMessage> context, MessageTransaction transaction)
    {
        // Consumed, with no effect: without this MassTransit takes a message no consumer ran for an unknown one and moves it
        // to the endpoint's _skipped queue.
        await context.NotifyConsumed(context, TimeSpan.Zero, DuplicateConsumer).ConfigureAwait(false);
        SagasDiagnostics.InboxDuplicates.Add(1);
        LogDuplicate(logger, transaction.InboxKey.Id, transaction.InboxKey.Source, transaction.InboxKey.Endpoint);
        var pending = await store.PendingAsync(transaction, context.CancellationToken).ConfigureAwait(false);
        if (pending.Count > 0)
        {
            await dispatcher.DispatchAsync(pending, context.CancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event {EventId} from {Source} was already handled at {Endpoint}; acknowledged with no effect")]
    private static partial void LogDuplicate(ILogger logger, string eventId, string source, string endpoint);
}
