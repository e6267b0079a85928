using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using CloudNative.CloudEvents;
using Sagas.Functions.Azure.Channel;
using Sagas.Functions.Azure.Tests.Harness;
using Xunit.Abstractions;

namespace Sagas.Functions.Azure.Tests.RoundTrip;

/// <summary>
/// Both sides together on Azurite: the container side's channel sends commands, a Functions host (the test double)
/// delivers them to the queue trigger, whose replies the channel's listener hands back. Prints the round-trip latency.
/// </summary>
public sealed class StorageQueueRoundTripTests(ITestOutputHelper output)
{
    private const int Messages = 100;

    [Fact]
    public async Task Every_command_sent_through_the_channel_comes_back_as_its_reply()
    {
        var names = new QueueNames("trip");
        var options = new StorageQueueStepChannelOptions
        {
            ConnectionString = Azurite.ConnectionString,
            RequestQueueName = names.New("req"),
            ReplyQueueName = names.New("rep"),
            MinPollingInterval = TimeSpan.FromMilliseconds(1),
            MaxPollingInterval = TimeSpan.FromMilliseconds(10),
        };
        var channel = new StorageQueueStepChannel(options);
        await using var app = new FunctionApp(options.ReplyQueueName);
        var host = new FunctionsQueueHost(options.RequestQueueName, 5, (m, ct) => app.QueueTrigger.RunAsync(options.RequestQueueName, m, ct));

        var waiting = new ConcurrentDictionary<string, TaskCompletionSource<CloudEvent>>();
        using var stop = new CancellationTokenSource();
        var listening = channel.ListenAsync(
            (reply, _) =>
            {
                if (reply["causationid"] is string causation && waiting.TryGetValue(causation, out var pending))
                {
                    pending.TrySetResult(reply);
                }

                return Task.CompletedTask;
            },
            stop.Token);

        // Warm up (queue creation, connections, JIT), then measure one command at a time.
        Task? hosting = null;
        await RoundTripAsync(channel, waiting);
        hosting = host.RunAsync(TimeSpan.FromMilliseconds(10), stop.Token);
        await RoundTripAsync(channel, waiting);

        var latencies = new List<double>(Messages);
        for (var i = 0; i < Messages; i++)
        {
            latencies.Add(await RoundTripAsync(channel, waiting));
        }

        await stop.CancelAsync();
        await Task.WhenAll(listening, hosting);

        latencies.Sort();
        double Percentile(double p) => latencies[(int)Math.Ceiling(p / 100 * latencies.Count) - 1];
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Storage Queue round trip (Azurite, send -> queue trigger -> reply -> listener), {Messages} sequential commands, polling 1-10 ms: p50 {Percentile(50):F1} ms, p90 {Percentile(90):F1} ms, p99 {Percentile(99):F1} ms, max {latencies[^1]:F1} ms"));
        Assert.Equal(Messages + 2, app.Calls.Commands.Count);
        Assert.Empty(await Azurite.PeekAsync(options.RequestQueueName));
        Assert.Empty(await Azurite.PeekAsync(options.ReplyQueueName));

        // Before the host runs, the first command waits on the queue: deliver it by hand.
        async Task<double> RoundTripAsync(StorageQueueStepChannel sender, ConcurrentDictionary<string, TaskCompletionSource<CloudEvent>> pending)
        {
            var command = Commands.ReserveStock(Guid.NewGuid());
            var reply = new TaskCompletionSource<CloudEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[command.Id!] = reply;
            var watch = Stopwatch.StartNew();
            await sender.SendAsync(command);
            if (hosting is null)
            {
                await host.DeliverNextAsync();
            }

            var received = await reply.Task.WaitAsync(TimeSpan.FromSeconds(15));
            var elapsed = watch.Elapsed.TotalMilliseconds;
            Assert.Equal(command.Id, received["causationid"]);
            Commands.Completed(received);
            return elapsed;
        }
    }
}
