using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>
/// Recall@k of an approximate index against exact search, with stored vectors as queries: each query's own row is
/// left out of both answers, so a query stands for a point of the data's distribution, not a copy of a stored vector.
/// Measured once per setting (nprobe, ef); <see cref="SmallestMeeting"/> finds the smallest setting that reaches a
/// target by doubling, then bisecting.
/// </summary>
internal sealed class HeldOutRecall
{
    private readonly int[] _rows;
    private readonly float[][] _queries;
    private readonly HashSet<int>[] _truth;
    private readonly Func<int, float[], int, IEnumerable<int>> _search;
    private readonly Dictionary<int, double> _measured = new();
    private readonly CancellationToken _cancellationToken;

    /// <param name="search">(setting, query, its own row) -> the k positions found without that row, best first.</param>
    public HeldOutRecall(VectorStore store, int builtCount, int[] rows, int k, Func<int, float[], int, IEnumerable<int>> search, int threads, CancellationToken cancellationToken)
    {
        _rows = rows;
        _search = search;
        _cancellationToken = cancellationToken;
        _queries = rows.Select(r => store.Get(r)).ToArray();
        _truth = new HashSet<int>[rows.Length];
        for (int q = 0; q < rows.Length; q++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _truth[q] = ExactVectorIndex.SearchRange(store, _queries[q], 0, builtCount, k + 1, threads).Select(h => h.Position).Where(p => p != rows[q]).Take(k).ToHashSet();
        }
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

    public double At(int setting)
    {
        if (!_measured.TryGetValue(setting, out double recall))
        {
            double sum = 0;
            for (int q = 0; q < _rows.Length; q++)
            {
                _cancellationToken.ThrowIfCancellationRequested();
                sum += _search(setting, _queries[q], _rows[q]).Count(_truth[q].Contains) / (double)_truth[q].Count;
            }

            _measured[setting] = recall = sum / _rows.Length;
        }

        return recall;
    }

    /// <summary>
    /// The smallest setting in (low, limit] reaching <paramref name="targetRecall"/>: doubles from <paramref name="high"/>
    /// until it does (or reaches <paramref name="limit"/>), then bisects while the bracket is wider than
    /// <paramref name="tolerance"/>(high). Returns <paramref name="limit"/> when even that misses the target.
    /// </summary>
    public int SmallestMeeting(double targetRecall, int low, int high, int limit, Func<int, int> tolerance)
    {
        while (high < limit && At(high) < targetRecall)
        {
            low = high;
            high = Math.Min(limit, high * 2);
        }

        if (At(high) >= targetRecall)
        {
            while (high - low > tolerance(high))
            {
                int mid = (low + high) / 2;
                if (At(mid) >= targetRecall)
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
