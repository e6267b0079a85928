using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.Logging;

namespace Sagas.Faults;

/// <summary>Puts an <see cref="InfrastructureRetryFilter{TMessage}"/> in front of every message type a consumer or saga of the bus takes.</summary>
internal sealed class InfrastructureRetryObserver : ConfigurationObserver, IMessageConfigurationObserver
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public InfrastructureRetryObserver(IConsumePipeConfigurator configurator, TimeProvider timeProvider, ILoggerFactory loggers)
        : base(configurator)
    {
        _timeProvider = timeProvider;
        _logger = loggers.CreateLogger(typeof(InfrastructureRetryFilter<>).FullName!.Split('`')[0]);
        Connect(this);
    }

    public void MessageConfigured<TMessage>(IConsumePipeConfigurator configurator)
        where TMessage : class
        => configurator.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new InfrastructureRetryFilter<TMessage>(_timeProvider, _logger)));
}
