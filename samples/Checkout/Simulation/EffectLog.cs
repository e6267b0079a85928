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
    private readonly ConcurrentDictionary<Guid, List<string>> _effects = new();
    private readonly ConcurrentDictionary<string, bool> _keys = new();

    /// <summary>Records an effect.</summary>
    public void Add(Guid orderId, string what)
    {
        var effects = _effects.GetOrAdd(orderId, static _ => []);
        lock (effects)
        {
            effects.Add(what);
        }
    }

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

    /// <summary>The effects on one order, in order (a copy).</summary>
    /// <remarks>Kept per order: the audit after a run asks for every order's, which was quadratic over one list.</remarks>
    public IReadOnlyList<string> For(Guid orderId)
    {
        if (!_effects.TryGetValue(orderId, out var effects))
        {
            return [];
        }

        lock (effects)
        {
            return [.. effects];
        }
    }
}
