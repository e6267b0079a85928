using System.Text;
using CloudNative.CloudEvents;
using Sagas.CloudEvents;
using Sagas.Functions.ClaimCheck;
using Sagas.Functions.Queues;

namespace Sagas.Functions.Tests.Queues;

public sealed class QueueCloudEventsTests
{
    // Base64, as a Storage Queue counts: four bytes for every three.
    private static readonly Func<int, int> Base64 = bytes => (bytes + 2) / 3 * 4;

    [Fact]
    public async Task An_event_under_the_limit_as_bytes_but_over_it_as_the_queue_counts_goes_by_claim_check()
    {
        var store = new InMemoryClaimCheckStore();
        var command = Command(new string('x', 900));
        var raw = Encoding.UTF8.GetByteCount((await new QueueCloudEvents(null, Limit(10_000, bytes => bytes)).EncodeAsync(command, "q", default)).Text);
        var events = new QueueCloudEvents(store, Limit(raw + 10, Base64));

        var (text, bytes, claimCheck) = await events.EncodeAsync(command, "q", default);

        Assert.NotNull(claimCheck);
        Assert.Equal(Base64(Encoding.UTF8.GetByteCount(text)), bytes);
        Assert.DoesNotContain("xxxx", text, StringComparison.Ordinal);
        var read = await events.ReadAsync(text, default);
        Assert.Contains(new string('x', 900), read.Data!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_within_the_limit_goes_as_it_is_and_reads_back()
    {
        var events = new QueueCloudEvents(null, Limit(64 * 1024, Base64));

        var (text, _, claimCheck) = await events.EncodeAsync(Command("small"), "q", default);
        var read = await events.ReadAsync(text, default);

        Assert.Null(claimCheck);
        Assert.Equal("cmd-1", read.Id);
        Assert.Contains("small", read.Data!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_large_without_a_claim_check_store_names_the_event_the_queue_the_count_and_the_setting()
    {
        var events = new QueueCloudEvents(null, Limit(100, Base64));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await events.EncodeAsync(Command(new string('x', 500)), "orders-in", default));

        Assert.Contains("'cmd-1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("once Base64-encoded for queue 'orders-in'", error.Message, StringComparison.Ordinal);
        Assert.Contains("the 100 bytes a test queue message may have (MaxMessageBytes)", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(IClaimCheckStore), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task An_empty_message_is_rejected_naming_what_it_is(string? text)
    {
        var events = new QueueCloudEvents(null, Limit(100, Base64));

        var error = await Assert.ThrowsAsync<CloudEventRejectedException>(async () => await events.ReadAsync(text, default));

        Assert.Contains("the body of a test queue message is empty", error.Message, StringComparison.Ordinal);
    }

    private static QueueMessageLimit Limit(int max, Func<int, int> size) => new("a test queue message", max, size, size == Base64 ? " once Base64-encoded" : "");

    private static CloudEvent Command(string note) => new()
    {
        Id = "cmd-1",
        Source = new Uri("urn:test"),
        Type = "com.example.test",
        DataContentType = "application/json",
        Data = System.Text.Json.JsonSerializer.SerializeToElement(new { note }),
    };
}
