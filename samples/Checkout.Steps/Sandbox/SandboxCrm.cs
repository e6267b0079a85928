using System.Collections.Concurrent;
using Checkout.Steps.CrmUpdates;
using Checkout.Steps.Effects;
using Microsoft.AspNetCore.Http;

namespace Checkout.Steps.Sandbox;

/// <summary>
/// A stand-in CRM with the sample's rules: customers whose id starts with <see cref="FlakyPrefix"/> get 503 on the first two
/// calls of each update (per <c>Idempotency-Key</c>), those starting with <see cref="DownPrefix"/> always get 503, everyone
/// else 204. An update accepted once is not recorded again for the same key. Thread-safe; one per process.
/// </summary>
public sealed class SandboxCrm(IStepEffects effects)
{
    /// <summary>Prefix of customers for whom the CRM fails twice per update, then accepts it.</summary>
    public const string FlakyPrefix = "crm-flaky";

    /// <summary>Prefix of customers for whom the CRM is down.</summary>
    public const string DownPrefix = "crm-down";

    /// <summary>How many calls of a flaky customer's update fail before one succeeds.</summary>
    public const int FlakyFailures = 2;

    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Guid> _accepted = new(StringComparer.Ordinal);

    /// <summary>Updates recorded so far (one per idempotency key).</summary>
    public int AcceptedCount => _accepted.Count;

    /// <summary>Whether the update with <paramref name="idempotencyKey"/> was recorded.</summary>
    public bool HasAccepted(string idempotencyKey) => _accepted.ContainsKey(idempotencyKey);

    /// <summary>Handles one call; returns the HTTP status the CRM answers.</summary>
    public int Handle(CrmOrderUpdate update, string idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (_accepted.ContainsKey(idempotencyKey))
        {
            return StatusCodes.Status204NoContent;
        }

        if (update.CustomerId.StartsWith(DownPrefix, StringComparison.Ordinal))
        {
            return StatusCodes.Status503ServiceUnavailable;
        }

        if (update.CustomerId.StartsWith(FlakyPrefix, StringComparison.Ordinal)
            && _failures.AddOrUpdate(idempotencyKey, 1, (_, n) => n + 1) <= FlakyFailures)
        {
            return StatusCodes.Status503ServiceUnavailable;
        }

        if (_accepted.TryAdd(idempotencyKey, update.OrderId))
        {
            effects.Happened(update.OrderId, StepEffectNames.CrmUpdated);
        }

        return StatusCodes.Status204NoContent;
    }
}
