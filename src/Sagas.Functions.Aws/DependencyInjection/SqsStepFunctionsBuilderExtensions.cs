using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sagas.Functions;
using Sagas.Functions.Aws.Lambda;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Runner;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The Sagas.Functions.Aws entry point.</summary>
public static class SqsStepFunctionsBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="SqsLambdaHandler"/> (singleton) and its options (validated at start), and an <see cref="IAmazonSQS"/>
    /// from the environment (<c>new AmazonSQSClient()</c>) unless one is registered. An <see cref="IClaimCheckStore"/>, when
    /// registered, redeems claim checks and carries large replies. Calling it again configures the same options.
    /// </summary>
    /// <param name="functions">The step functions of the application.</param>
    /// <param name="configure">Sets the reply and dead-letter queues.</param>
    /// <returns><paramref name="functions"/>, for chaining.</returns>
    public static StepFunctionsBuilder AddSqsLambdaHandler(this StepFunctionsBuilder functions, Action<SqsLambdaOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var services = functions.AddHostOptions<SqsLambdaOptions, SqsLambdaOptionsValidator>(configure).Services;
        services.TryAddSingleton<IAmazonSQS>(_ => new AmazonSQSClient());
        services.TryAddSingleton(sp => new SqsLambdaHandler(
            sp.GetRequiredService<StepFunctionRunner>(),
            sp.GetRequiredService<IAmazonSQS>(),
            sp.GetRequiredService<IOptions<SqsLambdaOptions>>().Value,
            sp.GetService<IClaimCheckStore>(),
            sp.GetService<ILogger<SqsLambdaHandler>>()));
        return functions;
    }
}
