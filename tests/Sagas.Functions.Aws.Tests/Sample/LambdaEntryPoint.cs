using Amazon.SQS;
using Microsoft.Extensions.DependencyInjection;
using Sagas.Functions.Aws.Lambda;
using Sagas.Functions.Aws.Tests.Harness;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Aws.Tests.Sample;

/// <summary>
/// How a function project wires an SQS-triggered step function (quoted in the package's PACKAGE.md). Deploy with the
/// handler <c>MyFunctions::MyFunctions.LambdaEntryPoint::FunctionHandlerAsync</c> on the <c>dotnet</c> managed runtime,
/// an SQS trigger with <c>ReportBatchItemFailures</c>, and the environment variables read below.
/// </summary>
public sealed class LambdaEntryPoint : SqsLambdaFunction
{
    private readonly Func<string, string?> _setting;

    /// <summary>The constructor the Lambda runtime calls: settings from the environment.</summary>
    public LambdaEntryPoint()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Settings from elsewhere (tests).</summary>
    internal LambdaEntryPoint(Func<string, string?> setting) => _setting = setting;

    protected override void ConfigureServices(IServiceCollection services)
    {
        // In Lambda, new AmazonSQSClient() takes region and credentials from the environment; AddSqsLambdaHandler
        // registers that client unless one is registered, as here for a local endpoint.
        if (_setting("SQS_SERVICE_URL") is { } serviceUrl)
        {
            services.AddSingleton<IAmazonSQS>(Fauxqs.CreateClientFor(serviceUrl));
        }

        if (_setting("CLAIM_CHECK_DIRECTORY") is { } directory)
        {
            services.AddSingleton<IClaimCheckStore>(new FileSystemClaimCheckStore(directory)); // e.g. an EFS mount
        }

        services.AddSingleton<HandlerProbe>();
        services.AddStepFunctions(functions => functions
            .AddContracts(contracts => contracts.Add(new PackOrderValidator()))
            .AddHandler<PackOrder, OrderPacked, PackOrderHandler>()
            .Configure(o => o.Source = new Uri("/checkout/functions/pack-order", UriKind.Relative))
            .AddSqsLambdaHandler(o =>
            {
                o.ReplyQueueUrl = _setting("REPLY_QUEUE_URL");
                o.DeadLetterQueueUrl = _setting("DEAD_LETTER_QUEUE_URL");
            }));
    }
}
