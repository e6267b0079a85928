using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sagas.Contracts;
using Sagas.Functions.Http;
using Sagas.Functions.Runner;
using Sagas.Steps;

namespace Sagas.Functions;

/// <summary>
/// Configures the step functions of an application: the commands it accepts, their handlers and the options.
/// Obtained from <see cref="StepFunctionsServiceCollectionExtensions.AddStepFunctions"/>.
/// </summary>
public sealed class StepFunctionsBuilder
{
    private readonly Dictionary<Type, StepHandlerInvoker> _handlers = [];

    internal StepFunctionsBuilder(IServiceCollection services)
    {
        Services = services;
        Contracts = new ContractRegistry().AddStepContracts();
    }

    /// <summary>The service collection, for integrations (e.g. to register a durable <see cref="Inbox.IStepInbox"/>).</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// The contracts this endpoint knows: the step commands of the registered handlers and the replies
    /// (<see cref="StepCompleted"/>, <see cref="StepFailed"/>). Kept apart from any <see cref="ContractRegistry"/> in the
    /// service collection, so functions and a Sagas application can share one process.
    /// </summary>
    public ContractRegistry Contracts { get; }

    internal IReadOnlyDictionary<Type, StepHandlerInvoker> Handlers => _handlers;

    /// <summary>Registers contracts, typically the step commands with their validators (validation happens before the handler runs).</summary>
    public StepFunctionsBuilder AddContracts(Action<ContractRegistry> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(Contracts);
        return this;
    }

    /// <summary>
    /// Runs <typeparamref name="THandler"/> (scoped: one instance per command) for commands of type
    /// <typeparamref name="TCommand"/>. The command is registered as a contract if it is not yet; register it with its
    /// validator through <see cref="AddContracts"/> to validate it. Adding the same handler again is a no-op.
    /// </summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="TCommand"/> is not a contract, or already has another handler.</exception>
    public StepFunctionsBuilder AddHandler<TCommand, TResult, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>()
        where TCommand : class
        where THandler : class, IStepHandler<TCommand, TResult>
    {
        if (_handlers.TryGetValue(typeof(TCommand), out var existing))
        {
            if (existing.HandlerType == typeof(THandler) && existing is StepHandlerInvoker<TCommand, TResult>)
            {
                return this;
            }

            throw new InvalidOperationException($"{typeof(TCommand).Name} already has the step handler {existing.HandlerType.Name}: a command has exactly one handler per endpoint.");
        }

        Contracts.Add(typeof(TCommand));
        Services.TryAddScoped<IStepHandler<TCommand, TResult>, THandler>();
        _handlers[typeof(TCommand)] = new StepHandlerInvoker<TCommand, TResult>(typeof(THandler));
        return this;
    }

    /// <summary>Sets <see cref="StepFunctionOptions"/> (reply source, endpoint name, inbox retention).</summary>
    public StepFunctionsBuilder Configure(Action<StepFunctionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Sets <see cref="StepFunctionHttpOptions"/> (size limit, signature secret, webhook origins) of the HTTP host.</summary>
    public StepFunctionsBuilder ConfigureHttp(Action<StepFunctionHttpOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>
    /// Adds a host's options, set by <paramref name="configure"/> (again on each call) and checked by
    /// <typeparamref name="TValidator"/> when the application starts.
    /// </summary>
    internal StepFunctionsBuilder AddHostOptions<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(Action<TOptions> configure)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddOptions<TOptions>().Configure(configure).ValidateOnStart();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return this;
    }
}
