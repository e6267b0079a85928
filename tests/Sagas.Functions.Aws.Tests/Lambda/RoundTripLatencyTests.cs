using System.Diagnostics;
using CloudNative.CloudEvents;
using Sagas.Functions.Aws.Tests.Harness;
using Xunit.Abstractions;

namespace Sagas.Functions.Aws.Tests.Lambda;

/// <summary>
/// The SQS round trip of one step: channel send → receive from the request queue (as the event source mapping does) →
/// Lambda handler → reply queue → channel receive. Prints p50/p90/max; asserts only that every reply came back, and
/// came back to its command.
/// </summary>
public class RoundTripLatencyTests(ITestOutputHelper output)
{
    private const string Prefix = "latency";
    private const int Warmup = 10;
    private const int Measured = 100;

    [Fact]
    public async Task One_hundred_steps_make_the_round_trip_and_the_latency_is_reported()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);
        var timings = new List<double>();
        for (var i = 0; i < Warmup + Measured; i++)
        {
            var command = Commands.PackOrder(Guid.NewGuid(), orderId: $"order-{i}");
            var clock = Stopwatch.StartNew();
            await rig.Channel.SendAsync(command);
            Assert.Equal("""{"batchItemFailures":[]}""", await rig.DeliverAsync(max: 1));
            CloudEvent? reply = null;
            while (reply is null)
            {
                await rig.Channel.ReceiveRepliesAsync((e, _) =>
                {
                    reply = e;
                    return Task.CompletedTask;
                });
            }

            clock.Stop();
            Assert.Equal(command.Id, reply["causationid"]);
            if (i >= Warmup)
            {
                timings.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        timings.Sort();
        output.WriteLine($"SQS round trip over fauxqs, {Measured} steps one at a time: p50 {timings[Measured / 2]:0.0} ms, p90 {timings[Measured * 9 / 10]:0.0} ms, max {timings[^1]:0.0} ms");
    }
}
