using Checkout.Contracts;
using Checkout.Steps;
using Checkout.Steps.Effects;
using Checkout.Steps.Invoices;
using Checkout.Steps.Output;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sagas.Steps;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the invoice step's real handler in a container host (the worker), beside the saga.</summary>
public static class CheckoutInvoicesServiceCollectionExtensions
{
    /// <summary>
    /// Adds the PDF handler of GenerateInvoice as this process's <see cref="IStepHandler{TCommand, TResult}"/> (call it
    /// before <c>AddCheckout</c>, whose simulated handler it then replaces), writing to <c>Checkout:OutputDirectory</c>
    /// (required). With the function host writing to the same folder, an order's invoice is one file whichever host ran it.
    /// </summary>
    public static IServiceCollection AddCheckoutInvoices(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<CheckoutStepsOptions>()
            .Bind(configuration.GetSection(CheckoutStepsOptions.SectionName))
            .Validate(o => !string.IsNullOrWhiteSpace(o.OutputDirectory), "Checkout:OutputDirectory must name a folder for the invoice PDFs.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStepEffects, NoStepEffects>();
        services.AddHostedService<AbandonedWritesCleanup>(); // temporary files an interrupted write left behind
        services.AddScoped<IStepHandler<GenerateInvoice, InvoiceGenerated>, GenerateInvoiceHandler>();
        return services;
    }
}
