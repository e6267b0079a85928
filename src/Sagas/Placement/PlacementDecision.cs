namespace Sagas.Placement;

/// <summary>Where one step command runs, and why.</summary>
/// <param name="Overflow">True: at the route's function (the overflow host); false: in this process (the primary).</param>
/// <param name="Reason">What decided it, for the saga's history: <c>primary: 2 in flight</c>, <c>overflow: 8 in flight, at most 8</c>.</param>
internal readonly record struct PlacementDecision(bool Overflow, string Reason)
{
    /// <summary>The history's and the metrics' name of the host: <c>primary</c> or <c>overflow</c>.</summary>
    public string Host => Overflow ? "overflow" : "primary";
}
