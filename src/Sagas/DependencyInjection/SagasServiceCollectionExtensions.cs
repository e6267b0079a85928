using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sagas;
using Sagas.CloudEvents;
using Sagas.Contracts;
using Sagas.DeadLetters;
using Sagas.Inbox;
using Sagas.Outbox;
using Sagas.Persistence;
using Sagas.Persistence.Catalog;
using Sagas.Serialization;
using Sagas.Steps;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The Sagas entry point.</summary>
public static class SagasServiceCollectionExtensions
{
    /// <summary>
    /// Adds Sagas and a MassTransit bus configured for it: CloudEvents serialization, the inbox/outbox filter
    /// around every consumer and saga, dead-lettering of rejected events, and the configured sagas and steps.
    /// Call it once, with everything configured in <paramref name="configure"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called a second time.</exception>
    public static SagasBuilder AddSagas(this IServiceCollection services, Action<SagasBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(SagasBuilder)))
        {
            throw new InvalidOperationException("AddSagas(...) was already called: configure all sagas, steps and contracts in one call.");
        }

        var builder = new SagasBuilder(services);
        services.AddSingleton(builder);
        builder.AddValidatedOptions<SagasOptions, SagasOptionsValidator>();
        builder.AddValidatedOptions<Sagas.Gateway.StepRoutingOptions, Sagas.Gateway.StepRoutingOptionsValidator>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Sagas.Gateway.StepRoutingOptions>, Sagas.Placement.StepLimitsValidator>());

        configure(builder);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(builder.Contracts);
        services.TryAddSingleton(sp => new CloudEventConverter(sp.GetRequiredService<ContractRegistry>(), SagaMessagesJsonContext.CreateOptions(sp.GetRequiredService<ContractRegistry>())));
        services.TryAddSingleton(sp => new StepRuntime(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<CloudEventConverter>(), sp.GetRequiredService<SagasOptions>().Source));
        services.TryAddSingleton(sp => new CloudEventsMessageSerializer(
            sp.GetRequiredService<CloudEventConverter>(),
            sp.GetRequiredService<SagasOptions>().Source,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new InMemoryMessageStore(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SagasOptions>().InboxRetention));
        services.TryAddSingleton<IMessageStore>(sp => sp.GetRequiredService<InMemoryMessageStore>());
        services.TryAddSingleton<IOutboxMonitor>(sp => sp.GetRequiredService<InMemoryMessageStore>());
        services.TryAddSingleton(typeof(ISagaStore<>), typeof(InMemorySagaStore<>));
        services.TryAddSingleton(typeof(ISagaCatalog<>), typeof(InMemorySagaCatalog<>));
        services.TryAddSingleton<IOutboxDispatcher, InMemoryOutboxDispatcher>();
        services.TryAddSingleton<InboxGate>();
        services.TryAddSingleton<OutboxCapture>();
        services.TryAddSingleton(typeof(InboxOutboxFilter<>)); // one instance per message type, resolved on its first message
        services.TryAddSingleton<IOutboxPublisher, OutboxPublisher>();
        services.TryAddSingleton<IDeadLetterStore, InMemoryDeadLetterStore>();
        services.TryAddSingleton<DeadLetterObserver>();
        services.TryAddSingleton<IDeadLetterResolver, DeadLetterResolver>();
        services.TryAddSingleton<Sagas.Gateway.StepGateway>();
        services.TryAddSingleton<Sagas.Placement.StepPlacements>();
        services.TryAddSingleton<IStepReplyHandler, Sagas.Gateway.BusStepReplyHandler>();
        services.AddBusObserver<DestinationEndpointsReset>(); // a bus that stops or starts gives out new send endpoints

        // MassTransit 8 leaves a running consumer's token uncancelled at stop unless told when: a handler that honours its
        // token would keep the host from stopping until the host gives up. Values the application set are kept.
        services.AddOptions<MassTransitHostOptions>().PostConfigure(ApplyStopDefaults);

        services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
                endpoint.ConcurrentMessageLimit = context.GetRequiredService<SagasOptions>().ConcurrentMessageLimit);
            foreach (var registration in builder.Registrations)
            {
                registration(x);
            }

            builder.Transport(x, (context, cfg) =>
            {
                ConfigureBus(context, cfg);
                foreach (var configureBus in builder.BusConfigurations)
                {
                    configureBus(context, cfg);
                }
            });
        });
        return builder;
    }

    /// <summary>
    /// How long stopping the bus may take, unless the application says: within the host's default 30 s, or as long as the
    /// handlers' time if the application set that longer.
    /// </summary>
    internal static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(25);

    /// <summary>
    /// How long running handlers have to finish once the bus stops before their cancellation token is cancelled, unless
    /// the application says (never longer than the stop itself). What they leave unfinished is redelivered.
    /// </summary>
    internal static readonly TimeSpan DefaultConsumerStopTimeout = TimeSpan.FromSeconds(10);

    private static void ApplyStopDefaults(MassTransitHostOptions options)
    {
        options.StopTimeout ??= options.ConsumerStopTimeout > DefaultStopTimeout ? options.ConsumerStopTimeout : DefaultStopTimeout;
        options.ConsumerStopTimeout ??= DefaultConsumerStopTimeout < options.StopTimeout ? DefaultConsumerStopTimeout : options.StopTimeout;
    }

    private static void ConfigureBus(IBusRegistrationContext context, IBusFactoryConfigurator cfg)
    {
        var factory = new CloudEventsSerializerFactory(context.GetRequiredService<CloudEventsMessageSerializer>());
        cfg.ClearSerialization();
        cfg.AddSerializer(factory);
        cfg.AddDeserializer(factory, isDefault: true);

        // A database, broker or network outage is waited out, however long it lasts, and never moves the message to an
        // error queue: the message is fine. Each attempt is a fresh transaction (inside this retry).
        _ = new ConsumeFilters(cfg, context);
        cfg.ConnectReceiveObserver(context.GetRequiredService<DeadLetterObserver>());
    }
}
