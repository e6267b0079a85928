using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sagas.CloudEvents;
using Sagas.Functions;
using Sagas.Functions.Http;
using Sagas.Functions.Inbox;
using Sagas.Functions.Runner;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The Sagas.Functions entry point.</summary>
public static class StepFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the step function runner (<see cref="StepFunctionRunner"/>), the options of the runner and of the HTTP host
    /// (validated at start), and an <see cref="InMemoryStepInbox"/> unless an <see cref="IStepInbox"/> is already
    /// registered. Calling it again configures the same builder, so integrations can add to it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Registers handlers and contracts and sets options.</param>
    /// <returns>The builder, for further configuration.</returns>
    public static StepFunctionsBuilder AddStepFunctions(this IServiceCollection services, Action<StepFunctionsBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.FirstOrDefault(d => d.ServiceType == typeof(StepFunctionsBuilder))?.ImplementationInstance as StepFunctionsBuilder;
        if (builder is null)
        {
            builder = new StepFunctionsBuilder(services);
            services.AddSingleton(builder);
            AddServices(services, builder);
        }

        configure(builder);
        return builder;
    }

    private static void AddServices(IServiceCollection services, StepFunctionsBuilder builder)
    {
        services.AddOptions<StepFunctionOptions>().ValidateOnStart();
        services.AddOptions<StepFunctionHttpOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StepFunctionOptions>, StepFunctionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StepFunctionHttpOptions>, StepFunctionHttpOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStepInbox>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StepFunctionOptions>>().Value;
            return new InMemoryStepInbox(sp.GetRequiredService<TimeProvider>(), options.InboxRetention, options.InboxClaimTimeout);
        });
        services.TryAddSingleton(sp => new StepFunctionRunner(
            new CloudEventConverter(builder.Contracts),
            builder.Handlers.ToDictionary(),
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<IStepInbox>(),
            sp.GetRequiredService<IOptions<StepFunctionOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<StepFunctionRunner>() ?? NullLogger<StepFunctionRunner>.Instance));
    }
}
