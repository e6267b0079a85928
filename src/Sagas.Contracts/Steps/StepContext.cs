namespace Sagas.Steps;

/// <summary>What a step handler knows about the execution it is part of.</summary>
public sealed class StepContext
{
    /// <summary>Creates a context; the idempotency key is derived from the saga, the step and the phase.</summary>
    public StepContext(Guid sagaId, string step, int attempt, bool isCompensation, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(step);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        SagaId = sagaId;
        Step = step;
        Attempt = attempt;
        IsCompensation = isCompensation;
        IdempotencyKey = CreateIdempotencyKey(sagaId, step, isCompensation);
        CancellationToken = cancellationToken;
    }

    /// <summary>The saga (business transaction) this step belongs to.</summary>
    public Guid SagaId { get; }

    /// <summary>The step's name in the saga.</summary>
    public string Step { get; }

    /// <summary>The attempt number, starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>Whether this execution undoes the step.</summary>
    public bool IsCompensation { get; }

    /// <summary>
    /// A key that is the same across every retry and redelivery of this step of this saga, and differs
    /// between the step and its compensation. Pass it to downstream services (payment providers, mailers)
    /// so they can deduplicate too.
    /// </summary>
    public string IdempotencyKey { get; }

    /// <summary>Signalled when the host shuts down. A missed saga deadline does not cancel the handler: the saga just stops waiting for it.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The idempotency key of a step execution: <c>{sagaId:N}:{step}</c>, with <c>:compensate</c> for its compensation.</summary>
    public static string CreateIdempotencyKey(Guid sagaId, string step, bool isCompensation)
        => isCompensation ? $"{sagaId:N}:{step}:compensate" : $"{sagaId:N}:{step}";
}
