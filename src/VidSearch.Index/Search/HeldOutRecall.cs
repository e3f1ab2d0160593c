using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>
/// Recall@k of an approximate index against exact search, with stored vectors as queries: each query's own row is
/// left out of both answers, so a query stands for a point of the data's distribution, not a copy of a stored vector.
/// Measured once per setting (nprobe, ef, candidates) as one recall per query; <see cref="SmallestMeeting"/> finds the
/// smallest setting whose recall reaches a target with 95 % confidence (<see cref="LowerBound"/>), by doubling, then
/// bisecting. The bound matters: a setting tuned to the sample mean alone lands below the target on fresh queries
/// about half the time.
/// </summary>
internal sealed class HeldOutRecall
{
    /// <summary>One-sided 95 % quantile of the normal distribution.</summary>
    public const double ConfidenceZ = 1.645;

    private readonly int[] _rows;
    private readonly float[][] _queries;
    private readonly int[][] _truth;
    private readonly Dictionary<int, double[]> _measured = new();
    private readonly CancellationToken _cancellationToken;
    private Func<int, int, double> _recallOf = (_, _) => throw new InvalidOperationException("no measure");

    private HeldOutRecall(VectorStore store, int builtCount, int[] rows, int k, int threads, CancellationToken cancellationToken)
    {
        _rows = rows;
        _cancellationToken = cancellationToken;
        _queries = rows.Select(r => store.Get(r)).ToArray();
        var exact = ExactVectorIndex.SearchRangeMany(store, _queries, 0, builtCount, k + 1, threads, cancellationToken);
        _truth = rows.Select((row, q) => exact[q].Select(h => h.Position).Where(p => p != row).Take(k).ToArray()).ToArray();
    }

    /// <param name="search">(setting, query, its own row) -> the k positions found without that row, best first.</param>
    public static HeldOutRecall OfSearch(VectorStore store, int builtCount, int[] rows, int k, Func<int, float[], int, IEnumerable<int>> search, int threads, CancellationToken cancellationToken)
    {
        var recall = new HeldOutRecall(store, builtCount, rows, k, threads, cancellationToken);
        recall._recallOf = (setting, q) =>
        {
            var truth = recall._truth[q];
            return truth.Length == 0 ? 1 : search(setting, recall._queries[q], recall._rows[q]).Count(truth.Contains) / (double)truth.Length;
        };
        return recall;
    }

    /// <summary>
    /// For an index that re-scores exactly the best <c>setting</c> rows of one approximate ordering: a true neighbour
    /// is found exactly when its rank in that ordering is below the setting, so one ordering per query gives the
    /// recall of every setting.
    /// </summary>
    /// <param name="ranks">(query, its own row, the true neighbours) -> each neighbour's rank (rows ahead of it, the own row not counted).</param>
    public static HeldOutRecall OfCandidateRanks(VectorStore store, int builtCount, int[] rows, int k, Func<float[], int, int[], int[]> ranks, int threads, CancellationToken cancellationToken)
    {
        var recall = new HeldOutRecall(store, builtCount, rows, k, threads, cancellationToken);
        var found = new int[rows.Length][];
        Parallel.For(0, rows.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken }, q =>
            found[q] = ranks(recall._queries[q], rows[q], recall._truth[q]));
        recall._recallOf = (setting, q) => found[q].Length == 0 ? 1 : found[q].Count(rank => rank < setting) / (double)found[q].Length;
        return recall;
    }

    public int QueryCount => _rows.Length;

    /// <summary><paramref name="count"/> distinct rows of [0, <paramref name="n"/>) drawn with <paramref name="seed"/>, in ascending order.</summary>
    public static int[] SampleRows(int n, int count, int seed)
    {
        var random = new Random(seed);
        var chosen = new HashSet<int>();
        while (chosen.Count < Math.Min(count, n))
        {
            chosen.Add(random.Next(n));
        }

        return chosen.Order().ToArray();
    }

    /// <summary>Mean recall over the sample queries.</summary>
    public double At(int setting) => PerQuery(setting).Average();

    /// <summary>
    /// The mean minus <see cref="ConfidenceZ"/> standard errors of the per-query recalls: the recall the setting reaches
    /// on the data's distribution with 95 % confidence.
    /// </summary>
    public double LowerBound(int setting)
    {
        var recalls = PerQuery(setting);
        double mean = recalls.Average();
        if (recalls.Length < 2)
        {
            return mean;
        }

        double variance = recalls.Sum(r => (r - mean) * (r - mean)) / (recalls.Length - 1);
        return mean - (ConfidenceZ * Math.Sqrt(variance / recalls.Length));
    }

    private double[] PerQuery(int setting)
    {
        if (!_measured.TryGetValue(setting, out var recalls))
        {
            recalls = new double[_rows.Length];
            for (int q = 0; q < _rows.Length; q++)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                recalls[q] = _recallOf(setting, q);
            }

            _measured[setting] = recalls;
        }

        return recalls;
    }

    /// <summary>
    /// The smallest setting in (low, limit] whose <see cref="LowerBound"/> reaches <paramref name="targetRecall"/>:
    /// doubles from <paramref name="high"/> until it does (or reaches <paramref name="limit"/>), then bisects while the
    /// bracket is wider than <paramref name="tolerance"/>(high). Returns <paramref name="limit"/> when even that misses.
    /// </summary>
    public int SmallestMeeting(double targetRecall, int low, int high, int limit, Func<int, int> tolerance)
    {
        while (high < limit && LowerBound(high) < targetRecall)
        {
            low = high;
            high = Math.Min(limit, high * 2);
        }

        if (LowerBound(high) >= targetRecall)
        {
            while (high - low > tolerance(high))
            {
                int mid = (low + high) / 2;
                if (LowerBound(mid) >= targetRecall)
                {
                    high = mid;
                }
                else
                {
                    low = mid;
                }
            }
        }

        return high;
    }
}
