namespace Sagas.DeadLetters;

/// <summary>How a dead letter was resolved.</summary>
public enum DeadLetterAction
{
    /// <summary>Sent again, as received, to the queue it came from (through the outbox), after its cause was fixed.</summary>
    Redelivered,

    /// <summary>Given up on, with a note; the record is kept.</summary>
    Discarded,
}
