using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Sagas.Functions.Azure.HttpTrigger;
using Sagas.Functions.Azure.QueueTrigger;

namespace Checkout.Functions;

/// <summary>
/// The function classes the host invokes. Each queue-triggered function hands its message to the
/// <see cref="StepQueueTrigger"/>, which runs the step and sends the reply to the reply queue; a command that can never
/// run, or one still failing on delivery 5 (host.json), goes to <c>&lt;queue&gt;-poison</c> with its reason.
/// </summary>
public sealed class CheckoutStepFunctions(StepQueueTrigger queue, StepHttpTrigger http)
{
    /// <summary>The queue of GenerateInvoice commands.</summary>
    public const string GenerateInvoiceQueue = "checkout-generate-invoice";

    /// <summary>The queue of SendConfirmation commands.</summary>
    public const string SendConfirmationQueue = "checkout-send-confirmation";

    /// <summary>The queue of UpdateCrm commands.</summary>
    public const string UpdateCrmQueue = "checkout-update-crm";

    [Function("GenerateInvoice")]
    public async Task GenerateInvoice([QueueTrigger(GenerateInvoiceQueue)] QueueMessage message, CancellationToken cancellationToken)
        => await queue.RunAsync(GenerateInvoiceQueue, message, cancellationToken);

    [Function("SendConfirmation")]
    public async Task SendConfirmation([QueueTrigger(SendConfirmationQueue)] QueueMessage message, CancellationToken cancellationToken)
        => await queue.RunAsync(SendConfirmationQueue, message, cancellationToken);

    [Function("UpdateCrm")]
    public async Task UpdateCrm([QueueTrigger(UpdateCrmQueue)] string message, FunctionContext context)
        => await queue.RunAsync(UpdateCrmQueue, message, context); // bound as text: the metadata comes from the binding data

    /// <summary>Every step over HTTP (binary or structured CloudEvents), and the webhook handshake for Event Grid.</summary>
    [Function("Steps")]
    public Task<HttpResponseData> Steps([HttpTrigger(AuthorizationLevel.Function, "post", "options", Route = "steps")] HttpRequestData request)
        => http.RunAsync(request);
}
