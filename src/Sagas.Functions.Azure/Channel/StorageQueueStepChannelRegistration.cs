using CloudNative.CloudEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Functions.ClaimCheck;
using Sagas.Steps;

namespace Sagas.Functions.Azure.Channel;

/// <summary>Registers an Azure Storage Queue channel with a saga application, so step routes can name it.</summary>
public static class StorageQueueStepChannelRegistration
{
    /// <summary>
    /// Adds the Storage Queue channel <paramref name="name"/>: step commands routed to it (<c>StepRoute.Channel</c>)
    /// are sent to its request queue, and a hosted listener hands the replies on its reply queue to the
    /// application's <see cref="IStepReplyHandler"/> (registered by <c>AddSagas</c>).
    /// </summary>
    /// <param name="services">The saga application's services.</param>
    /// <param name="name">The name routes use.</param>
    /// <param name="configure">Sets the storage account, the queues and the receive settings.</param>
    /// <param name="pollingClock">The clock that paces polling; defaults to the application's <see cref="TimeProvider"/>.</param>
    public static IServiceCollection AddStorageQueueStepChannel(this IServiceCollection services, string name, Action<StorageQueueStepChannelOptions> configure, TimeProvider? pollingClock = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new StorageQueueStepChannelOptions();
        configure(options);
        services.AddSingleton(sp => new StorageQueueChannelRoute(
            name,
            new StorageQueueStepChannel(
                options,
                sp.GetService<IClaimCheckStore>(),
                sp.GetService<ILogger<StorageQueueStepChannel>>(),
                pollingClock ?? sp.GetService<TimeProvider>())));
        services.AddSingleton<IStepChannel>(sp => sp.GetServices<StorageQueueChannelRoute>().First(r => r.Name == name));
        services.AddSingleton<IHostedService>(sp => new StorageQueueReplyListener(
            sp.GetServices<StorageQueueChannelRoute>().First(r => r.Name == name).Channel,
            sp.GetRequiredService<IStepReplyHandler>()));
        return services;
    }
}

/// <summary>A <see cref="StorageQueueStepChannel"/> under the name routes use.</summary>
internal sealed class StorageQueueChannelRoute(string name, StorageQueueStepChannel channel) : IStepChannel
{
    public string Name { get; } = name;

    public StorageQueueStepChannel Channel { get; } = channel;

    public Task SendAsync(CloudEvent command, CancellationToken cancellationToken) => Channel.SendAsync(command, cancellationToken);
}

/// <summary>Polls the channel's reply queue and hands each reply to the saga application.</summary>
internal sealed class StorageQueueReplyListener(StorageQueueStepChannel channel, IStepReplyHandler replies) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => channel.ListenAsync(replies.HandleAsync, stoppingToken);
}
