using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Queues;
using Sagas.Steps;

namespace Sagas.Functions.Aws.Channel;

/// <summary>Registers an SQS channel with a saga application, so step routes can name it.</summary>
public static class SqsStepChannelRegistration
{
    /// <summary>
    /// Adds the SQS channel <paramref name="name"/>: step commands routed to it (<c>StepRoute.Channel</c>) are sent to
    /// its request queue, and a hosted listener hands the replies on its reply queue to the application's
    /// <see cref="IStepReplyHandler"/> (registered by <c>AddSagas</c>). Uses the registered <see cref="IAmazonSQS"/>.
    /// </summary>
    /// <param name="services">The saga application's services.</param>
    /// <param name="name">The name routes use.</param>
    /// <param name="configure">Sets the queues and the receive settings.</param>
    /// <param name="pollingClock">The clock that paces receive retries; defaults to the application's <see cref="TimeProvider"/>.</param>
    public static IServiceCollection AddSqsStepChannel(this IServiceCollection services, string name, Action<SqsStepChannelOptions> configure, TimeProvider? pollingClock = null)
    {
        QueueStepChannels.Add(services, name, configure, (sp, options) => new SqsStepChannel(
            sp.GetRequiredService<IAmazonSQS>(),
            options,
            sp.GetService<IClaimCheckStore>(),
            sp.GetService<ILogger<SqsStepChannel>>(),
            pollingClock ?? sp.GetService<TimeProvider>()));
        services.TryAddSingleton<IAmazonSQS>(_ => new AmazonSQSClient());
        return services;
    }
}
