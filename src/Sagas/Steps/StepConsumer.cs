using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.CloudEvents;
using Sagas.Gateway;
using Sagas.Placement;

namespace Sagas.Steps;

/// <summary>
/// Executes a step command taken from the bus: forwarded to its function when <see cref="StepRoutingOptions"/>
/// routes it, else run by the <see cref="IStepHandler{TCommand, TResult}"/> of this process. Replies to the saga
/// with <see cref="StepCompleted"/> or <see cref="StepFailed"/> (through the outbox, like any publish). An
/// exception from the handler is a transient failure; the saga decides about retrying it.
/// </summary>
internal sealed partial class StepConsumer<TCommand, TResult>(
    IServiceProvider services,
    StepGateway gateway,
    StepPlacements placements,
    CloudEventConverter converter,
    ILogger<StepConsumer<TCommand, TResult>> logger) : IConsumer<TCommand>
    where TCommand : class
{
    public async Task Consume(ConsumeContext<TCommand> context)
    {
        var contract = converter.Registry.Get(typeof(TCommand));
        var reasons = new List<string>();
        var attributes = StepCommandAttributes.Read(name => Attribute(context.Headers, name), reasons)
            ?? throw new CloudEventRejectedException(
                contract.EventType,
                context.Headers.Get<string>(Serialization.CloudEventHeaders.Id),
                context.Headers.Get<string>(Serialization.CloudEventHeaders.Source),
                reasons);
        var sagaId = attributes.SagaId;
        var stepContext = new StepContext(sagaId, attributes.Step, attributes.Attempt, attributes.Compensation, context.CancellationToken);

        var handler = services.GetService<IStepHandler<TCommand, TResult>>();
        gateway.TryGetRoute(contract.EventType, out var declared);
        var size = declared is { } r && HasLimits(r) ? BodySize(context) : 0; // only a route with a limit needs it
        var (route, placed, refused) = Place(contract.EventType, attributes.Step, declared, handler is not null, size, context);
        object reply;
        if (refused is not null)
        {
            // Never smaller next time: a permanent failure, named, instead of a call the host refuses.
            reply = StepReplies.Refused(stepContext, refused);
        }
        else if (route?.Channel is { } channelName)
        {
            var channel = services.GetServices<IStepChannel>().FirstOrDefault(c => c.Name == channelName);
            if (channel is not null)
            {
                // The reply comes back later through the channel's listener.
                var command = ToCommandEvent(context, stepContext, serializeData: true);
                if (placed is { } overflowed)
                {
                    command[SagaAttributes.Placement] = overflowed.Reason; // the function's reply brings it back for the saga's history
                }

                await channel.SendAsync(command, context.CancellationToken).ConfigureAwait(false);
                return;
            }

            reply = StepReplies.Refused(stepContext, $"{contract.EventType} is routed to channel '{channelName}', but no IStepChannel of that name is registered");
        }
        else if (route is not null)
        {
            // Only encoded (for each HTTP attempt), never handed on: its data is written straight from the command.
            reply = await gateway.InvokeAsync(ToCommandEvent(context, stepContext, serializeData: false), stepContext, route, context.CancellationToken).ConfigureAwait(false);
        }
        else if (handler is not null)
        {
            using var execution = placed is { Overflow: false } ? placements.LoadOf(contract.EventType).Start() : default(StepLoad.Execution?);
            reply = await RunLocallyAsync(handler, context.Message, stepContext).ConfigureAwait(false);
        }
        else
        {
            reply = StepReplies.Refused(stepContext, $"{contract.EventType} has neither a route (StepRoutingOptions) nor a handler in this process");
        }

        var correlate = Pipe.Execute<PublishContext>(p =>
        {
            p.CorrelationId = sagaId;
            if (placed is { } decision)
            {
                p.Headers.Set(SagaAttributes.Placement.Name, decision.Reason); // for the saga's history
            }
        });
        await (reply switch
        {
            // Typed, so MassTransit does not look up a converter for an object per reply.
            StepCompleted completed => context.Publish(completed, correlate),
            StepFailed failed => context.Publish(failed, correlate),
            _ => context.Publish(reply, reply.GetType(), correlate),
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Where a command runs: in this process (no route; or a route with <see cref="StepRoute.Overflow"/> while the handler
    /// here keeps up, or none of whose functions can take the command now), or at the first of its route's functions
    /// (<see cref="StepHosts"/>) that takes it. A placement is what the saga's history records; a refusal, a command no
    /// host can ever take.
    /// </summary>
    private (StepRoute? Host, PlacementDecision? Placed, string? Refused) Place(string eventType, string step, StepRoute? route, bool hasHandler, long size, ConsumeContext context)
    {
        if (route is null)
        {
            return (null, null, null);
        }

        if (route.Overflow is { } overflow && hasHandler)
        {
            var decision = placements.Decide(
                eventType,
                overflow,
                context.SentTime is { } sent ? new DateTimeOffset(DateTime.SpecifyKind(sent, DateTimeKind.Utc)) : null,
                overflow.MaxQueueDepth is null ? null : services.GetService<IQueueDepths>()?.DepthOf(context.ReceiveContext.InputAddress));
            StepRoute? overflowHost = null;
            if (decision.Overflow)
            {
                var choice = StepHosts.Choose(route, size, h => gateway.IsCircuitOpen(eventType, h));
                overflowHost = choice.Host;
                decision = overflowHost is null
                    ? new PlacementDecision(false, $"primary: {choice.Passed}")
                    : decision with { Reason = StepHosts.Via(decision.Reason, route, choice) };
            }

            StepPlacements.Count(step, decision);
            return (overflowHost, decision, null);
        }

        if (route.Alternates.Count == 0)
        {
            return StepLimits.Fits(route, size) || route.Channel is not null // a queue channel checks a large command in
                ? (route, null, null)
                : (null, null, string.Create(CultureInfo.InvariantCulture, $"the command's {size} bytes are over {eventType}'s route's MaxPayloadBytes {route.MaxPayloadBytes}"));
        }

        var chosen = StepHosts.Choose(route, size, h => gateway.IsCircuitOpen(eventType, h));
        var host = chosen.Host ?? chosen.Fitting; // every host that takes it has an open circuit: the first answers the saga that it is unavailable
        if (host is null)
        {
            return (null, null, $"no host of {eventType}'s route takes the command: {chosen.Passed}");
        }

        if (host == route)
        {
            return (route, null, null);
        }

        var moved = new PlacementDecision(true, $"alternate {StepHosts.Describe(host)}: {chosen.Passed}");
        StepPlacements.Count(step, moved);
        return (host, moved, null);
    }

    private static bool HasLimits(StepRoute route) => StepHosts.Of(route).Any(h => h.MaxPayloadBytes is not null);

    private async Task<object> RunLocallyAsync(IStepHandler<TCommand, TResult> handler, TCommand command, StepContext stepContext)
    {
        try
        {
            var outcome = await handler.HandleAsync(command, stepContext).ConfigureAwait(false);
            return StepReplies.Outcome(stepContext, outcome.Succeeded ? JsonSerializer.SerializeToElement(outcome.Result, converter.JsonOptions) : null, outcome.FailureReason);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stepContext.CancellationToken.IsCancellationRequested)
        {
            LogTransientFailure(logger, ex, stepContext.Step, stepContext.SagaId, stepContext.Attempt);
            return StepReplies.Threw(stepContext, ex);
        }
    }

    /// <summary>
    /// The command as the function receives it: the same CloudEvents id and source as on the bus, so the function's inbox
    /// recognises redeliveries. Its data is a JSON value when <c>serializeData</c> (a channel may check it in), else the
    /// command itself, written only when the event is encoded.
    /// </summary>
    private CloudNative.CloudEvents.CloudEvent ToCommandEvent(ConsumeContext<TCommand> context, StepContext step, bool serializeData)
        => converter.ToCloudEvent(context.Message, new EventMetadata
        {
            Id = context.Headers.Get<string>(Serialization.CloudEventHeaders.Id) ?? (context.MessageId ?? NewId.NextGuid()).ToString(),
            Source = Uri.TryCreate(context.Headers.Get<string>(Serialization.CloudEventHeaders.Source), UriKind.RelativeOrAbsolute, out var source) ? source : context.ReceiveContext.InputAddress,
            Subject = step.SagaId.ToString(),
            CorrelationId = step.SagaId.ToString(),
            TraceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : context.Headers.Get<string>(SagaAttributes.TraceParent.Name),
            TraceState = Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.TraceStateString : context.Headers.Get<string>(SagaAttributes.TraceState.Name),
            Extensions = new StepCommandAttributes(step.SagaId, step.Step, step.Attempt, step.IsCompensation).ToExtensions(),
        }, serializeData);

    private static long BodySize(ConsumeContext context) => context.ReceiveContext.Body.Length ?? context.ReceiveContext.Body.GetBytes().Length;

    /// <summary>A step attribute as the serializer put it in the headers: <c>subject</c> as <c>ce-subject</c>, extensions by name.</summary>
    private static object? Attribute(Headers headers, string name)
        => headers.Get<object>(name == CloudNative.CloudEvents.CloudEventsSpecVersion.V1_0.SubjectAttribute.Name ? Serialization.CloudEventHeaders.Subject : name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {Step} of saga {SagaId} failed on attempt {Attempt}")]
    private static partial void LogTransientFailure(ILogger logger, Exception exception, string step, Guid sagaId, int attempt);
}
