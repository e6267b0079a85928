using Sagas.Inbox;
using Sagas.Persistence;

namespace Sagas.Tests.Persistence;

public sealed class InMemoryInboxTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
    private readonly InMemoryInbox _inbox = new();

    [Fact]
    public void A_guid_id_is_recorded_once_and_found_again_from_another_copy_of_its_text()
    {
        var id = Guid.NewGuid().ToString();

        Assert.True(_inbox.TryAdd(new InboxKey("orders", "/api", id), Now));

        Assert.True(_inbox.Contains(new InboxKey(new string("orders"), new string("/api"), new string(id))));
        Assert.False(_inbox.TryAdd(new InboxKey("orders", "/api", new string(id)), Now));
    }

    [Theory]
    [InlineData("upper case")]
    [InlineData("braces")]
    [InlineData("no hyphens")]
    public void A_guid_written_another_way_is_another_event(string form)
    {
        var guid = Guid.NewGuid();
        var other = form switch
        {
            "upper case" => guid.ToString().ToUpperInvariant(),
            "braces" => guid.ToString("B"),
            _ => guid.ToString("N"),
        };
        _inbox.TryAdd(new InboxKey("orders", "/api", guid.ToString()), Now);

        Assert.False(_inbox.Contains(new InboxKey("orders", "/api", other)));
        Assert.True(_inbox.TryAdd(new InboxKey("orders", "/api", other), Now));
        Assert.False(_inbox.TryAdd(new InboxKey("orders", "/api", other), Now));
    }

    [Fact]
    public void An_id_that_is_no_guid_is_compared_as_text()
    {
        _inbox.TryAdd(new InboxKey("orders", "/api", "order-42"), Now);

        Assert.True(_inbox.Contains(new InboxKey("orders", "/api", "order-42")));
        Assert.False(_inbox.Contains(new InboxKey("orders", "/api", "Order-42")));
    }

    [Fact]
    public void The_same_id_from_another_source_or_at_another_endpoint_is_another_record()
    {
        var id = Guid.NewGuid().ToString();
        _inbox.TryAdd(new InboxKey("orders", "/api", id), Now);

        Assert.False(_inbox.Contains(new InboxKey("orders", "/crm", id)));
        Assert.False(_inbox.Contains(new InboxKey("invoices", "/api", id)));
        Assert.True(_inbox.TryAdd(new InboxKey("invoices", "/api", id), Now));
        Assert.Equal(2, _inbox.Count);
    }

    [Fact]
    public void Records_past_their_expiry_are_removed_and_the_others_kept()
    {
        _inbox.TryAdd(new InboxKey("orders", "/api", "old"), Now);
        _inbox.TryAdd(new InboxKey("orders", "/api", "due"), Now.AddMinutes(1));
        _inbox.TryAdd(new InboxKey("orders", "/api", "new"), Now.AddMinutes(2));

        _inbox.RemoveExpired(Now.AddMinutes(1));

        Assert.False(_inbox.Contains(new InboxKey("orders", "/api", "old")));
        Assert.False(_inbox.Contains(new InboxKey("orders", "/api", "due")));
        Assert.True(_inbox.Contains(new InboxKey("orders", "/api", "new")));
        Assert.Equal(1, _inbox.Count);
    }

    [Fact]
    public void Records_of_more_sources_than_are_shared_are_still_told_apart()
    {
        var sources = Enumerable.Range(0, InMemoryInbox.MaxSharedNames + 10).Select(i => $"/producer-{i}").ToList();
        foreach (var source in sources)
        {
            Assert.True(_inbox.TryAdd(new InboxKey("orders", source, "e1"), Now));
        }

        Assert.All(sources, source => Assert.True(_inbox.Contains(new InboxKey("orders", new string(source), "e1"))));
        Assert.False(_inbox.Contains(new InboxKey("orders", "/producer-unknown", "e1")));
        Assert.Equal(sources.Count, _inbox.Count);
    }

    [Theory]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e", true)]
    [InlineData("0F8FAD5B-D9CB-469F-A165-70867728950E", false)]
    [InlineData("{0f8fad5b-d9cb-469f-a165-70867728950e}", false)]
    [InlineData("0f8fad5bd9cb469fa16570867728950e", false)]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950x", false)]
    [InlineData("", false)]
    public void Only_the_canonical_text_of_a_guid_is_kept_as_one(string id, bool isGuid)
        => Assert.Equal(isGuid, InMemoryInbox.CanonicalGuid(id) is { } guid && guid.ToString() == id);
}
