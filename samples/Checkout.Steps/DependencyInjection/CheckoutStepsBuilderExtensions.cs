using Checkout.Contracts;
using Checkout.Steps;
using Checkout.Steps.Confirmations;
using Checkout.Steps.CrmUpdates;
using Checkout.Steps.Effects;
using Checkout.Steps.Invoices;
using Checkout.Steps.Output;
using Checkout.Steps.Sandbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sagas.Functions;
using Sagas.Steps;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the checkout's retriable steps on a step function host.</summary>
public static class CheckoutStepsBuilderExtensions
{
    /// <summary>
    /// Adds the checkout contracts and the handlers of GenerateInvoice (PDF), SendConfirmation (email) and UpdateCrm (HTTP),
    /// with <see cref="CheckoutStepsOptions"/> bound from the <c>Checkout</c> section of <paramref name="configuration"/>
    /// (when given), then <paramref name="configure"/>, validated at start. Also registers the <see cref="SandboxCrm"/>
    /// that <c>MapSandboxCrm</c> serves, the <see cref="CrmClient"/> typed HTTP client and its <see cref="CrmRetryPolicy"/>, <see cref="TimeProvider.System"/>, a
    /// no-op <see cref="IStepEffects"/> (each unless already registered), and a hosted service that deletes the temporary
    /// files of interrupted writes in the output folders. Calling it again adds nothing twice.
    /// </summary>
    /// <param name="functions">The step functions builder.</param>
    /// <param name="configuration">The application's configuration; its <c>Checkout</c> section is bound.</param>
    /// <param name="configure">Sets options after binding (e.g. the demo's output folders).</param>
    /// <returns>The builder.</returns>
    public static StepFunctionsBuilder AddCheckoutSteps(this StepFunctionsBuilder functions, IConfiguration? configuration = null, Action<CheckoutStepsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var services = functions.Services;
        var options = services.AddOptions<CheckoutStepsOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(CheckoutStepsOptions.SectionName));
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(CheckoutStepsMarker)))
        {
            return functions;
        }

        services.AddSingleton<CheckoutStepsMarker>();
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CheckoutStepsOptions>, CheckoutStepsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStepEffects, NoStepEffects>();
        services.TryAddSingleton<SandboxCrm>();
        services.AddHostedService<AbandonedWritesCleanup>(); // temporary files an interrupted write left behind
        services.TryAddSingleton<CrmRetryPolicy>();
        services.AddHttpClient<CrmClient>(http => http.Timeout = Timeout.InfiniteTimeSpan); // CheckoutStepsOptions.CrmTimeout applies per call

        return functions
            .AddContracts(contracts => contracts.AddCheckoutContracts())
            .AddHandler<GenerateInvoice, InvoiceGenerated, GenerateInvoiceHandler>()
            .AddHandler<SendConfirmation, Done, SendConfirmationHandler>()
            .AddHandler<UpdateCrm, Done, UpdateCrmHandler>();
    }

    /// <summary>Marks that the checkout steps are registered, so a second call binds options only.</summary>
    private sealed class CheckoutStepsMarker;
}
