using System.Reflection;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.Faults;
using Sagas.Placement;
using Sagas.RabbitMq;
using Sagas.RabbitMq.Consumers;
using Sagas.RabbitMq.Placement;
using Sagas.RabbitMq.Topology;

namespace Sagas;

/// <summary>Runs a Sagas application over RabbitMQ.</summary>
public static class RabbitMqSagasBuilderExtensions
{
    /// <summary>
    /// Replaces the in-memory transport with RabbitMQ: quorum queues, publisher confirms, mandatory routing (a message
    /// no queue takes yet stays in the outbox), exchanges named after the CloudEvents types, an error queue per endpoint,
    /// redelivery of transient failures; the depth of the queues whose steps overflow at
    /// <see cref="StepOverflow.MaxQueueDepth"/>, sampled in the background; and a check that restarts a receive endpoint
    /// the broker lists no consumer for while MassTransit believes it runs (<see cref="RabbitMqSagasOptions.ConsumerCheckInterval"/>).
    /// </summary>
    /// <remarks>
    /// The options can also be bound from configuration
    /// (<c>services.Configure&lt;RabbitMqSagasOptions&gt;(configuration.GetSection("Sagas:RabbitMq"))</c>); every wrong
    /// setting is named when the application starts (an <see cref="OptionsValidationException"/>).
    /// </remarks>
    public static SagasBuilder UseRabbitMq(this SagasBuilder sagas, Action<RabbitMqSagasOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(sagas);
        ArgumentNullException.ThrowIfNull(configure);
        sagas.Services.TryAddSingleton<IQueueDepths, RabbitMqQueueDepths>();
        sagas.Services.TryAddSingleton<IQueueConsumers, RabbitMqQueueConsumers>();
        sagas.Services.TryAddSingleton<ConsumerWatchdog>();
        sagas.Services.AddHostedService(services => services.GetRequiredService<ConsumerWatchdog>());
        sagas.Services.AddSingleton<IReceiveEndpointObserver>(services => services.GetRequiredService<ConsumerWatchdog>()); // MassTransit connects it to the bus
        return sagas.AddValidatedOptions<RabbitMqSagasOptions, RabbitMqSagasOptionsValidator>(configure).UseTransport((x, configureBus) =>
        {
            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    var options = context.GetRequiredService<RabbitMqSagasOptions>();
                    rabbit.PrefetchCount = options.PrefetchCount;
                    if (options.QueueType == RabbitMqQueueType.Quorum)
                    {
                        rabbit.SetQuorumQueue();
                    }
                }
            });

            x.UsingRabbitMq((context, cfg) =>
            {
                var options = context.GetRequiredService<RabbitMqSagasOptions>();
                var connectionName = options.ConnectionName ?? Assembly.GetEntryAssembly()?.GetName().Name ?? "sagas";
                cfg.Host(options.HostAddress, connectionName, host => host.PublisherConfirmation = options.PublisherConfirmation);
                cfg.MessageTopology.SetEntityNameFormatter(
                    new CloudEventsEntityNameFormatter(context.GetRequiredService<ContractRegistry>(), cfg.MessageTopology.EntityNameFormatter));
                cfg.PrefetchCount = options.PrefetchCount;
                if (options.Mandatory)
                {
                    // Unroutable means not sent: the send fails and the outbox keeps the message.
                    cfg.ConfigureSend(send => send.UseExecute(context =>
                    {
                        if (context.TryGetPayload(out RabbitMqSendContext? rabbit))
                        {
                            rabbit.Mandatory = true;
                        }
                    }));
                }

                if (options.RedeliveryIntervals.Count > 0)
                {
                    // Outside Sagas' inbox/outbox filter, so each attempt is a fresh transaction.
                    cfg.UseMessageRetry(retry =>
                    {
                        retry.Intervals([.. options.RedeliveryIntervals]);
                        retry.Ignore<CloudEventRejectedException>();
                        retry.Ignore<Exception>(InfrastructureFaults.IsInfrastructure); // waited out without limit by Sagas' own retry
                    });
                }

                configureBus(context, cfg);
                cfg.ConfigureEndpoints(context);
            });
        });
    }
}
