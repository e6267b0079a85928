using Amazon.SQS;
using CloudNative.CloudEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sagas.Functions.ClaimCheck;
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
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SqsStepChannelOptions();
        configure(options);
        services.TryAddSingleton<IAmazonSQS>(_ => new AmazonSQSClient());
        services.AddSingleton(sp => new SqsChannelRoute(
            name,
            new SqsStepChannel(
                sp.GetRequiredService<IAmazonSQS>(),
                options,
                sp.GetService<IClaimCheckStore>(),
                sp.GetService<ILogger<SqsStepChannel>>(),
                pollingClock ?? sp.GetService<TimeProvider>())));
        services.AddSingleton<IStepChannel>(sp => sp.GetServices<SqsChannelRoute>().First(r => r.Name == name));
        services.AddSingleton<IHostedService>(sp => new SqsReplyListener(
            sp.GetServices<SqsChannelRoute>().First(r => r.Name == name).Channel,
            sp.GetRequiredService<IStepReplyHandler>()));
        return services;
    }
}

/// <summary>An <see cref="SqsStepChannel"/> under the name routes use.</summary>
internal sealed class SqsChannelRoute(string name, SqsStepChannel channel) : IStepChannel
{
    public string Name { get; } = name;

    public SqsStepChannel Channel { get; } = channel;

    public Task SendAsync(CloudEvent command, CancellationToken cancellationToken) => Channel.SendAsync(command, cancellationToken);
}

/// <summary>Long-polls the channel's reply queue and hands each reply to the saga application.</summary>
internal sealed class SqsReplyListener(SqsStepChannel channel, IStepReplyHandler replies) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => channel.ListenAsync(replies.HandleAsync, stoppingToken);
}
