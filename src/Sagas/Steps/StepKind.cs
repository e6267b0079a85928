namespace Sagas.Steps;

/// <summary>The classic saga step taxonomy.</summary>
public enum StepKind
{
    /// <summary>Can be undone by a compensating command. Runs before the pivot.</summary>
    Compensatable,

    /// <summary>The point of no return: once it succeeds, the saga can only go forward.</summary>
    Pivot,

    /// <summary>Runs after the pivot and is retried until it succeeds; it cannot fail the saga back.</summary>
    Retriable,
}
