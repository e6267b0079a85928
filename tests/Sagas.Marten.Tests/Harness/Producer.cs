using Checkout.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Sagas.Marten.Outbox;
using Sagas.Outbox;
using Sagas.Testing;

namespace Sagas.Marten.Tests.Harness;

/// <summary>A process that publishes with <see cref="IOutboxPublisher"/> and consumes nothing, as the checkout's API.</summary>
internal sealed class Producer : IAsyncDisposable
{
    private readonly DeliveryRecorder _sent = new();
    private IHost _host = null!;

    public IServiceProvider Services => _host.Services;

    public IOutboxPublisher Publisher => Services.GetRequiredService<IOutboxPublisher>();

    /// <summary>Every message this process sent, inline or by its relay.</summary>
    public IEnumerable<Guid> Sent => _sent.Ids;

    /// <summary>Every log entry of warning level or above, in order.</summary>
    public IEnumerable<(LogLevel Level, string Message)> Logs => Services.GetFakeLogCollector().GetSnapshot().Select(r => (r.Level, r.Message));

    public static async Task<Producer> StartAsync(string schema, TimeProvider time, Action<MartenSagasOptions>? options = null)
    {
        var producer = new Producer();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddFakeLogging().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<IOutboxCheckpoint>(producer._sent);
        builder.Services.AddSagas(sagas => sagas
            .AddContracts(contracts => contracts.AddCheckoutContracts())
            .UseMarten(o =>
            {
                o.ConnectionString = PostgresDatabase.ConnectionString;
                o.SchemaName = schema;
                o.RunRelay = false; // the test drives the relay passes
                options?.Invoke(o);
            }));
        producer._host = builder.Build();
        MassTransit.LogContext.ConfigureCurrentLogContext(producer.Services.GetRequiredService<ILoggerFactory>());
        await producer._host.StartAsync();
        return producer;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
