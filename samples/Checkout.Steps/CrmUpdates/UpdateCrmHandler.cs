using Checkout.Contracts;
using Microsoft.Extensions.Logging;
using Sagas.Steps;

namespace Checkout.Steps.CrmUpdates;

/// <summary>
/// Records the order in the CRM through <see cref="CrmClient"/>, passing <see cref="StepContext.IdempotencyKey"/> as the
/// <c>Idempotency-Key</c> header. A refusal (4xx) is a business failure (<see cref="StepOutcome.Fail"/>): the saga parks
/// as Faulted with the CRM's reason. A 5xx, a timeout or a connection failure throws: the function replies with a
/// transient failure and the saga retries the step.
/// </summary>
public sealed partial class UpdateCrmHandler(CrmClient crm, ILogger<UpdateCrmHandler> logger) : IStepHandler<UpdateCrm, Done>
{
    /// <inheritdoc />
    public async ValueTask<StepOutcome<Done>> HandleAsync(UpdateCrm command, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        var answer = await crm.SendAsync(new CrmOrderUpdate(command.OrderId, command.CustomerId, command.Total), context.IdempotencyKey, context.CancellationToken).ConfigureAwait(false);
        if (!answer.Accepted)
        {
            LogRefused(logger, command.OrderId, answer.Reason!);
            return StepOutcome.Fail(answer.Reason!);
        }

        return Done.Value;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The CRM refused the update of order {OrderId}: {Reason}")]
    private static partial void LogRefused(ILogger logger, Guid orderId, string reason);
}
