using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>
/// Recall@k of an approximate index against exact search, over three kinds of queries: stored vectors, each one's own
/// row left out of both answers (so a query stands for a point of the data's distribution, not a copy of a stored
/// vector); optional tuning queries from outside the store (text embeddings against image embeddings: CLIP's modality
/// gap puts them off the data's distribution, where an index needs more probes or candidates); and, with them, the
/// sampled stored vectors moved across the gap (<see cref="GapShifted"/>): a few dozen texts touch a few regions of the
/// data, the moved rows stand for text queries about every region. Measured once per setting (nprobe, ef, candidates)
/// as one recall per query; <see cref="SmallestMeeting"/> finds the smallest setting whose recall reaches a target with
/// 95 % confidence on each kind (<see cref="LowerBound"/>), by doubling, then bisecting. The bound matters: a setting
/// tuned to the sample mean alone lands below the target on fresh queries about half the time.
/// </summary>
internal sealed class HeldOutRecall
{
    /// <summary>One-sided 95 % quantile of the normal distribution.</summary>
    public const double ConfidenceZ = 1.645;

    /// <summary>Stored rows averaged for the image side of the gap, at most (evenly spread).</summary>
    private const int MeanSample = 10_000;

    private readonly int _storedCount;
    private readonly int _tuningCount;
    private readonly int _queryCount;
    private readonly Func<int, int, double> _recallOf;
    private readonly Dictionary<int, double[]> _measured = new();
    private readonly CancellationToken _cancellationToken;

    /// <param name="storedCount">The first queries are stored rows, the next <paramref name="tuningCount"/> tuning queries, the rest gap-shifted rows.</param>
    /// <param name="recallOf">(setting, query index) -> that query's recall.</param>
    private HeldOutRecall(int storedCount, int tuningCount, int queryCount, Func<int, int, double> recallOf, CancellationToken cancellationToken)
    {
        _storedCount = storedCount;
        _tuningCount = tuningCount;
        _queryCount = queryCount;
        _recallOf = recallOf;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Refuses tuning arguments out of range, naming the index (<paramref name="what"/>, e.g. "ivf tuning").</summary>
    public static void CheckArguments(string what, double targetRecall, int k, int sampleQueries, IReadOnlyList<float[]>? tuningQueries, int dim)
    {
        if (!(targetRecall is > 0 and <= 1) || k < 1 || sampleQueries < 1)
        {
            throw VidSearchException.Argument(what, $"target recall must be in (0, 1], k and the sample positive (got {targetRecall}, {k}, {sampleQueries})");
        }

        if (tuningQueries?.FirstOrDefault(q => q.Length != dim) is { } wrong)
        {
            throw VidSearchException.Argument(what, $"a tuning query has {wrong.Length} dimensions, the index {dim}");
        }
    }

    /// <param name="rows">Stored rows used as queries.</param>
    /// <param name="tuningQueries">Queries from outside the store (own row -1); null or empty: none.</param>
    /// <param name="search">(setting, query, its own row or -1) -> the k positions found without that row, best first.</param>
    public static HeldOutRecall OfSearch(VectorStore store, int builtCount, int[] rows, IReadOnlyList<float[]>? tuningQueries, int k, Func<int, float[], int, IEnumerable<int>> search, int threads, CancellationToken cancellationToken)
    {
        var (queries, own, truth) = Truth(store, builtCount, rows, tuningQueries, k, threads, cancellationToken);
        return new HeldOutRecall(rows.Length, tuningQueries?.Count ?? 0, queries.Length, (setting, q) =>
            truth[q].Length == 0 ? 1 : search(setting, queries[q], own[q]).Count(truth[q].Contains) / (double)truth[q].Length, cancellationToken);
    }

    /// <summary>
    /// For an index that re-scores exactly the best <c>setting</c> rows of one approximate ordering: a true neighbour
    /// is found exactly when its rank in that ordering is below the setting, so one ordering per query gives the
    /// recall of every setting.
    /// </summary>
    /// <param name="ranks">(query, its own row or -1, the true neighbours) -> each neighbour's rank (rows ahead of it, the own row not counted).</param>
    public static HeldOutRecall OfCandidateRanks(VectorStore store, int builtCount, int[] rows, IReadOnlyList<float[]>? tuningQueries, int k, Func<float[], int, int[], int[]> ranks, int threads, CancellationToken cancellationToken)
    {
        var (queries, own, truth) = Truth(store, builtCount, rows, tuningQueries, k, threads, cancellationToken);
        var found = new int[queries.Length][];
        Parallel.For(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = cancellationToken }, q =>
            found[q] = ranks(queries[q], own[q], truth[q]));
        return new HeldOutRecall(rows.Length, tuningQueries?.Count ?? 0, queries.Length, (setting, q) => found[q].Length == 0 ? 1 : found[q].Count(rank => rank < setting) / (double)found[q].Length, cancellationToken);
    }

