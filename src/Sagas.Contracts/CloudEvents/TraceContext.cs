using System.Diagnostics;

namespace Sagas.CloudEvents;

/// <summary>W3C Trace Context <c>traceparent</c> validation (version <c>00</c> and future versions), and the parent of the span that handles an event.</summary>
public static class TraceContext
{
    /// <summary>
    /// The parent of the span that handles an event carrying <paramref name="traceParent"/>: the current activity when
    /// it belongs to the same trace (a transport or HTTP span around the handler), else the carried context, so a
    /// transport's span in a trace of its own never cuts the chain the event carries; else the current activity.
    /// </summary>
    public static ActivityContext ParentOf(string? traceParent, string? traceState)
    {
        var current = Activity.Current;
        if (ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var carried)
            && (current is null || current.TraceId != carried.TraceId))
        {
            return carried;
        }

        return current?.Context ?? default;
    }

    /// <summary>
    /// Whether <paramref name="traceParent"/> is a traceparent a vendor must honour: lower-case hex fields,
    /// non-zero trace id and parent id, version other than <c>ff</c>, exactly 55 characters for version
    /// <c>00</c> and at least 55 (with a dash after the flags) for higher versions.
    /// </summary>
    public static bool IsValidTraceParent(string? traceParent)
    {
        if (traceParent is null || traceParent.Length < 55)
        {
            return false;
        }

        var version = traceParent.AsSpan(0, 2);
        if (!IsLowerHex(version) || version is "ff" || traceParent[2] != '-' || traceParent[35] != '-' || traceParent[52] != '-')
        {
            return false;
        }

        if (version is "00" ? traceParent.Length != 55 : traceParent.Length > 55 && traceParent[55] != '-')
        {
            return false;
        }

        var traceId = traceParent.AsSpan(3, 32);
        var parentId = traceParent.AsSpan(36, 16);
        var flags = traceParent.AsSpan(53, 2);
        return IsLowerHex(traceId) && !IsAllZero(traceId)
            && IsLowerHex(parentId) && !IsAllZero(parentId)
            && IsLowerHex(flags);
    }

    private static bool IsLowerHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAllZero(ReadOnlySpan<char> value) => !value.ContainsAnyExcept('0');
}
