using Checkout.Contracts;
using Microsoft.Extensions.Logging;
using Sagas.Steps;

namespace Checkout.Functions.Steps;

// The retriable steps after the pivot, as small handlers with no dependency on the container app (no MassTransit in
// the function app). Each is idempotent by StepContext.IdempotencyKey, the same for every attempt of the step.

/// <summary>Numbers the invoice from the order, so a retry yields the same invoice.</summary>
public sealed class GenerateInvoiceHandler(ILogger<GenerateInvoiceHandler> logger) : IStepHandler<GenerateInvoice, InvoiceGenerated>
{
    public ValueTask<StepOutcome<InvoiceGenerated>> HandleAsync(GenerateInvoice command, StepContext context)
    {
        var invoice = $"INV-{command.OrderId.ToString("N")[..8].ToUpperInvariant()}";
        logger.LogInformation("Invoice {Invoice} for order {OrderId}: {Lines} lines, total {Total} (attempt {Attempt})", invoice, command.OrderId, command.Lines.Count, command.Total, context.Attempt);
        return ValueTask.FromResult<StepOutcome<InvoiceGenerated>>(new InvoiceGenerated(invoice));
    }
}

/// <summary>Sends the confirmation email (logged here), keyed by the idempotency key so a retry does not send it twice.</summary>
public sealed class SendConfirmationHandler(ILogger<SendConfirmationHandler> logger) : IStepHandler<SendConfirmation, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(SendConfirmation command, StepContext context)
    {
        logger.LogInformation("Confirmation {Confirmation} to {Email}, message id {MessageId}", command.ConfirmationNumber, command.CustomerEmail, context.IdempotencyKey);
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}

/// <summary>Records the order in the CRM (logged here), with the idempotency key as the CRM's request id.</summary>
public sealed class UpdateCrmHandler(ILogger<UpdateCrmHandler> logger) : IStepHandler<UpdateCrm, Done>
{
    public ValueTask<StepOutcome<Done>> HandleAsync(UpdateCrm command, StepContext context)
    {
        logger.LogInformation("CRM: customer {CustomerId} ordered {OrderId} for {Total} (request {RequestId})", command.CustomerId, command.OrderId, command.Total, context.IdempotencyKey);
        return ValueTask.FromResult<StepOutcome<Done>>(Done.Value);
    }
}