    /// <summary>
    /// The queries (sample rows, then the tuning queries, then the sample rows moved across the gap when there are
    /// tuning queries), each one's own row (-1 for a tuning query) and its exact top k among the other built rows, from
    /// one batched exact pass.
    /// </summary>
    private static (float[][] Queries, int[] Own, int[][] Truth) Truth(VectorStore store, int builtCount, int[] rows, IReadOnlyList<float[]>? tuningQueries, int k, int threads, CancellationToken cancellationToken)
    {
        var shiftedRows = tuningQueries is { Count: > 0 } ? rows : [];
        var shifted = GapShifted(store, builtCount, shiftedRows, tuningQueries ?? []);
        var queries = rows.Select(r => store.Get(r)).Concat(tuningQueries ?? []).Concat(shifted).ToArray();
        var own = rows.Concat(Enumerable.Repeat(-1, tuningQueries?.Count ?? 0)).Concat(shiftedRows).ToArray();
        var exact = ExactVectorIndex.SearchRangeMany(store, queries, 0, builtCount, k + 1, threads, cancellationToken);
        return (queries, own, own.Select((row, q) => exact[q].Select(h => h.Position).Where(p => p != row).Take(k).ToArray()).ToArray());
    }

    /// <summary>
    /// Stored <paramref name="rows"/> moved across the modality gap: each plus the gap (the mean of the tuning queries
    /// minus the mean of the stored vectors), renormalised; CLIP's text and image embeddings sit about one such constant
    /// offset apart, so these stand for text queries about every part of the collection. None without tuning queries.
    /// </summary>
    private static float[][] GapShifted(VectorStore store, int builtCount, int[] rows, IReadOnlyList<float[]> tuningQueries)
    {
        if (tuningQueries.Count == 0 || rows.Length == 0)
        {
            return [];
        }

        int dim = store.Dim;
        var gap = new double[dim];
        foreach (var query in tuningQueries)
        {
            for (int d = 0; d < dim; d++)
            {
                gap[d] += query[d] / (double)tuningQueries.Count;
            }
        }

        int sample = Math.Min(builtCount, MeanSample);
        var row = new float[dim];
        for (int i = 0; i < sample; i++)
        {
            store.CopyTo((int)((long)i * builtCount / sample), row);
            for (int d = 0; d < dim; d++)
            {
                gap[d] -= row[d] / (double)sample;
            }
        }

        return rows.Select(r =>
        {
            var moved = store.Get(r);
            for (int d = 0; d < dim; d++)
            {
                moved[d] += (float)gap[d];
            }

            return VectorMath.Normalized(moved);
        }).ToArray();
    }

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

    /// <summary>The gap-shifted rows: the queries after the stored rows and the tuning queries.</summary>
    private int ShiftedCount => _queryCount - _storedCount - _tuningCount;

    /// <summary>Mean recall over the stored vectors as queries.</summary>
    public double At(int setting) => PerQuery(setting).Take(_storedCount).Average();

    /// <summary>What the tuning measured at the <paramref name="setting"/> it chose.</summary>
    public TuningMeasurement Measurement(int setting, double targetRecall)
    {
        var recalls = PerQuery(setting);
        int shifted = ShiftedCount;
        return new TuningMeasurement(
            _storedCount > 0 ? At(setting) : double.NaN,
            targetRecall,
            _storedCount,
            _tuningCount,
            _tuningCount > 0 ? recalls.Skip(_storedCount).Take(_tuningCount).Average() : null,
            shifted,
            shifted > 0 ? recalls.Skip(_storedCount + _tuningCount).Average() : null);
    }

    /// <summary>
    /// For each kind of query present (stored rows, tuning queries, gap-shifted rows), the mean minus
    /// <see cref="ConfidenceZ"/> standard errors of its per-query recalls; the lowest: the recall the setting reaches on
    /// every kind with 95 % confidence.
    /// </summary>
    public double LowerBound(int setting)
    {
        var recalls = PerQuery(setting).AsSpan();
        return Math.Min(LowerBound(recalls[.._storedCount]),
            Math.Min(LowerBound(recalls.Slice(_storedCount, _tuningCount)), LowerBound(recalls.Slice(_storedCount + _tuningCount, ShiftedCount))));
    }

    private static double LowerBound(ReadOnlySpan<double> recalls)
    {
        if (recalls.IsEmpty)
        {
            return 1;
        }

        double mean = 0;
        foreach (double r in recalls)
        {
            mean += r;
        }

        mean /= recalls.Length;
        if (recalls.Length < 2)
        {
            return mean;
        }

        double variance = 0;
        foreach (double r in recalls)
        {
            variance += (r - mean) * (r - mean);
        }

        variance /= recalls.Length - 1;
        return mean - (ConfidenceZ * Math.Sqrt(variance / recalls.Length));
    }

    private double[] PerQuery(int setting)
    {
        if (!_measured.TryGetValue(setting, out var recalls))
        {
            recalls = new double[_queryCount];
            for (int q = 0; q < _queryCount; q++)
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
