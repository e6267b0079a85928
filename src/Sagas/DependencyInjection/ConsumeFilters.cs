using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sagas.Faults;
using Sagas.Inbox;

namespace Sagas;

/// <summary>
/// Puts Sagas' two filters in front of every message type a consumer or saga of the bus takes, in this order: the
/// <see cref="InfrastructureRetryFilter{TMessage}"/>, then the <see cref="InboxOutboxFilter{TMessage}"/> inside it, so
/// that each attempt is a fresh transaction. Plain pipe filters, not scoped consume filters: neither needs a DI scope,
/// and the one scope per message is opened inside the transaction, by the consumer factory or saga repository.
/// </summary>
internal sealed class ConsumeFilters : ConfigurationObserver, IMessageConfigurationObserver
{
    private readonly IServiceProvider _services;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _retryLogger;

    public ConsumeFilters(IConsumePipeConfigurator configurator, IServiceProvider services)
        : base(configurator)
    {
        _services = services;
        _timeProvider = services.GetRequiredService<TimeProvider>();
        _retryLogger = (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger(typeof(InfrastructureRetryFilter<>).FullName!.Split('`')[0]);
        Connect(this);
    }

    public void MessageConfigured<TMessage>(IConsumePipeConfigurator configurator)
        where TMessage : class
    {
        configurator.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new InfrastructureRetryFilter<TMessage>(_timeProvider, _retryLogger)));
        configurator.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new DeferredInboxOutbox<TMessage>(_services)));
    }

    /// <summary>
    /// The bus's <see cref="InboxOutboxFilter{TMessage}"/> (a singleton), resolved on the first message rather than while
    /// the bus is being configured: the message store and the outbox dispatcher, a user's own too, may depend on the bus.
    /// </summary>
    private sealed class DeferredInboxOutbox<TMessage>(IServiceProvider services) : IFilter<ConsumeContext<TMessage>>
        where TMessage : class
    {
        private InboxOutboxFilter<TMessage>? _filter;

        public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next) => Filter().Send(context, next);

        public void Probe(ProbeContext context) => Filter().Probe(context);

        private InboxOutboxFilter<TMessage> Filter() => _filter ??= services.GetRequiredService<InboxOutboxFilter<TMessage>>();
    }
}
