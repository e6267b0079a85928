using System.Reflection;
using Checkout.Contracts;
using Checkout.Simulation;
using Checkout.Steps.Effects;
using Checkout.Steps.Sandbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sagas;
using Sagas.Contracts;
using Sagas.Gateway;

namespace Checkout.Steps;

/// <summary>
/// The checkout's retriable steps as real HTTP CloudEvents functions (Checkout.Steps: invoice PDF, confirmation email,
/// CRM call) on Kestrel at 127.0.0.1 on a free port, in this process but in their own container, with the sandbox CRM
/// at <c>/sandbox/crm</c>: how the in-memory demo runs them without any server. Effects are reported to the
/// <see cref="EffectLog"/> handed in, so the demo can check each happened once.
/// </summary>
public sealed class LoopbackStepFunctions : IAsyncDisposable
{
    /// <summary>The path of the step endpoint.</summary>
    public const string StepsPath = "/steps";

    /// <summary>The path of the sandbox CRM.</summary>
    public const string SandboxCrmPath = "/sandbox/crm";

    private readonly WebApplication _app;

    private LoopbackStepFunctions(WebApplication app, Uri baseAddress)
    {
        _app = app;
        Endpoint = new Uri(baseAddress, StepsPath);
        CrmEndpoint = new Uri(baseAddress, SandboxCrmPath);
        Options = app.Services.GetRequiredService<IOptions<CheckoutStepsOptions>>().Value;
    }

    /// <summary>Where step commands go: <c>http://127.0.0.1:{port}/steps</c>.</summary>
    public Uri Endpoint { get; }

    /// <summary>The sandbox CRM.</summary>
    public Uri CrmEndpoint { get; }

    /// <summary>The options in effect (where invoices and messages are written).</summary>
    public CheckoutStepsOptions Options { get; }

    /// <summary>The sandbox CRM's state.</summary>
    public SandboxCrm Crm => _app.Services.GetRequiredService<SandboxCrm>();

    /// <summary>
    /// Starts the functions with the step options of the <c>Checkout</c> section of <paramref name="configuration"/> (when
    /// given), then <paramref name="configure"/>; unless one of them sets <see cref="CheckoutStepsOptions.CrmUrl"/>, the CRM
    /// calls go to the sandbox CRM of this host.
    /// </summary>
    public static async Task<LoopbackStepFunctions> StartAsync(EffectLog effects, IConfiguration? configuration = null, Action<CheckoutStepsOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(effects);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IStepEffects>(effects);
        builder.Services.AddStepFunctions(functions => functions
            .AddCheckoutSteps(configuration, options =>
            {
                configure?.Invoke(options);
                options.CrmUrl ??= new Uri(SandboxCrmPath, UriKind.Relative);
            })
            .Configure(options =>
            {
                options.Source = new Uri("/checkout/functions", UriKind.Relative);
                options.EndpointName = "checkout-functions";
            }));
        var app = builder.Build();
        app.MapStepFunctions(StepsPath);
        app.MapSandboxCrm(SandboxCrmPath);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new LoopbackStepFunctions(app, new Uri(address));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}

/// <summary>Routes the checkout's retriable steps to functions.</summary>
public static class CheckoutStepRoutes
{
    /// <summary>The step commands that run as functions: GenerateInvoice, SendConfirmation, UpdateCrm.</summary>
    public static IReadOnlyList<Type> FunctionCommands { get; } = [typeof(GenerateInvoice), typeof(SendConfirmation), typeof(UpdateCrm)];

    /// <summary>The CloudEvents <c>type</c> of a step command (<c>com.example.checkout.update-crm.v1</c>).</summary>
    public static string EventTypeOf(Type command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var contract = command.GetCustomAttribute<CloudEventContractAttribute>() ?? throw new ArgumentException($"{command.Name} is not a contract.", nameof(command));
        return $"{contract.Name}.v{contract.Version}";
    }

    /// <summary>
    /// Sends GenerateInvoice, SendConfirmation and UpdateCrm to the HTTP function at <paramref name="endpoint"/> instead of
    /// their in-process handlers; <paramref name="configure"/> adjusts each route (retries, timeouts).
    /// </summary>
    public static SagasBuilder RouteCheckoutStepsTo(this SagasBuilder sagas, Uri endpoint, Action<StepRoute>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(sagas);
        ArgumentNullException.ThrowIfNull(endpoint);
        return sagas.RouteSteps(routing =>
        {
            foreach (var command in FunctionCommands)
            {
                var route = new StepRoute { Http = endpoint };
                configure?.Invoke(route);
                routing.Routes[EventTypeOf(command)] = route;
            }
        });
    }
}
