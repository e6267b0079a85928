using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Steps;

namespace Sagas.Functions.Runner;

/// <summary>Calls the <see cref="IStepHandler{TCommand, TResult}"/> of one command type without reflection at run time.</summary>
internal abstract class StepHandlerInvoker
{
    public abstract Type HandlerType { get; }

    /// <summary>Resolves the handler from <paramref name="services"/> and runs it. Exceptions from the handler propagate.</summary>
    public abstract ValueTask<HandlerOutcome> InvokeAsync(IServiceProvider services, object command, StepContext context, JsonSerializerOptions jsonOptions);
}

/// <summary>What a handler returned: its result as JSON, or its business failure reason.</summary>
internal readonly record struct HandlerOutcome(JsonElement? Result, string? FailureReason);

internal sealed class StepHandlerInvoker<TCommand, TResult>(Type handlerType) : StepHandlerInvoker
    where TCommand : class
{
    public override Type HandlerType => handlerType;

    public override async ValueTask<HandlerOutcome> InvokeAsync(IServiceProvider services, object command, StepContext context, JsonSerializerOptions jsonOptions)
    {
        var handler = services.GetRequiredService<IStepHandler<TCommand, TResult>>();
        var outcome = await handler.HandleAsync((TCommand)command, context).ConfigureAwait(false);
        return outcome.Succeeded
            ? new HandlerOutcome(JsonSerializer.SerializeToElement(outcome.Result, jsonOptions), null)
            : new HandlerOutcome(null, outcome.FailureReason);
    }
}
