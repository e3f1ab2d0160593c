using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Vectors;

namespace VidSearch.Benchmarks.Search;

/// <summary>Parameters of `vidsearch bench recall`.</summary>
public sealed record CollectionRecallOptions
{
    /// <summary>The approximate index measured: approximate (IVF or binary codes, as Auto chooses), ivf, hnsw or binary.</summary>
    public VectorIndexChoice Index { get; init; } = VectorIndexChoice.Approximate;

    public int K { get; init; } = 10;

    public int Threads { get; init; } = 2;

    /// <summary>Queries searched once before timing (the first ones, searched again when measured).</summary>
    public int Warmup { get; init; } = 5;

    public void Validate()
    {
        if (Index is VectorIndexChoice.Auto or VectorIndexChoice.Exact)
        {
            throw VidSearchException.Argument("--index", "give the approximate index to measure: approximate, ivf, hnsw or binary");
        }

        if (K is < 1 or > 1000 || Threads is < 1 or > 256 || Warmup is < 0 or > 1000)
        {
            throw VidSearchException.Argument("bench recall", $"k must be 1-1000, threads 1-256, warm-up 0-1000 (got {K}, {Threads}, {Warmup})");
        }
    }
}

/// <summary>One way of tuning the approximate index and what it gave on the measured queries.</summary>
/// <param name="Tuning">What the index tuned on.</param>
/// <param name="Setting">Its tuned setting, e.g. "nprobe=7/1000".</param>
/// <param name="Measured">What the tuning measured on its own queries.</param>
public sealed record TunedIndexMeasurement(string Tuning, string Kind, string Setting, TuningMeasurement? Measured, double BuildSeconds, double P50Ms, double P99Ms, double RecallAtK);

/// <param name="QueryTop1Similarity">Mean similarity of each measured query to its nearest stored vector.</param>
/// <param name="StoredTop1Similarity">Mean similarity of sampled stored vectors to their nearest other stored vector: far above the queries' when text queries meet image embeddings (the modality gap).</param>
public sealed record CollectionRecallReport(
    int Vectors,
    int Dim,
    int Queries,
    int K,
    int TuningQueries,
    double ExactP50Ms,
    double ExactP99Ms,
    double QueryTop1Similarity,
    double StoredTop1Similarity,
    IReadOnlyList<TunedIndexMeasurement> Indexes);

/// <summary>
/// Recall@k and latency of an approximate index on a collection's own vectors for real queries (text embedded by the
/// collection's model), against exact search in the same run: the index tuned on stored vectors alone, then on stored
/// vectors and the collection's tuning queries (what `search` uses), so the difference the tuning queries make on this
/// collection is measured rather than assumed.
/// </summary>
public static class CollectionRecallBenchmark
{
    private const int StoredSample = 200;

    public static CollectionRecallReport Run(
        VectorStore vectors,
        IReadOnlyList<float[]> queries,
        IReadOnlyList<float[]> tuningQueries,
        CollectionRecallOptions options,
        IProgress<WorkProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (queries.Count == 0)
        {
            throw VidSearchException.Argument("queries", "none given");
        }

        if (queries.Concat(tuningQueries).FirstOrDefault(q => q.Length != vectors.Dim) is { } wrong)
        {
            throw VidSearchException.Argument("queries", $"a query has {wrong.Length} dimensions, the collection {vectors.Dim}");
        }

        if (vectors.Count < 2)
        {
            throw VidSearchException.Argument("collection", $"holds {vectors.Count} vectors; recall needs at least 2");
        }

        var search = new VectorSearchOptions { Threads = options.Threads };
        var exact = new ExactVectorIndex(vectors);
        var (exactTimes, exactHits) = Time(queries, options, q => exact.Search(q, options.K, search), progress, "exact", cancellationToken);
        var truth = exactHits.Select(hits => hits.Select(h => h.Position).ToHashSet()).ToArray();
        double top1 = exactHits.Average(hits => hits.Count > 0 ? hits[0].Score : 0);

        var rows = new List<TunedIndexMeasurement> { Measure("stored vectors", null, vectors, queries, truth, options, progress, cancellationToken) };
        if (tuningQueries.Count > 0)
        {
            rows.Add(Measure($"stored vectors + {tuningQueries.Count} tuning queries", tuningQueries, vectors, queries, truth, options, progress, cancellationToken));
        }

        var sortedExact = exactTimes.Order().ToArray();
        return new CollectionRecallReport(vectors.Count, vectors.Dim, queries.Count, options.K, tuningQueries.Count,
            SearchBenchmark.Percentile(sortedExact, 0.5), SearchBenchmark.Percentile(sortedExact, 0.99),
            top1, StoredTop1(exact, vectors, search), rows);
    }

    private static TunedIndexMeasurement Measure(string tuning, IReadOnlyList<float[]>? tuningQueries, VectorStore vectors, IReadOnlyList<float[]> queries, HashSet<int>[] truth, CollectionRecallOptions options, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var index = VectorIndexFactory.Open(vectors, options.Index, annPath: null, fingerprint: 0, progress: progress, tuningQueries: tuningQueries, cancellationToken: cancellationToken);
        double buildSeconds = clock.Elapsed.TotalSeconds;
        var search = new VectorSearchOptions { Threads = options.Threads };
        var (times, hits) = Time(queries, options, q => index.Search(q, options.K, search), progress, $"{index.Kind} tuned on {tuning}", cancellationToken);
        double recall = hits.Select((found, i) => found.Count(h => truth[i].Contains(h.Position)) / (double)Math.Max(1, truth[i].Count)).Average();
        var sorted = times.Order().ToArray();
        var (setting, measured) = VectorIndexFactory.SettingOf(index);
        return new TunedIndexMeasurement(tuning, index.Kind, setting, measured, buildSeconds,
            SearchBenchmark.Percentile(sorted, 0.5), SearchBenchmark.Percentile(sorted, 0.99), recall);
    }

    /// <summary>Each query's hits and time, after searching the first <see cref="CollectionRecallOptions.Warmup"/> once untimed.</summary>
    private static (double[] Times, IReadOnlyList<VectorHit>[] Hits) Time(IReadOnlyList<float[]> queries, CollectionRecallOptions options, Func<float[], IReadOnlyList<VectorHit>> search, IProgress<WorkProgress>? progress, string task, CancellationToken cancellationToken)
    {
        var withWarmup = queries.Take(options.Warmup).Concat(queries).ToArray();
        int warmup = withWarmup.Length - queries.Count;
        var hits = new IReadOnlyList<VectorHit>[queries.Count];
        var times = SearchBenchmark.Time(withWarmup, warmup, (query, i) =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var found = search(query);
            if (i >= warmup)
            {
                hits[i - warmup] = found;
            }
        }, progress, task);
        return (times, hits);
    }

    /// <summary>Mean similarity of up to 200 stored vectors (evenly spread rows) to their nearest other stored vector.</summary>
    private static double StoredTop1(ExactVectorIndex exact, VectorStore vectors, VectorSearchOptions search)
    {
        int sample = Math.Min(StoredSample, vectors.Count);
        double sum = 0;
        for (int s = 0; s < sample; s++)
        {
            int row = (int)((long)s * vectors.Count / sample);
            var hits = exact.Search(vectors.Get(row), 2, search);
            sum += hits.FirstOrDefault(h => h.Position != row).Score;
        }

        return sum / sample;
    }
}
