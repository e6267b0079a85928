using System.Text;
using System.Text.Json;
using Sagas.CloudEvents;
using Sagas.Functions.Aws.Tests.Harness;
using Sagas.Functions.ClaimCheck;

namespace Sagas.Functions.Aws.Tests.ClaimCheck;

/// <summary>Commands over the SQS limit travel by claim check and are redeemed before the step runs.</summary>
public sealed class ClaimCheckTests : IDisposable
{
    private const string Prefix = "claimcheck";
    private static readonly Guid SagaId = Guid.Parse("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sagas-claimcheck-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_300_KB_command_travels_by_claim_check_and_the_lambda_handler_redeems_it()
    {
        var store = new FileSystemClaimCheckStore(_directory);
        await using var rig = await LambdaRig.StartAsync(Prefix, claimChecks: store);
        var notes = new string('n', 300 * 1024);
        var command = Commands.PackOrder(SagaId, notes: notes);

        var sent = await rig.Channel.SendAsync(command);

        Assert.NotNull(sent.ClaimCheck);
        Assert.True(sent.MessageBytes < 2048, $"the message is {sent.MessageBytes} bytes");
        Assert.Single(Directory.GetFiles(_directory));
        var (messages, lambdaEvent) = await rig.ReceiveEventAsync();
        var onTheWire = JsonDocument.Parse(messages[0].Body).RootElement;
        Assert.False(onTheWire.TryGetProperty("data", out _));
        Assert.Equal(sent.ClaimCheck, onTheWire.GetProperty("claimcheck").GetString());
        Assert.Equal(command.Id, onTheWire.GetProperty("id").GetString());

        Assert.Equal("""{"batchItemFailures":[]}""", await rig.InvokeAsync(lambdaEvent));

        Assert.Equal(notes, Assert.Single(rig.Probe.Calls).Notes);
        Assert.Equal(notes.Length, Commands.Result(Assert.Single(await rig.RepliesAsync())).NotesLength);
    }

    [Fact]
    public async Task A_command_over_the_limit_without_a_store_is_refused_with_the_setting_named()
    {
        await using var rig = await LambdaRig.StartAsync(Prefix);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => rig.Channel.SendAsync(Commands.PackOrder(SagaId, notes: new string('n', 300 * 1024))));

        Assert.Contains("MaxMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("IClaimCheckStore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_under_the_limit_carries_its_data()
    {
        var store = new InMemoryClaimCheckStore();
        await using var rig = await LambdaRig.StartAsync(Prefix, claimChecks: store);

        var sent = await rig.Channel.SendAsync(Commands.PackOrder(SagaId, notes: new string('n', 200 * 1024)));

        Assert.Null(sent.ClaimCheck);
        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task Check_in_and_redeem_give_back_the_same_event()
    {
        var store = new InMemoryClaimCheckStore();
        var command = Commands.PackOrder(SagaId, notes: "fragile");

        var checkedIn = await ClaimChecks.CheckInAsync(store, command);
        var redeemed = await ClaimChecks.RedeemAsync(store, checkedIn);

        Assert.Null(checkedIn.Data);
        Assert.Null(command[ClaimChecks.Attribute.Name]);
        Assert.Equal(Commands.Converter.EncodeStructured(command).ToArray(), Commands.Converter.EncodeStructured(redeemed).ToArray());
        Assert.Equal(new PackOrder("order-1", 2, "fragile"), Commands.Converter.Decode(redeemed).Message);
    }

    [Fact]
    public async Task Checking_in_the_same_payload_twice_stores_it_once_under_its_sha256()
    {
        var store = new FileSystemClaimCheckStore(_directory);
        var command = Commands.PackOrder(SagaId, notes: "same");

        var first = await ClaimChecks.CheckInAsync(store, command);
        var second = await ClaimChecks.CheckInAsync(store, command);

        Assert.Equal(ClaimChecks.GetReference(first), ClaimChecks.GetReference(second));
        var file = Assert.Single(Directory.GetFiles(_directory));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))), Path.GetFileName(file));
    }

    [Fact]
    public async Task A_missing_payload_is_a_rejection_naming_the_claim_check()
    {
        var checkedIn = await ClaimChecks.CheckInAsync(new InMemoryClaimCheckStore(), Commands.PackOrder(SagaId));

        var error = await Assert.ThrowsAsync<CloudEventRejectedException>(async () => await ClaimChecks.RedeemAsync(new InMemoryClaimCheckStore(), checkedIn));

        Assert.Contains($"claim check '{ClaimChecks.GetReference(checkedIn)}' was not found", Assert.Single(error.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_altered_payload_is_a_rejection()
    {
        var store = new FileSystemClaimCheckStore(_directory);
        var checkedIn = await ClaimChecks.CheckInAsync(store, Commands.PackOrder(SagaId));
        var file = Assert.Single(Directory.GetFiles(_directory));
        await File.WriteAllTextAsync(file, """{"orderId":"forged","parcels":99}""", Encoding.UTF8);

        var error = await Assert.ThrowsAsync<CloudEventRejectedException>(async () => await ClaimChecks.RedeemAsync(store, checkedIn));

        Assert.Contains("does not match its SHA-256", Assert.Single(error.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_filesystem_store_refuses_keys_that_are_not_plain_file_names()
    {
        var store = new FileSystemClaimCheckStore(_directory);

        await Assert.ThrowsAsync<ArgumentException>(async () => await store.GetAsync("../etc/passwd"));
        Assert.Null(await store.GetAsync("0123abcd"));
    }

    [Fact]
    public async Task An_event_without_a_claim_check_is_redeemed_as_it_is()
    {
        var command = Commands.PackOrder(SagaId);

        Assert.Same(command, await ClaimChecks.RedeemAsync(null, command));
    }
}
