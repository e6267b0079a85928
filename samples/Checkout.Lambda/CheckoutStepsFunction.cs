using Amazon.SQS;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sagas.Functions.Aws.Lambda;

namespace Checkout.Lambda;

/// <summary>
/// The Lambda entry point of the checkout's retriable steps (GenerateInvoice, SendConfirmation, UpdateCrm): an SQS event
/// in, a partial batch response out. Handler: <c>Checkout.Lambda::Checkout.Lambda.CheckoutStepsFunction::FunctionHandlerAsync</c>
/// (inherited from <see cref="SqsLambdaFunction"/>), on the <c>dotnet10</c> managed runtime.
/// </summary>
/// <remarks>
/// Settings come from environment variables (deploy/aws/template.yaml sets them): <c>REPLY_QUEUE_URL</c> and
/// <c>DEAD_LETTER_QUEUE_URL</c> for the SQS handler, and the <c>Checkout</c> section of the steps in the usual .NET form
/// (<c>Checkout__CrmUrl</c>, <c>Checkout__OutputDirectory</c>, <c>Checkout__PickupDirectory</c>, <c>Checkout__Smtp__Host</c>,
/// <c>Checkout__Smtp__Port</c>, ...). A missing or wrong setting fails the first invocation with a message naming it.
/// </remarks>
public sealed class CheckoutStepsFunction : SqsLambdaFunction
{
    /// <summary>The environment variable with the URL of the queue replies go to.</summary>
    public const string ReplyQueueUrlVariable = "REPLY_QUEUE_URL";

    /// <summary>The environment variable with the URL of the queue rejected commands go to, with their reasons.</summary>
    public const string DeadLetterQueueUrlVariable = "DEAD_LETTER_QUEUE_URL";

    private readonly IConfiguration _configuration;
    private readonly IAmazonSQS? _sqs;

    /// <summary>The constructor the Lambda runtime calls: settings from the environment, SQS client from the Lambda environment.</summary>
    public CheckoutStepsFunction()
        : this(new ConfigurationBuilder().AddEnvironmentVariables().Build(), sqs: null)
    {
    }

    /// <summary>Settings and SQS client from elsewhere (tests).</summary>
    internal CheckoutStepsFunction(IConfiguration configuration, IAmazonSQS? sqs)
    {
        _configuration = configuration;
        _sqs = sqs;
    }

    /// <inheritdoc />
    protected override void ConfigureServices(IServiceCollection services)
    {
        // Lambda sends stdout to CloudWatch Logs, which stamps the time.
        services.AddLogging(logging => logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.IncludeScopes = false;
        }));
        services.AddSingleton(_configuration);
        if (_sqs is not null)
        {
            services.AddSingleton(_sqs); // AddSqsLambdaHandler adds new AmazonSQSClient() otherwise
        }

        services.AddStepFunctions(functions => functions
            .AddCheckoutSteps(_configuration)
            .Configure(options =>
            {
                options.Source = new Uri("/checkout/functions", UriKind.Relative);
                options.EndpointName = "checkout-lambda";
            })
            .AddSqsLambdaHandler(options =>
            {
                options.ReplyQueueUrl = _configuration[ReplyQueueUrlVariable];
                options.DeadLetterQueueUrl = _configuration[DeadLetterQueueUrlVariable];
            }));
    }
}
