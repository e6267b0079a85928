using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sagas.Functions.Aws.Lambda;

/// <summary>
/// The base of a Lambda function project's entry point: derive, register the step functions in
/// <see cref="ConfigureServices"/>, and name <see cref="FunctionHandlerAsync"/> as the handler
/// (<c>MyFunctions::MyFunctions.LambdaEntryPoint::FunctionHandlerAsync</c>). The .NET Lambda runtime creates the class once
/// per execution environment with its public parameterless constructor and calls the method per invocation, passing the
/// payload as a <see cref="Stream"/>: no <c>Amazon.Lambda.*</c> package is needed.
/// </summary>
/// <remarks>
/// The service provider is built on the first invocation (part of the cold start) and its options are validated then, so a
/// misconfigured function fails its first invocation with a message naming the setting. Lambda ends an invocation at the
/// function timeout; records not finished by then come back after the queue's visibility timeout, and the inbox answers
/// those that did finish with their stored reply.
/// </remarks>
public abstract class SqsLambdaFunction
{
    private readonly Lazy<(IServiceProvider Services, SqsLambdaHandler Handler)> _host;

    /// <summary>Creates the entry point; nothing is built until the first invocation.</summary>
    protected SqsLambdaFunction()
    {
        _host = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The function's services, built on first use.</summary>
    public IServiceProvider Services => _host.Value.Services;

    /// <summary>The Lambda handler method: an SQS event in, a partial batch response out (see <see cref="SqsLambdaHandler"/>).</summary>
    /// <param name="input">The invocation payload.</param>
    /// <returns>The partial batch response.</returns>
    public Task<Stream> FunctionHandlerAsync(Stream input) => _host.Value.Handler.HandleAsync(input, CancellationToken.None);

    /// <summary>
    /// Registers what the function needs: <c>AddStepFunctions(…)</c> with its handlers and <c>AddSqsLambdaHandler(…)</c>;
    /// optionally an <c>IAmazonSQS</c> (default: <c>new AmazonSQSClient()</c>, configured by the Lambda environment),
    /// an <see cref="ClaimCheck.IClaimCheckStore"/>, a durable <see cref="Inbox.IStepInbox"/> and logging.
    /// </summary>
    /// <param name="services">The empty service collection of the function.</param>
    protected abstract void ConfigureServices(IServiceCollection services);

    private (IServiceProvider, SqsLambdaHandler) Build()
    {
        var services = new ServiceCollection();
        ConfigureServices(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetService<IStartupValidator>()?.Validate();
        return (provider, provider.GetRequiredService<SqsLambdaHandler>());
    }
}
