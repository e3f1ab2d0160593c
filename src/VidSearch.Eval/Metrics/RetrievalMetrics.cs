using VidSearch.Core;

namespace VidSearch.Eval.Metrics;

/// <summary>
/// The standard figures from 0-based ranks (PROTOCOL.md): R@K = 100 x share of queries with rank &lt; K,
/// MdR = median(rank) + 1, MnR = mean(rank) + 1. The median of an even count is the mean of the two middle ranks
/// (numpy's median). <see cref="RecallCurve"/> holds R@1..R@50 for plots.
/// </summary>
public sealed record RetrievalMetrics(int Queries, int Candidates, double R1, double R5, double R10, double R50, double MedianRank, double MeanRank, double[] RecallCurve)
{
    public const int CurveLength = 50;

    public static RetrievalMetrics FromRanks(IReadOnlyList<int> ranks, int candidates)
    {
        if (ranks.Count == 0)
        {
            throw VidSearchException.Argument("ranks", "no queries to evaluate");
        }

        var sorted = ranks.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2.0;
        var curve = new double[CurveLength];
        for (int k = 1; k <= CurveLength; k++)
        {
            curve[k - 1] = RecallAt(sorted, k);
        }

        return new RetrievalMetrics(n, candidates, RecallAt(sorted, 1), RecallAt(sorted, 5), RecallAt(sorted, 10), RecallAt(sorted, 50),
            median + 1, sorted.Average() + 1, curve);
    }

    /// <summary>100 x share of ranks below k.</summary>
    public static double RecallAt(IReadOnlyList<int> ranks, int k) => 100.0 * ranks.Count(r => r < k) / ranks.Count;
}
