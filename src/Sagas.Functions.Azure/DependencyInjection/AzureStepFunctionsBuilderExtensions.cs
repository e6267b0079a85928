using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sagas.Functions;
using Sagas.Functions.Azure.HttpTrigger;
using Sagas.Functions.Azure.QueueTrigger;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Http;
using Sagas.Functions.Runner;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The Sagas.Functions.Azure entry point: triggers for an Azure Functions app (isolated worker).</summary>
public static class AzureStepFunctionsBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="StepQueueTrigger"/> (singleton) and its options, validated at start. An
    /// <see cref="IClaimCheckStore"/>, when registered, redeems claim checks and carries large replies. Calling it again
    /// configures the same options.
    /// </summary>
    /// <param name="functions">The step functions of the application.</param>
    /// <param name="configure">Sets the storage account, the reply queue and the dequeue limit.</param>
    /// <returns><paramref name="functions"/>, for chaining.</returns>
    public static StepFunctionsBuilder AddAzureQueueTrigger(this StepFunctionsBuilder functions, Action<StepQueueTriggerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var services = functions.AddHostOptions<StepQueueTriggerOptions, StepQueueTriggerOptionsValidator>(configure).Services;
        services.TryAddSingleton(sp => new StepQueueTrigger(
            sp.GetRequiredService<StepFunctionRunner>(),
            sp.GetRequiredService<IOptions<StepQueueTriggerOptions>>().Value,
            sp.GetService<IClaimCheckStore>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<StepQueueTrigger>>()));
        return functions;
    }

    /// <summary>
    /// Adds <see cref="StepHttpTrigger"/> (singleton), which serves the HTTP CloudEvents protocol of
    /// <c>MapStepFunctions</c> with the same <see cref="StepFunctionHttpOptions"/> (set them with
    /// <see cref="StepFunctionsBuilder.ConfigureHttp"/>). Calling it again is a no-op.
    /// </summary>
    /// <param name="functions">The step functions of the application.</param>
    /// <returns><paramref name="functions"/>, for chaining.</returns>
    public static StepFunctionsBuilder AddAzureHttpTrigger(this StepFunctionsBuilder functions)
    {
        ArgumentNullException.ThrowIfNull(functions);
        functions.Services.TryAddSingleton(sp => new StepHttpTrigger(
            sp.GetRequiredService<StepFunctionRunner>(),
            sp.GetRequiredService<IOptions<StepFunctionHttpOptions>>().Value));
        return functions;
    }
}
