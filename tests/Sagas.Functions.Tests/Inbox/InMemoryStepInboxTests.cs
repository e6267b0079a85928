using Microsoft.Extensions.Time.Testing;
using Sagas.Functions.Inbox;

namespace Sagas.Functions.Tests.Inbox;

public class InMemoryStepInboxTests
{
    private static readonly StepInboxKey Key = new("step-functions", "/tests/saga", "command-1");
    private static readonly byte[] Reply = [1, 2, 3];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task New_key_is_claimed_and_then_completed_with_its_reply()
    {
        var inbox = CreateInbox();

        var claim = await inbox.TryClaimAsync(Key);
        var stored = await inbox.CompleteAsync(Key, claim.LeaseId, Reply);
        var again = await inbox.TryClaimAsync(Key);

        Assert.Equal(StepInboxClaimStatus.Claimed, claim.Status);
        Assert.NotEqual(Guid.Empty, claim.LeaseId);
        Assert.Equal(Reply, stored.ToArray());
        Assert.Equal(StepInboxClaimStatus.Completed, again.Status);
        Assert.Equal(Reply, again.Reply.ToArray());
    }

    [Fact]
    public async Task Claimed_key_is_in_progress_for_others_until_the_claim_times_out()
    {
        var inbox = CreateInbox(claimTimeout: TimeSpan.FromMinutes(5));
        await inbox.TryClaimAsync(Key);

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        var during = await inbox.TryClaimAsync(Key);
        _time.Advance(TimeSpan.FromTicks(1));
        var after = await inbox.TryClaimAsync(Key);

        Assert.Equal(StepInboxClaimStatus.InProgress, during.Status);
        Assert.Equal(StepInboxClaimStatus.Claimed, after.Status);
    }

    [Fact]
    public async Task Reply_is_forgotten_after_the_retention()
    {
        var inbox = CreateInbox(retention: TimeSpan.FromDays(1));
        var claim = await inbox.TryClaimAsync(Key);
        await inbox.CompleteAsync(Key, claim.LeaseId, Reply);

        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromTicks(1));
        var during = await inbox.TryClaimAsync(Key);
        _time.Advance(TimeSpan.FromTicks(1));
        var after = await inbox.TryClaimAsync(Key);

        Assert.Equal(StepInboxClaimStatus.Completed, during.Status);
        Assert.Equal(StepInboxClaimStatus.Claimed, after.Status);
    }

    [Fact]
    public async Task Released_claim_can_be_claimed_again()
    {
        var inbox = CreateInbox();
        var claim = await inbox.TryClaimAsync(Key);

        await inbox.ReleaseAsync(Key, claim.LeaseId);
        var again = await inbox.TryClaimAsync(Key);

        Assert.Equal(StepInboxClaimStatus.Claimed, again.Status);
        Assert.NotEqual(claim.LeaseId, again.LeaseId);
    }

    [Fact]
    public async Task Release_by_an_expired_claim_does_not_free_the_claim_that_took_over()
    {
        var inbox = CreateInbox(claimTimeout: TimeSpan.FromMinutes(5));
        var stale = await inbox.TryClaimAsync(Key);
        _time.Advance(TimeSpan.FromMinutes(5));
        await inbox.TryClaimAsync(Key);

        await inbox.ReleaseAsync(Key, stale.LeaseId);
        var third = await inbox.TryClaimAsync(Key);

        Assert.Equal(StepInboxClaimStatus.InProgress, third.Status);
    }

    [Fact]
    public async Task First_completion_wins_and_later_ones_get_its_reply()
    {
        var inbox = CreateInbox(claimTimeout: TimeSpan.FromMinutes(5));
        var slow = await inbox.TryClaimAsync(Key);
        _time.Advance(TimeSpan.FromMinutes(5));
        var takeover = await inbox.TryClaimAsync(Key);

        var first = await inbox.CompleteAsync(Key, takeover.LeaseId, Reply);
        var second = await inbox.CompleteAsync(Key, slow.LeaseId, new byte[] { 9, 9 });

        Assert.Equal(Reply, first.ToArray());
        Assert.Equal(Reply, second.ToArray());
    }

    [Fact]
    public async Task Stored_reply_is_a_copy_of_the_callers_buffer()
    {
        var inbox = CreateInbox();
        var claim = await inbox.TryClaimAsync(Key);
        var buffer = new byte[] { 1, 2, 3 };

        await inbox.CompleteAsync(Key, claim.LeaseId, buffer);
        buffer[0] = 42;

        Assert.Equal(Reply, (await inbox.TryClaimAsync(Key)).Reply.ToArray());
    }

    [Fact]
    public async Task Keys_differ_by_endpoint_source_and_id()
    {
        var inbox = CreateInbox();
        var claim = await inbox.TryClaimAsync(Key);
        await inbox.CompleteAsync(Key, claim.LeaseId, Reply);

        Assert.Equal(StepInboxClaimStatus.Claimed, (await inbox.TryClaimAsync(Key with { Endpoint = "other" })).Status);
        Assert.Equal(StepInboxClaimStatus.Claimed, (await inbox.TryClaimAsync(Key with { Source = "/other" })).Status);
        Assert.Equal(StepInboxClaimStatus.Claimed, (await inbox.TryClaimAsync(Key with { Id = "command-2" })).Status);
    }

    [Fact]
    public async Task Expired_entries_are_swept()
    {
        var inbox = CreateInbox(retention: TimeSpan.FromMinutes(10));
        for (var i = 0; i < 3; i++)
        {
            var key = Key with { Id = $"command-{i}" };
            await inbox.CompleteAsync(key, (await inbox.TryClaimAsync(key)).LeaseId, Reply);
        }

        _time.Advance(TimeSpan.FromMinutes(11));
        await inbox.TryClaimAsync(Key with { Id = "new" });

        Assert.Equal(1, inbox.Count);
    }

    [Fact]
    public void Retention_and_claim_timeout_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryStepInbox(_time, TimeSpan.Zero, TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryStepInbox(_time, TimeSpan.FromMinutes(1), TimeSpan.Zero));
    }

    private InMemoryStepInbox CreateInbox(TimeSpan? retention = null, TimeSpan? claimTimeout = null)
        => new(_time, retention ?? TimeSpan.FromDays(7), claimTimeout ?? TimeSpan.FromMinutes(5));
}
