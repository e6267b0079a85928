using Checkout.Contracts;
using Checkout.Steps.Effects;
using Checkout.Steps.Output;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sagas.Steps;

namespace Checkout.Steps.Invoices;

/// <summary>
/// Writes the order's invoice as a PDF to <see cref="CheckoutStepsOptions.OutputDirectory"/>. The invoice number and the
/// file name come from the order id, and an existing file is kept, so a retry or a duplicate returns the same invoice
/// without writing a second one. The file appears whole or not at all (written under a temporary name, then renamed).
/// </summary>
public sealed partial class GenerateInvoiceHandler(
    IOptions<CheckoutStepsOptions> options,
    TimeProvider time,
    IStepEffects effects,
    ILogger<GenerateInvoiceHandler> logger) : IStepHandler<GenerateInvoice, InvoiceGenerated>
{
    /// <summary>The file an order's invoice is written to.</summary>
    public static string PathOf(string outputDirectory, Guid orderId) => Path.Combine(outputDirectory, InvoiceDocument.NumberOf(orderId) + ".pdf");

    /// <inheritdoc />
    public async ValueTask<StepOutcome<InvoiceGenerated>> HandleAsync(GenerateInvoice command, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        var number = InvoiceDocument.NumberOf(command.OrderId);
        var path = PathOf(options.Value.OutputDirectory, command.OrderId);
        var issued = time.GetUtcNow();
        var created = await AtomicFile.CreateAsync(path, (stream, _) =>
        {
            InvoiceDocument.Write(command, number, issued, stream);
            return Task.CompletedTask;
        }, context.CancellationToken).ConfigureAwait(false);

        if (created)
        {
            effects.Happened(command.OrderId, StepEffectNames.InvoiceGenerated);
            LogWritten(logger, number, path, context.Attempt);
        }
        else
        {
            LogAlreadyThere(logger, number, path);
        }

        return new InvoiceGenerated(number);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Invoice {Invoice} written to {Path} (attempt {Attempt})")]
    private static partial void LogWritten(ILogger logger, string invoice, string path, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Invoice {Invoice} is already at {Path}: not written again")]
    private static partial void LogAlreadyThere(ILogger logger, string invoice, string path);
}
