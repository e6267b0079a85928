using Checkout.Contracts;
using Checkout.Simulation;
using Checkout.Steps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Functions;
using Sagas.Steps;

namespace Checkout.Tests.Functions;

/// <summary>The checkout's retriable steps served as HTTP CloudEvents functions on a loopback port, in their own container.</summary>
public sealed class FunctionHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FunctionHost(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public EffectLog Effects => _app.Services.GetRequiredService<EffectLog>();

    public static async Task<FunctionHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<EffectLog>().AddSingleton<Crm>();
        builder.Services.AddStepFunctions(f => f
            .AddContracts(c => c.AddCheckoutContracts())
            .AddHandler<GenerateInvoice, InvoiceGenerated, GenerateInvoiceHandler>()
            .AddHandler<SendConfirmation, Done, SendConfirmationHandler>()
            .AddHandler<UpdateCrm, Done, UpdateCrmHandler>());
        var app = builder.Build();
        app.MapStepFunctions("/steps");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new FunctionHost(app, new Uri(address + "/steps"));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
