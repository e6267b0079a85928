using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sagas.Steps;

namespace Sagas.Functions.Queues;

/// <summary>The one registration shape of a queue step channel (SQS, Storage Queues).</summary>
internal static class QueueStepChannels
{
    /// <summary>
    /// Adds the channel <paramref name="name"/> as an <see cref="IStepChannel"/> that routes can name, and a hosted listener that
    /// hands its replies to the application's <see cref="IStepReplyHandler"/>.
    /// </summary>
    public static IServiceCollection Add<TChannel, TOptions>(
        IServiceCollection services, string name, Action<TOptions> configure, Func<IServiceProvider, TOptions, TChannel> create)
        where TChannel : class, IQueueStepChannel
        where TOptions : new()
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new TOptions();
        configure(options); // now, so that the channel's constructor reports invalid settings at the first resolve
        services.AddSingleton(sp => new QueueStepChannelRoute<TChannel>(name, create(sp, options)));
        services.AddSingleton<IStepChannel>(sp => Route(sp));
        services.AddSingleton<IHostedService>(sp => new QueueReplyListener(Route(sp).Channel, sp.GetRequiredService<IStepReplyHandler>()));
        return services;

        QueueStepChannelRoute<TChannel> Route(IServiceProvider sp) => sp.GetServices<QueueStepChannelRoute<TChannel>>().First(r => r.Name == name);
    }
}
