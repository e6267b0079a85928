using System.Text.RegularExpressions;
using MassTransit;
using MassTransit.Saga;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sagas.Contracts;
using Sagas.Persistence;
using Sagas.Steps;

namespace Sagas;

/// <summary>
/// Configures a Sagas application: its contracts, sagas, step handlers, transport and stores. Obtained from
/// <see cref="Microsoft.Extensions.DependencyInjection.SagasServiceCollectionExtensions.AddSagas"/>.
/// </summary>
public sealed partial class SagasBuilder
{
    private readonly List<Action<IBusRegistrationConfigurator>> _registrations = [];
    private readonly List<Action<IBusRegistrationContext, IBusFactoryConfigurator>> _busConfigurations = [];
    private readonly List<Type> _sagaStateTypes = [];
    private readonly List<Type> _sagaMachineTypes = [];

    internal SagasBuilder(IServiceCollection services)
    {
        Services = services;
        Contracts = new ContractRegistry().AddStepContracts()
            .Add(new StepTimerElapsedValidator())
            .Add(new ResumeSagaValidator())
            .Add(new CompensateSagaValidator())
            .Add(new RetryStepNowValidator());
    }

    /// <summary>The service collection, for integrations.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The state types of the sagas added so far; persistence packages map them.</summary>
    public IReadOnlyList<Type> SagaStateTypes => _sagaStateTypes;

    /// <summary>The contracts known to this application: every message on the bus must be one of them.</summary>
    public ContractRegistry Contracts { get; }

    /// <summary>
    /// How the bus is created. Defaults to MassTransit's in-memory transport; a transport package
    /// (for example Sagas.RabbitMq) replaces it. The callback must call the bus configuration delegate it is given
    /// on its bus factory configurator before <c>ConfigureEndpoints</c>.
    /// </summary>
    internal Action<IBusRegistrationConfigurator, Action<IBusRegistrationContext, IBusFactoryConfigurator>> Transport { get; private set; }
        = (x, configureBus) => x.UsingInMemory((context, cfg) =>
        {
            configureBus(context, cfg);
            cfg.ConfigureEndpoints(context);
        });

    internal IReadOnlyList<Action<IBusRegistrationConfigurator>> Registrations => _registrations;

    /// <summary>The state machines of the sagas added (each registered in the services by MassTransit).</summary>
    internal IReadOnlyList<Type> SagaMachineTypes => _sagaMachineTypes;

    internal IReadOnlyList<Action<IBusRegistrationContext, IBusFactoryConfigurator>> BusConfigurations => _busConfigurations;

    /// <summary>Registers contracts (with their validators).</summary>
    public SagasBuilder AddContracts(Action<ContractRegistry> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Contracts);
        return this;
    }

    /// <summary>
    /// Adds options of Sagas or of one of its packages: set by <paramref name="configure"/> (again on each call), checked
    /// by <typeparamref name="TValidator"/> when the application starts, and resolvable as <typeparamref name="TOptions"/>
    /// itself.
    /// </summary>
    internal SagasBuilder AddValidatedOptions<TOptions, TValidator>(Action<TOptions>? configure = null)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        var options = Services.AddOptions<TOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        Services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<TOptions>>().Value);
        return this;
    }

    /// <summary>Sets <see cref="SagasOptions"/>.</summary>
    public SagasBuilder Configure(Action<SagasOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>
    /// Adds a step saga. Its state is kept in the configured <see cref="ISagaStore{TState}"/> (in memory unless
    /// a persistence package such as Sagas.Marten replaces it) and it receives on the endpoint named after
    /// <typeparamref name="TState"/>.
    /// </summary>
    public SagasBuilder AddSaga<TMachine, TState>()
        where TMachine : StepSagaStateMachine<TState>
        where TState : StepSagaState, new()
    {
        _sagaStateTypes.Add(typeof(TState));
        _sagaMachineTypes.Add(typeof(TMachine));
        Services.AddHostedService<StepTimerSweeper<TState>>();
        _registrations.Add(x => x.AddSagaStateMachine<TMachine, TState>().Repository(r =>
        {
            r.TryAddSingleton<StoreSagaRepository<TState>>();
            r.TryAddSingleton<ISagaRepositoryContextFactory<TState>>(sp => sp.GetRequiredService<StoreSagaRepository<TState>>());
            r.TryAddSingleton<IQuerySagaRepositoryContextFactory<TState>>(sp => sp.GetRequiredService<StoreSagaRepository<TState>>());
            r.TryAddSingleton<ILoadSagaRepositoryContextFactory<TState>>(sp => sp.GetRequiredService<StoreSagaRepository<TState>>());
        }));
        return this;
    }

    /// <summary>
    /// Makes the store of <typeparamref name="TState"/> (<see cref="ISagaStore{TState}"/>) available without running the
    /// saga in this process: for an API that shows sagas a worker runs.
    /// </summary>
    public SagasBuilder AddSagaState<TState>()
        where TState : StepSagaState, new()
    {
        if (!_sagaStateTypes.Contains(typeof(TState)))
        {
            _sagaStateTypes.Add(typeof(TState));
        }

        return this;
    }

    /// <summary>
    /// Runs <typeparamref name="THandler"/> in this process as the executor of <typeparamref name="TCommand"/>
    /// (a step or a compensation), on an endpoint named after the command (e.g. <c>reserve-inventory</c>) —
    /// unless <see cref="Gateway.StepRoutingOptions"/> routes the command to a function, which then runs it.
    /// </summary>
    public SagasBuilder AddStep<TCommand, TResult, THandler>()
        where TCommand : class
        where THandler : class, IStepHandler<TCommand, TResult>
    {
        Services.TryAddScoped<IStepHandler<TCommand, TResult>, THandler>();
        var endpoint = KebabCase(typeof(TCommand).Name);
        _registrations.Add(x => x.AddConsumer<StepConsumer<TCommand, TResult>>().Endpoint(e => e.Name = endpoint));
        return this;
    }

    /// <summary>
    /// Adds MassTransit bus configuration (observers, extra filters) applied after Sagas' own and before the
    /// endpoints are configured.
    /// </summary>
    public SagasBuilder ConfigureBus(Action<IBusRegistrationContext, IBusFactoryConfigurator> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _busConfigurations.Add(configure);
        return this;
    }

    /// <summary>
    /// Takes <typeparamref name="TCommand"/> from the bus and forwards it to the function that
    /// <see cref="Gateway.StepRoutingOptions"/> routes it to; for steps with no handler in this process.
    /// </summary>
    public SagasBuilder AddFunctionStep<TCommand>()
        where TCommand : class
    {
        var endpoint = KebabCase(typeof(TCommand).Name);
        _registrations.Add(x => x.AddConsumer<StepConsumer<TCommand, Done>>().Endpoint(e => e.Name = endpoint));
        return this;
    }

    /// <summary>Routes step commands to functions; see <see cref="Gateway.StepRoutingOptions"/>.</summary>
    public SagasBuilder RouteSteps(Action<Gateway.StepRoutingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Replaces the transport; for transport packages.</summary>
    public SagasBuilder UseTransport(Action<IBusRegistrationConfigurator, Action<IBusRegistrationContext, IBusFactoryConfigurator>> transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Transport = transport;
        return this;
    }

    internal static string KebabCase(string name) => KebabPattern().Replace(name, "-$1").ToLowerInvariant();

    [GeneratedRegex("(?<!^)([A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex KebabPattern();
}
