namespace Sagas.Persistence;

/// <summary>The outcome of committing a <see cref="MessageTransaction"/>.</summary>
public enum CommitResult
{
    /// <summary>Everything was stored.</summary>
    Committed,

    /// <summary>The inbox already holds the message: nothing was stored, the message is a duplicate.</summary>
    Duplicate,

    /// <summary>The saga changed since it was loaded: nothing was stored; run the message again on fresh state.</summary>
    Conflict,
}
