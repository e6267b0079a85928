using Microsoft.Extensions.DependencyInjection;
using Sagas.Functions.Azure.HttpTrigger;
using Sagas.Functions.Azure.QueueTrigger;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Http;
using Sagas.Functions.Inbox;

namespace Sagas.Functions.Azure.Tests.Harness;

/// <summary>
/// The services of a function app as its Program.cs sets them up (AddStepFunctions + the Azure triggers), with
/// <see cref="ReserveStockHandler"/> and a <see cref="SwitchableInbox"/>. The triggers are then called the way the
/// function methods call them.
/// </summary>
public sealed class FunctionApp : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public FunctionApp(
        string replyQueue,
        Action<StepQueueTriggerOptions>? queue = null,
        Action<StepFunctionHttpOptions>? http = null,
        IClaimCheckStore? claimChecks = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<HandlerCalls>();
        services.AddSingleton(new SwitchableInbox(new InMemoryStepInbox(TimeProvider.System, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5))));
        services.AddSingleton<IStepInbox>(sp => sp.GetRequiredService<SwitchableInbox>());
        if (claimChecks is not null)
        {
            services.AddSingleton(claimChecks);
        }

        services.AddStepFunctions(f => f
            .AddContracts(c => c.Add(new ReserveStockValidator()))
            .AddHandler<ReserveStock, StockReserved, ReserveStockHandler>()
            .Configure(o => o.Source = new Uri("/tests/azure-functions", UriKind.Relative))
            .ConfigureHttp(http ?? (_ => { }))
            .AddAzureHttpTrigger()
            .AddAzureQueueTrigger(o =>
            {
                o.ConnectionString = Azurite.ConnectionStringOrNull ?? "UseDevelopmentStorage=true";
                o.ReplyQueueName = replyQueue;
                queue?.Invoke(o);
            }));
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public StepQueueTrigger QueueTrigger => _services.GetRequiredService<StepQueueTrigger>();

    public StepHttpTrigger HttpTrigger => _services.GetRequiredService<StepHttpTrigger>();

    public HandlerCalls Calls => _services.GetRequiredService<HandlerCalls>();

    public SwitchableInbox Inbox => _services.GetRequiredService<SwitchableInbox>();

    public IServiceProvider Services => _services;

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
