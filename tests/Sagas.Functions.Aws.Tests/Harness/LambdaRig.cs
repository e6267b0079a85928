using Amazon.SQS;
using Amazon.SQS.Model;
using CloudNative.CloudEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sagas.Functions.Aws.Channel;
using Sagas.Functions.Aws.Lambda;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Inbox;

namespace Sagas.Functions.Aws.Tests.Harness;

/// <summary>
/// Both ends of a step behind SQS on fauxqs: a <see cref="SqsStepChannel"/> (the saga side) and an
/// <see cref="SqsLambdaHandler"/> registered as a function app would register it. <see cref="DeliverAsync"/> plays the
/// Lambda event source mapping: it receives from the request queue and invokes the handler with the SQS event.
/// </summary>
public sealed class LambdaRig : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private LambdaRig(Fauxqs sqs, ServiceProvider services, SqsStepChannel channel, string requestQueue, string replyQueue, string deadLetterQueue)
    {
        Sqs = sqs;
        _services = services;
        Channel = channel;
        RequestQueue = requestQueue;
        ReplyQueue = replyQueue;
        DeadLetterQueue = deadLetterQueue;
    }

    public Fauxqs Sqs { get; }

    public SqsStepChannel Channel { get; }

    public string RequestQueue { get; }

    public string ReplyQueue { get; }

    public string DeadLetterQueue { get; }

    public SqsLambdaHandler Handler => _services.GetRequiredService<SqsLambdaHandler>();

    public HandlerProbe Probe => _services.GetRequiredService<HandlerProbe>();

    public static async Task<LambdaRig> StartAsync(
        string classPrefix,
        bool fifo = false,
        IClaimCheckStore? claimChecks = null,
        Action<SqsLambdaOptions>? lambda = null,
        Action<SqsStepChannelOptions>? channel = null,
        IStepInbox? inbox = null)
    {
        var sqs = new Fauxqs(classPrefix);
        var requestQueue = await sqs.CreateQueueAsync("requests", fifo);
        var replyQueue = await sqs.CreateQueueAsync("replies", fifo);
        var deadLetterQueue = await sqs.CreateQueueAsync("dead-letters", fifo);

        var services = new ServiceCollection();
        services.AddSingleton<HandlerProbe>();
        services.AddSingleton<IAmazonSQS>(sqs.Client);
        if (claimChecks is not null)
        {
            services.AddSingleton(claimChecks);
        }

        if (inbox is not null)
        {
            services.AddSingleton(inbox);
        }

        services.AddStepFunctions(f => f
            .AddContracts(c => c.Add(new PackOrderValidator()).Add<AuditNote>())
            .AddHandler<PackOrder, OrderPacked, PackOrderHandler>()
            .Configure(o => o.Source = new Uri("/tests/aws-functions", UriKind.Relative))
            .AddSqsLambdaHandler(o =>
            {
                o.ReplyQueueUrl = replyQueue;
                o.DeadLetterQueueUrl = deadLetterQueue;
                lambda?.Invoke(o);
            }));
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();

        var channelOptions = new SqsStepChannelOptions { RequestQueueUrl = requestQueue, ReplyQueueUrl = replyQueue, ReceiveWaitTime = TimeSpan.FromSeconds(5) };
        channel?.Invoke(channelOptions);
        return new LambdaRig(sqs, provider, new SqsStepChannel(sqs.Client, channelOptions, claimChecks), requestQueue, replyQueue, deadLetterQueue);
    }

    /// <summary>Receives up to <paramref name="max"/> messages from the request queue (waiting for the first) as one Lambda event.</summary>
    public async Task<(List<Message> Messages, MemoryStream Event)> ReceiveEventAsync(int max = 10)
    {
        var messages = await Sqs.ReceiveAsync(RequestQueue, max: max);
        Assert.NotEmpty(messages);
        return (messages, Fauxqs.LambdaEvent(RequestQueue, messages));
    }

    /// <summary>One Lambda invocation with what the request queue holds; returns the partial batch response as JSON text.</summary>
    public async Task<string> DeliverAsync(int max = 10)
    {
        var (_, lambdaEvent) = await ReceiveEventAsync(max);
        return await InvokeAsync(lambdaEvent);
    }

    public async Task<string> InvokeAsync(Stream lambdaEvent)
    {
        using var response = await Handler.HandleAsync(lambdaEvent);
        return await new StreamReader(response).ReadToEndAsync();
    }

    /// <summary>Receives one batch of replies through the channel.</summary>
    public async Task<List<CloudEvent>> RepliesAsync()
    {
        var replies = new List<CloudEvent>();
        await Channel.ReceiveRepliesAsync((reply, _) =>
        {
            replies.Add(reply);
            return Task.CompletedTask;
        });
        return replies;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Sqs.DisposeAsync();
    }
}
