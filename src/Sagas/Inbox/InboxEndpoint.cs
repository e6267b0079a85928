namespace Sagas.Inbox;

/// <summary>
/// One receive endpoint as the inbox/outbox filter of one message type knows it: its name (the inbox key's endpoint) and
/// whether that message is taken there by a Sagas saga alone, learned from the deliveries handled so far.
/// </summary>
/// <remarks>
/// Such a delivery need not be looked up in the inbox before it runs: the saga's commit refuses a copy the inbox already
/// holds and stores nothing of it, and the saga's run has no effect outside that commit (it may run more than once anyway,
/// after a version conflict). A delivery any other consumer takes is looked up first, so its handler never runs for a copy.
/// Until a delivery was handled, and whenever one was taken by anything else, deliveries are looked up.
/// </remarks>
internal sealed class InboxEndpoint(string name)
{
    private volatile bool _sagaOnly;

    /// <summary>The endpoint's name, as inbox keys record it.</summary>
    public string Name { get; } = name;

    /// <summary>Whether deliveries may run before their inbox look-up, leaving duplicates to the saga's commit.</summary>
    public bool SagaOnly => _sagaOnly;

    /// <summary>Learns from a delivery that was handled without a fault.</summary>
    /// <param name="bySagaAlone">Whether a Sagas saga took it and nothing else did.</param>
    public void Handled(bool bySagaAlone) => _sagaOnly = bySagaAlone;
}
