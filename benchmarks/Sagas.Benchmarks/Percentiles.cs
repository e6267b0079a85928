namespace Sagas.Benchmarks;

/// <summary>Nearest-rank percentiles of sorted samples.</summary>
internal static class Percentiles
{
    /// <summary>The <paramref name="p"/> percentile (0..1) of <paramref name="sorted"/>; 0 when there are no samples.</summary>
    public static double Of(IReadOnlyList<double> sorted, double p)
        => sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
