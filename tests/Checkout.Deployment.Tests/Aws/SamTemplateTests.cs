using System.Reflection;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Checkout.Deployment.Tests.Harness;
using Checkout.Lambda;
using Checkout.Steps;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using YamlDotNet.RepresentationModel;

namespace Checkout.Deployment.Tests.Aws;

/// <summary>deploy/aws/template.yaml deploys samples/Checkout.Lambda the way its code and SQS need.</summary>
public sealed class SamTemplateTests
{
    private const string File = SamTemplate.FileName;

    [Fact]
    public void The_template_is_a_sam_template_with_one_function()
    {
        var template = new SamTemplate();
        Assert.True(template.Root.Text("Transform") == "AWS::Serverless-2016-10-31", $"{File}: Transform is '{template.Root.Text("Transform")}', not AWS::Serverless-2016-10-31.");
        Assert.True(template.Resources("AWS::Serverless::Function").Count() == 1, $"{File}: expected one AWS::Serverless::Function.");
    }

    [Fact]
    public void The_handler_names_a_public_stream_to_stream_method_the_runtime_can_call()
    {
        var (id, function) = Function();
        var handler = function.Text("Properties", "Handler")!;
        var parts = handler.Split("::");
        Assert.True(parts.Length == 3, $"{File}: {id} Handler '{handler}' is not Assembly::Namespace.Type::Method.");

        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(parts[0]));
        }
        catch (FileNotFoundException)
        {
            Assert.Fail($"{File}: {id} Handler names assembly '{parts[0]}', which is not Checkout.Lambda's ({typeof(CheckoutStepsFunction).Assembly.GetName().Name}).");
            return;
        }

        var type = assembly.GetType(parts[1], throwOnError: false);
        Assert.True(type is not null, $"{File}: {id} Handler names type '{parts[1]}', which {parts[0]} does not define (public types: {string.Join(", ", assembly.GetExportedTypes().Select(t => t.FullName))}).");
        Assert.True(type.IsPublic && !type.IsAbstract, $"{File}: {id} Handler type {type} must be public and not abstract.");
        var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static).Where(m => m.Name == parts[2]).ToList();
        Assert.True(methods.Count == 1, $"{File}: {id} Handler method '{parts[2]}': {type} has {methods.Count} public methods of that name, expected one.");
        var method = methods[0];
        if (!method.IsStatic)
        {
            Assert.True(type.GetConstructor(Type.EmptyTypes) is { IsPublic: true }, $"{File}: {type} needs a public parameterless constructor: the Lambda runtime creates it.");
        }

        var parameters = method.GetParameters();
        Assert.True(parameters.Length == 1 && parameters[0].ParameterType == typeof(Stream),
            $"{File}: {id} Handler {type}.{method.Name}({string.Join(", ", parameters.Select(p => p.ParameterType.Name))}) should take one Stream: no Lambda serializer is deployed.");
        Assert.True(method.ReturnType == typeof(Stream) || method.ReturnType == typeof(Task<Stream>),
            $"{File}: {id} Handler {type}.{method.Name} returns {method.ReturnType}, expected Stream or Task<Stream>.");
    }

    [Fact]
    public void The_code_uri_is_the_project_that_builds_the_handler_assembly_for_the_runtime()
    {
        var (id, function) = Function();
        var codeUri = function.Text("Properties", "CodeUri")!;
        var directory = Path.GetFullPath(Path.Combine(Repository.PathOf("deploy", "aws"), codeUri));
        var project = ProjectSources.TryLoad(Repository.Relative(directory));
        Assert.True(project is not null, $"{File}: {id} CodeUri {codeUri} is {Repository.Relative(directory)}, which holds no project file.");
        var assembly = function.Text("Properties", "Handler")!.Split("::")[0];
        Assert.True(project.AssemblyName == assembly, $"{File}: {id} CodeUri builds {project.AssemblyName}, the Handler names assembly {assembly}.");

        var framework = System.Xml.Linq.XDocument.Load(Repository.PathOf("Directory.Build.props")).Descendants("TargetFramework").Single().Value; // net10.0
        var runtime = "dotnet" + framework["net".Length..].Split('.')[0];
        Assert.True(function.Text("Properties", "Runtime") == runtime, $"{File}: {id} Runtime is {function.Text("Properties", "Runtime")}, the projects target {framework} ({runtime}).");
    }

    [Fact]
    public void Every_sqs_trigger_reports_batch_item_failures_from_a_queue_of_the_template()
    {
        var (id, function) = Function();
        var events = function.Entries("Properties", "Events").Where(e => e.Value.Text("Type") == "SQS").ToList();
        Assert.True(events.Count > 0, $"{File}: {id} has no SQS event.");
        foreach (var (name, trigger) in events)
        {
            var types = trigger.Items("Properties", "FunctionResponseTypes").Select(t => t.Text()).ToList();
            Assert.True(types.Contains("ReportBatchItemFailures"),
                $"{File}: {id} event {name} lacks FunctionResponseTypes: [ReportBatchItemFailures]; Lambda would delete the records the handler lists for another try.");
            var queue = SamTemplate.ReferencedResource(trigger.At("Properties", "Queue")!);
            Assert.True(queue is not null && new SamTemplate().Resource(queue)?.Text("Type") == "AWS::SQS::Queue", $"{File}: {id} event {name} reads '{queue}', which is no queue of the template.");
        }
    }

    [Fact]
    public void Every_trigger_queue_hides_messages_six_function_timeouts_and_redrives_to_a_longer_kept_dead_letter_queue()
    {
        var template = new SamTemplate();
        var (id, function) = Function();
        var timeout = int.Parse(function.Text("Properties", "Timeout") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, trigger) in function.Entries("Properties", "Events").Where(e => e.Value.Text("Type") == "SQS"))
        {
            var window = int.Parse(trigger.Text("Properties", "MaximumBatchingWindowInSeconds") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            var queueId = SamTemplate.ReferencedResource(trigger.At("Properties", "Queue")!)!;
            var queue = template.Resource(queueId)!;
            var visibility = int.Parse(queue.Text("Properties", "VisibilityTimeout") ?? "30", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(visibility >= (6 * timeout) + window,
                $"{File}: {queueId} VisibilityTimeout {visibility} s is below 6 x {id} Timeout ({timeout} s) + batching window ({window} s) = {(6 * timeout) + window} s.");

            var redrive = queue.At("Properties", "RedrivePolicy");
            Assert.True(redrive is not null, $"{File}: {queueId} has no RedrivePolicy; a record that keeps failing would circle until it expires.");
            var receives = int.Parse(redrive.Text("maxReceiveCount") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(receives is >= 1 and <= 1000, $"{File}: {queueId} RedrivePolicy.maxReceiveCount is {receives}, expected 1 to 1000.");
            var dlqId = SamTemplate.ReferencedResource(redrive.At("deadLetterTargetArn")!);
            var dlq = dlqId is null ? null : template.Resource(dlqId);
            Assert.True(dlq?.Text("Type") == "AWS::SQS::Queue", $"{File}: {queueId} redrives to '{dlqId}', which is no queue of the template.");
            var kept = int.Parse(dlq.Text("Properties", "MessageRetentionPeriod") ?? "345600", System.Globalization.CultureInfo.InvariantCulture);
            var source = int.Parse(queue.Text("Properties", "MessageRetentionPeriod") ?? "345600", System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(kept > source, $"{File}: {dlqId} keeps messages {kept} s, not longer than {queueId} ({source} s); a moved message keeps its enqueue time and would expire early.");
        }
    }

    [Fact]
    public void The_function_may_send_to_the_reply_and_dead_letter_queues_its_environment_names()
    {
        var (id, function) = Function();
        var allowed = function.Items("Properties", "Policies")
            .Select(p => p.At("SQSSendMessagePolicy", "QueueName"))
            .Where(q => q is not null)
            .Select(q => SamTemplate.ReferencedResource(q!))
            .ToHashSet();
        foreach (var variable in new[] { CheckoutStepsFunction.ReplyQueueUrlVariable, CheckoutStepsFunction.DeadLetterQueueUrlVariable })
        {
            var value = function.At("Properties", "Environment", "Variables", variable);
            Assert.True(value is not null, $"{File}: {id} does not set {variable}, which Checkout.Lambda reads.");
            var queue = SamTemplate.ReferencedResource(value);
            Assert.True(queue is not null && allowed.Contains(queue),
                $"{File}: {id} sends to {variable} = {queue ?? value.ToString()}, but has no SQSSendMessagePolicy for it (allowed: {string.Join(", ", allowed)}).");
        }
    }

    [Fact]
    public void Every_environment_variable_is_a_setting_the_lambda_reads()
    {
        var (id, function) = Function();
        var project = ProjectSources.Load("samples/Checkout.Lambda");
        var unread = function.Entries("Properties", "Environment", "Variables")
            .Select(v => (v.Key, Why: ConfigurationKeys.WhyNotRead(v.Key, project)))
            .Where(x => x.Why is not null)
            .ToList();
        Assert.True(unread.Count == 0, $"{File}: {id} sets variables Checkout.Lambda does not read:{Environment.NewLine}" +
            string.Join(Environment.NewLine, unread.Select(x => $"  {x.Key}: {x.Why}")));
    }

    public static TheoryData<string, string> ParameterSets() => new()
    {
        { "https://crm.example.com/orders", "" },
        { "https://crm.example.com/orders", "smtp.example.com" },
    };

    [Theory]
    [MemberData(nameof(ParameterSets))]
    public async Task The_function_starts_with_the_template_environment_and_answers_an_empty_batch(string crmUrl, string smtpHost)
    {
        var template = new SamTemplate(new Dictionary<string, string> { ["CrmUrl"] = crmUrl, ["SmtpHost"] = smtpHost });
        var environment = template.Environment(Function().Node);
        var function = Start(environment);
        try
        {
            using var output = await function.FunctionHandlerAsync(new MemoryStream("""{"Records":[]}"""u8.ToArray()));
            using var response = await JsonDocument.ParseAsync(output);
            Assert.Equal(0, response.RootElement.GetProperty("batchItemFailures").GetArrayLength());

            var options = function.Services.GetRequiredService<IOptions<CheckoutStepsOptions>>().Value;
            Assert.Equal(new Uri(crmUrl), options.CrmUrl);
            Assert.Equal(smtpHost.Length == 0 ? null : smtpHost, options.Smtp.Host);
            Assert.Equal(environment["Checkout__OutputDirectory"], options.OutputDirectory);
            Assert.StartsWith("/tmp/", options.OutputDirectory, StringComparison.Ordinal); // the only writable path in Lambda
            Assert.StartsWith("/tmp/", options.PickupDirectory, StringComparison.Ordinal);
        }
        finally
        {
            await ((IAsyncDisposable)function.Services).DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_the_crm_url_the_first_invocation_fails_naming_the_setting()
    {
        // The check above would pass vacuously if the function did not validate what the template sets.
        var environment = new SamTemplate(new Dictionary<string, string> { ["CrmUrl"] = "https://crm.example.com/orders" }).Environment(Function().Node)
            .Where(v => v.Key != "Checkout__CrmUrl")
            .ToDictionary();
        var function = Start(environment);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => function.FunctionHandlerAsync(new MemoryStream("""{"Records":[]}"""u8.ToArray())));
        Assert.Contains("Checkout:CrmUrl", error.Message, StringComparison.Ordinal);
    }

    private static CheckoutStepsFunction Start(IReadOnlyDictionary<string, string> environment)
    {
        // What the environment-variable configuration provider makes of the variables: A__B is the key A:B.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value)))
            .Build();
        var sqs = new AmazonSQSClient(new AnonymousAWSCredentials(), new AmazonSQSConfig { ServiceURL = "http://127.0.0.1:9", AuthenticationRegion = "us-east-1" });
        return new CheckoutStepsFunction(configuration, sqs);
    }

    private static (string Id, YamlNode Node) Function() => new SamTemplate().Resources("AWS::Serverless::Function").Single();
}
