using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Sagas.Functions.Inbox;
using Sagas.Functions.Runner;

namespace Sagas.Functions.Tests.Harness;

/// <summary>The runner without any host, as a Lambda or queue-trigger adapter would use it.</summary>
public sealed class RunnerHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public RunnerHost(Action<StepFunctionOptions>? configure = null, IStepInbox? inbox = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        services.AddSingleton<HandlerProbe>();
        if (inbox is not null)
        {
            services.AddSingleton(inbox);
        }

        services.AddStepFunctions(f => f
            .AddContracts(c => c.Add(new ReserveStockValidator()).Add<AuditNote>())
            .AddHandler<ReserveStock, StockReserved, ReserveStockHandler>()
            .Configure(configure ?? (_ => { })));
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }

    public StepFunctionRunner Runner => _services.GetRequiredService<StepFunctionRunner>();

    public HandlerProbe Probe => _services.GetRequiredService<HandlerProbe>();

    public FakeTimeProvider Time => (FakeTimeProvider)_services.GetRequiredService<TimeProvider>();

    public IServiceProvider Services => _services;

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
