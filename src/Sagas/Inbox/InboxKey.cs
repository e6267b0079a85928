namespace Sagas.Inbox;

/// <summary>
/// Identifies one incoming event at one endpoint: CloudEvents <c>source</c> + <c>id</c> are unique per
/// distinct event, so the same pair seen again at the same endpoint is a redelivery or a duplicate.
/// </summary>
/// <param name="Endpoint">The receiving endpoint (queue) name.</param>
/// <param name="Source">The CloudEvents <c>source</c>.</param>
/// <param name="Id">The CloudEvents <c>id</c>.</param>
public readonly record struct InboxKey(string Endpoint, string Source, string Id)
{
    /// <inheritdoc />
    public override string ToString() => $"{Endpoint}|{Source}|{Id}";
}
