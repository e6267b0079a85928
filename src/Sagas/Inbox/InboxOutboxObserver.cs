using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Sagas.Inbox;

/// <summary>
/// Puts the bus's <see cref="InboxOutboxFilter{TMessage}"/> (a singleton) behind the infrastructure retry of every message
/// type a consumer or saga of the bus takes. Not a scoped consume filter: that would open a DI scope per message for a
/// filter that needs none, and the consumer's or saga's own scope would then be a second one laid over it; the scope
/// is opened once, inside the transaction, by the consumer factory or saga repository.
/// </summary>
internal sealed class InboxOutboxObserver : ConfigurationObserver, IMessageConfigurationObserver
{
    private readonly IServiceProvider _services;

    public InboxOutboxObserver(IConsumePipeConfigurator configurator, IServiceProvider services)
        : base(configurator)
    {
        _services = services;
        Connect(this);
    }

    public void MessageConfigured<TMessage>(IConsumePipeConfigurator configurator)
        where TMessage : class
        => configurator.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new Deferred<TMessage>(_services)));

    /// <summary>
    /// Resolves the filter on the first message: its dependencies include the outbox dispatcher, which sends through the
    /// bus that is being configured when the pipe is built.
    /// </summary>
    private sealed class Deferred<TMessage>(IServiceProvider services) : IFilter<ConsumeContext<TMessage>>
        where TMessage : class
    {
        private InboxOutboxFilter<TMessage>? _filter;

        public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
            => (_filter ??= services.GetRequiredService<InboxOutboxFilter<TMessage>>()).Send(context, next);

        public void Probe(ProbeContext context) => context.CreateFilterScope("sagasInboxOutbox");
    }
}
