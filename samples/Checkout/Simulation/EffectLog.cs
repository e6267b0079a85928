using System.Collections.Concurrent;
using Checkout.Steps.Effects;

namespace Checkout.Simulation;

/// <summary>
/// What the simulated back-ends did, in order: lets the demo and the tests check that every effect happened
/// once and compensations ran in reverse order. The real step functions (Checkout.Steps) and the sandbox CRM report here
/// too, as <see cref="IStepEffects"/>, when the demo hosts them.
/// </summary>
public sealed class EffectLog : IStepEffects
{
    private readonly ConcurrentQueue<Effect> _effects = new();
    private readonly ConcurrentDictionary<string, bool> _keys = new();
    private long _sequence;

    /// <summary>Records an effect.</summary>
    public void Add(Guid orderId, string what) => _effects.Enqueue(new Effect(Interlocked.Increment(ref _sequence), orderId, what));

    /// <summary>Records an effect once per idempotency key: what a well-behaved downstream service does.</summary>
    public void AddOnce(string idempotencyKey, Guid orderId, string what)
    {
        if (_keys.TryAdd(idempotencyKey, true))
        {
            Add(orderId, what);
        }
    }

    /// <inheritdoc />
    void IStepEffects.Happened(Guid orderId, string effect) => Add(orderId, effect);

    /// <summary>The effects on one order, in order.</summary>
    public IReadOnlyList<string> For(Guid orderId) => [.. _effects.Where(e => e.OrderId == orderId).OrderBy(e => e.Sequence).Select(e => e.What)];

    private sealed record Effect(long Sequence, Guid OrderId, string What);
}
