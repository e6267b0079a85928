namespace Checkout.Steps.Effects;

/// <summary>
/// Told each time a step's side effect really happens (a new invoice file, a message written or sent, an update the
/// CRM accepted) and not when a retry or a duplicate finds it already done, so a demo or a test can check that every
/// effect happened exactly once. The default records nothing.
/// </summary>
public interface IStepEffects
{
    /// <summary>Records that <paramref name="effect"/> (e.g. <c>invoice-generated</c>) happened for <paramref name="orderId"/>.</summary>
    void Happened(Guid orderId, string effect);
}

/// <summary>The default <see cref="IStepEffects"/>: records nothing.</summary>
internal sealed class NoStepEffects : IStepEffects
{
    public void Happened(Guid orderId, string effect)
    {
    }
}

/// <summary>The names of the effects the checkout steps report.</summary>
public static class StepEffectNames
{
    /// <summary>An invoice PDF was written.</summary>
    public const string InvoiceGenerated = "invoice-generated";

    /// <summary>A confirmation message was written to the pickup folder or sent over SMTP.</summary>
    public const string ConfirmationSent = "confirmation-sent";

    /// <summary>The (sandbox) CRM accepted an order update.</summary>
    public const string CrmUpdated = "crm-updated";
}
