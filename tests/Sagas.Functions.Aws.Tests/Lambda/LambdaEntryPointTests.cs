using System.Reflection;
using Microsoft.Extensions.Options;
using Sagas.Functions.Aws.Tests.Harness;
using Sagas.Functions.Aws.Tests.Sample;

namespace Sagas.Functions.Aws.Tests.Lambda;

/// <summary>The sample entry point, invoked the way the .NET Lambda runtime invokes a handler string.</summary>
public class LambdaEntryPointTests
{
    private const string Prefix = "entrypoint";

    /// <summary>What the runtime does with <c>Assembly::Type::Method</c>: create the type, find the method, pass the payload stream.</summary>
    private static async Task<string> InvokeAsRuntimeAsync(object function, Stream payload)
    {
        var method = function.GetType().GetMethod("FunctionHandlerAsync", BindingFlags.Public | BindingFlags.Instance)!;
        Assert.Equal([typeof(Stream)], method.GetParameters().Select(p => p.ParameterType));
        using var output = await (Task<Stream>)method.Invoke(function, [payload])!;
        return await new StreamReader(output).ReadToEndAsync();
    }

    [Fact]
    public void The_runtime_can_create_the_entry_point_with_its_parameterless_constructor()
    {
        Assert.NotNull(Activator.CreateInstance(typeof(LambdaEntryPoint)));
    }

    [Fact]
    public async Task The_entry_point_runs_an_sqs_batch_end_to_end()
    {
        await using var sqs = new Fauxqs(Prefix);
        var settings = new Dictionary<string, string?>
        {
            ["SQS_SERVICE_URL"] = Fauxqs.Endpoint,
            ["REPLY_QUEUE_URL"] = await sqs.CreateQueueAsync("replies"),
            ["DEAD_LETTER_QUEUE_URL"] = await sqs.CreateQueueAsync("dead-letters"),
        };
        var requests = await sqs.CreateQueueAsync("requests");
        var command = Commands.PackOrder(Guid.NewGuid());
        await sqs.Client.SendMessageAsync(requests, System.Text.Encoding.UTF8.GetString(Commands.Converter.EncodeStructured(command).Span));
        var payload = Fauxqs.LambdaEvent(requests, await sqs.ReceiveAsync(requests));

        var response = await InvokeAsRuntimeAsync(new LambdaEntryPoint(name => settings.GetValueOrDefault(name)), payload);

        Assert.Equal("""{"batchItemFailures":[]}""", response);
        var reply = Assert.Single(await sqs.ReceiveAsync(settings["REPLY_QUEUE_URL"]!));
        Assert.Contains(command.Id!, reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_misconfigured_function_fails_its_first_invocation_naming_the_settings()
    {
        var function = new LambdaEntryPoint(_ => null);

        var error = await Assert.ThrowsAsync<TargetInvocationException>(() => InvokeAsRuntimeAsync(function, VectorFiles.Open("aws-sqs-event.json")));

        var validation = Assert.IsType<OptionsValidationException>(error.InnerException);
        Assert.Contains("SqsLambdaOptions.ReplyQueueUrl is required", validation.Message, StringComparison.Ordinal);
        Assert.Contains("SqsLambdaOptions.DeadLetterQueueUrl is required", validation.Message, StringComparison.Ordinal);
    }
}
