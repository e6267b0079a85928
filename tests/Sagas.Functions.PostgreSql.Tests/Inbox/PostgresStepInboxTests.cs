using System.Text;
using Microsoft.Extensions.Time.Testing;
using Sagas.Functions.Inbox;
using Sagas.Functions.PostgreSql.Inbox;
using Sagas.Testing;

namespace Sagas.Functions.PostgreSql.Tests.Inbox;

// Two inbox instances on one table stand for two function instances (or one before and after a restart).
public sealed class PostgresStepInboxTests : IAsyncLifetime
{
    private static readonly TimeSpan Retention = TimeSpan.FromDays(7);
    private static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private string _schema = string.Empty;
    private PostgresStepInbox _first = null!;
    private PostgresStepInbox _second = null!;

    public async Task InitializeAsync()
    {
        _schema = await PostgresDatabase.FreshSchemaAsync(nameof(PostgresStepInboxTests));
        _first = new PostgresStepInbox(PostgresDatabase.ConnectionString, _schema, true, _time, Retention, ClaimTimeout);
        _second = new PostgresStepInbox(PostgresDatabase.ConnectionString, _schema, true, _time, Retention, ClaimTimeout);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task A_command_is_claimed_once_and_every_duplicate_gets_the_first_reply_from_any_instance()
    {
        var key = Key();
        var claim = await _first.TryClaimAsync(key);
        Assert.Equal(StepInboxClaimStatus.Claimed, claim.Status);
        Assert.Equal(StepInboxClaimStatus.InProgress, (await _second.TryClaimAsync(key)).Status);

        var stored = await _first.CompleteAsync(key, claim.LeaseId, Encoding.UTF8.GetBytes("reply-1"));
        Assert.Equal("reply-1", Encoding.UTF8.GetString(stored.Span));

        var duplicate = await _second.TryClaimAsync(key);
        Assert.Equal(StepInboxClaimStatus.Completed, duplicate.Status);
        Assert.Equal("reply-1", Encoding.UTF8.GetString(duplicate.Reply.Span));
    }

    [Fact]
    public async Task Two_instances_claiming_the_same_command_at_once_run_it_once()
    {
        var key = Key();
        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? _first : _second).TryClaimAsync(key).AsTask()));
        Assert.Single(claims, c => c.Status == StepInboxClaimStatus.Claimed);
    }

    [Fact]
    public async Task The_first_reply_wins_when_an_expired_claim_was_taken_over()
    {
        var key = Key();
        var stale = await _first.TryClaimAsync(key);
        _time.Advance(ClaimTimeout + TimeSpan.FromSeconds(1)); // the first instance died, say
        var takeover = await _second.TryClaimAsync(key);
        Assert.Equal(StepInboxClaimStatus.Claimed, takeover.Status);

        Assert.Equal("second", Encoding.UTF8.GetString((await _second.CompleteAsync(key, takeover.LeaseId, Encoding.UTF8.GetBytes("second"))).Span));
        Assert.Equal("second", Encoding.UTF8.GetString((await _first.CompleteAsync(key, stale.LeaseId, Encoding.UTF8.GetBytes("first"))).Span));
    }

    [Fact]
    public async Task A_released_claim_lets_a_redelivery_run_and_a_stale_release_does_nothing()
    {
        var key = Key();
        var claim = await _first.TryClaimAsync(key);
        await _first.ReleaseAsync(key, claim.LeaseId);
        var again = await _second.TryClaimAsync(key);
        Assert.Equal(StepInboxClaimStatus.Claimed, again.Status);

        await _first.ReleaseAsync(key, claim.LeaseId); // the old lease: must not free the new claim
        Assert.Equal(StepInboxClaimStatus.InProgress, (await _first.TryClaimAsync(key)).Status);
    }

    [Fact]
    public async Task A_reply_past_its_retention_is_forgotten()
    {
        var key = Key();
        var claim = await _first.TryClaimAsync(key);
        await _first.CompleteAsync(key, claim.LeaseId, Encoding.UTF8.GetBytes("old"));
        _time.Advance(Retention + TimeSpan.FromMinutes(2));

        Assert.Equal(StepInboxClaimStatus.Claimed, (await _second.TryClaimAsync(key)).Status);
    }

    private static StepInboxKey Key() => new("checkout-functions", "/checkout/worker", Guid.NewGuid().ToString());
}
