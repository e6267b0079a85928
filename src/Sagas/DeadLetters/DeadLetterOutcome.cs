namespace Sagas.DeadLetters;

/// <summary>What came of a redelivery or a discard.</summary>
public enum DeadLetterOutcome
{
    /// <summary>Done now.</summary>
    Resolved,

    /// <summary>It was resolved before; nothing new was done.</summary>
    AlreadyResolved,

    /// <summary>No dead letter has that id.</summary>
    NotFound,
}
