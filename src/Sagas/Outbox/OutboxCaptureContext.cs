using System.Diagnostics;
using MassTransit;
using MassTransit.Middleware;
using MassTransit.Middleware.Outbox;
using Sagas.CloudEvents;
using Sagas.Persistence;
using Sagas.Serialization;

namespace Sagas.Outbox;

/// <summary>
/// Wraps a consume context so that every <c>Publish</c> and <c>Send</c> made while handling the message is
/// serialized into the <see cref="MessageTransaction"/> instead of going to the transport.
/// </summary>
internal sealed class OutboxCaptureContext<TMessage> : OutboxConsumeContextProxy<TMessage>
    where TMessage : class
{
    private readonly MessageTransaction _transaction;
    private readonly TimeProvider _timeProvider;
    private readonly string? _causationId;

    public OutboxCaptureContext(ConsumeContext<TMessage> context, MessageTransaction transaction, IServiceProvider provider)
        : base(context, new OutboxConsumeOptions(), provider)
    {
        _transaction = transaction;
        _timeProvider = (TimeProvider?)provider.GetService(typeof(TimeProvider)) ?? TimeProvider.System;
        _causationId = context.Headers.Get<string>(CloudEventHeaders.Id);
        context.AddOrUpdatePayload(() => transaction, _ => transaction);
    }

    public override Task AddSend<T>(SendContext<T> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_causationId is not null && !context.Headers.TryGetHeader(SagaAttributes.CausationId.Name, out _))
        {
            context.Headers.Set(SagaAttributes.CausationId.Name, _causationId);
        }

        var body = context.Serializer.GetMessageBody(context);
        _transaction.Add(new OutboxMessage
        {
            Id = context.MessageId ?? NewId.NextGuid(),
            Destination = context.DestinationAddress ?? throw new InvalidOperationException($"Message {typeof(T).Name} has no destination address."),
            ContentType = (context.ContentType ?? context.Serializer.ContentType).MediaType,
            Body = body.GetBytes(),
            SagaId = context.CorrelationId,
            DueTime = context.Delay is { } delay ? _timeProvider.GetUtcNow() + delay : null,
            Headers = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity
                ? new Dictionary<string, string>(1) { [SagaAttributes.TraceParent.Name] = activity.Id! }
                : null, // the delivery's span joins the trace of the transition that committed the message
        });
        return Task.CompletedTask;
    }

    // The members below belong to MassTransit's own outbox protocol, which Sagas replaces with
    // MessageTransaction and the inbox/outbox filter.
    public override bool ContinueProcessing { get; set; } = true;

    public override bool IsMessageConsumed => false;

    public override bool IsOutboxDelivered => false;

    public override int ReceiveCount => 0;

    public override long? LastSequenceNumber => null;

    public override Task SetConsumed() => Task.CompletedTask;

    public override Task SetDelivered() => Task.CompletedTask;

    public override Task<List<OutboxMessageContext>> LoadOutboxMessages() => Task.FromResult(new List<OutboxMessageContext>());

    public override Task NotifyOutboxMessageDelivered(OutboxMessageContext message) => Task.CompletedTask;

    public override Task RemoveOutboxMessages() => Task.CompletedTask;
}
