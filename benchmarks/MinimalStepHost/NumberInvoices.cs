using Checkout.Contracts;
using Sagas.Steps;

namespace MinimalStepHost;

/// <summary>Answers an invoice number derived from the order; writes nothing.</summary>
internal sealed class NumberInvoices : IStepHandler<GenerateInvoice, InvoiceGenerated>
{
    public ValueTask<StepOutcome<InvoiceGenerated>> HandleAsync(GenerateInvoice command, StepContext context)
        => ValueTask.FromResult<StepOutcome<InvoiceGenerated>>(new InvoiceGenerated($"INV-{command.OrderId:N}"[..12]));
}
