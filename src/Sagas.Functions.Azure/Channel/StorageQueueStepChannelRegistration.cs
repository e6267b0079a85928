using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Queues;
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
        return QueueStepChannels.Add(services, name, configure, (sp, options) => new StorageQueueStepChannel(
            options,
            sp.GetService<IClaimCheckStore>(),
            sp.GetService<ILogger<StorageQueueStepChannel>>(),
            pollingClock ?? sp.GetService<TimeProvider>()));
    }
}
