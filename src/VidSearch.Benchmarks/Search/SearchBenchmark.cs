using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Vectors;

namespace VidSearch.Benchmarks.Search;

/// <summary>Parameters of `vidsearch bench search`.</summary>
public sealed record SearchBenchmarkOptions
{
    public IReadOnlyList<int> Sizes { get; init; } = [100_000, 1_000_000];
    public int Dim { get; init; } = 512;
    public int Queries { get; init; } = 100;
    public int Warmup { get; init; } = 5;
    public int K { get; init; } = 10;
    public int Threads { get; init; } = 2;
    /// <summary>Gaussian clusters in the data; null: one per 1000 vectors.</summary>
    public int? Clusters { get; init; }
    /// <summary>Noise norm relative to the cluster centre (1: cos(point, centre) ~ 0.71).</summary>
    public float Spread { get; init; } = 1.0f;
    public IReadOnlyList<int> Nprobes { get; init; } = [8, 16, 32, 64];
    public IReadOnlyList<VectorStorageType> ExactStorage { get; init; } = [VectorStorageType.Float32, VectorStorageType.Float16, VectorStorageType.Int8];
    public int Seed { get; init; } = 42;

    /// <summary>
    /// Queries from another distribution than the stored vectors, as text queries against image embeddings: each
    /// fresh draw plus this multiple of one fixed random unit vector (CLIP's modality gap is close to one constant
    /// offset), renormalised; 0: queries from the data's distribution. The indexes tune on stored vectors, and on
    /// <see cref="TuningQueries"/> when asked.
    /// </summary>
    public float QueryOffset { get; init; }

    /// <summary>
    /// Queries drawn and shifted like the measured ones (fresh draws, after the stored vectors) that the indexes also
    /// tune on, as `index` gives them the collection's text queries; 0: tune on stored vectors only.
    /// </summary>
    public int TuningQueries { get; init; }

    /// <summary>IVF: int8 candidates re-scored exactly; null: the index default (max(100, 10k)).</summary>
    public int? RerankCandidates { get; init; }

    /// <summary>Recall@k the auto-tuned nprobe aims at.</summary>
    public double TargetRecall { get; init; } = 0.95;

    /// <summary>Approximate indexes measured: any of "ivf", "hnsw" and "binary".</summary>
    public IReadOnlyList<string> Approximate { get; init; } = ["ivf", "hnsw", "binary"];

    /// <summary>Binary codes: candidate counts re-scored exactly, measured besides the auto-tuned one.</summary>
    public IReadOnlyList<int> Candidates { get; init; } = [500, 2000, 8000];

    /// <summary>HNSW: search ef values measured.</summary>
    public IReadOnlyList<int> Efs { get; init; } = [32, 64, 128, 256];

    public int HnswM { get; init; } = 16;

    public int HnswEfConstruction { get; init; } = 100;

    public void Validate()
    {
        if (Sizes.Count == 0 || Sizes.Any(s => s is < 1000 or > 20_000_000))
        {
            throw VidSearchException.Argument("--sizes", "each size must be between 1000 and 20000000");
        }

        if (Dim is < 2 or > 8192)
        {
            throw VidSearchException.Argument("--dim", $"must be between 2 and 8192, got {Dim}");
        }

        if (Queries is < 1 or > 100_000 || Warmup < 0)
        {
            throw VidSearchException.Argument("--queries", "must be between 1 and 100000 (warm-up non-negative)");
        }

        if (RerankCandidates is < 1)
        {
            throw VidSearchException.Argument("--rerank", $"must be positive, got {RerankCandidates}");
        }

        if (!(TargetRecall is > 0 and <= 1))
        {
            throw VidSearchException.Argument("--target-recall", $"must be in (0, 1], got {TargetRecall}");
        }

        if (Approximate.Any(a => a is not ("ivf" or "hnsw" or "binary")))
        {
            throw VidSearchException.Argument("--approximate", $"expected ivf, hnsw and/or binary, got {string.Join(",", Approximate)}");
        }

        if (Candidates.Any(c => c < 1))
        {
            throw VidSearchException.Argument("--candidates", "each candidate count must be positive");
        }

        if (Efs.Any(e => e < 1) || HnswM < 2 || HnswEfConstruction < 1)
        {
            throw VidSearchException.Argument("hnsw", "ef and ef construction must be positive, M at least 2");
        }

        if (!(QueryOffset is >= 0 and <= 100))
        {
            throw VidSearchException.Argument("--query-offset", $"must be between 0 and 100, got {QueryOffset}");
        }

        if (TuningQueries is < 0 or > 100_000)
        {
            throw VidSearchException.Argument("--tuning-queries", $"must be between 0 and 100000, got {TuningQueries}");
        }

        if (K < 1 || Threads is < 1 or > 256 || Nprobes.Any(n => n < 1) || !(Spread >= 0) || Clusters is < 1)
        {
            throw VidSearchException.Argument("bench", "k, threads, nprobe and clusters must be positive, spread non-negative");
        }
    }
}

public sealed record LatencyStats(string Method, string Storage, string Setting, double P50Ms, double P99Ms, double MeanMs, double? RecallAt10, double SpeedupVsExactFloat32);

public sealed record StorageMemory(string Storage, int PayloadBytesPerVector, double MeasuredBytesPerVector);

public sealed record SizeReport(int Vectors, int Clusters, double GenerateSeconds, double IvfBuildSeconds, int IvfLists, double IvfBytesPerVector, IReadOnlyList<LatencyStats> Latencies, IReadOnlyList<StorageMemory> Memory)
{
    /// <summary>Seconds spent choosing the default nprobe (<see cref="IvfIndex.Tune"/>), not in <see cref="IvfBuildSeconds"/>.</summary>
    public double TuneSeconds { get; init; }

    /// <summary>The tuned nprobe and the recall it measured on stored vectors as queries.</summary>
    public NprobeTuning? Tuning { get; init; }

    /// <summary>HNSW build time (0 when HNSW was not measured).</summary>
    public double HnswBuildSeconds { get; init; }

    /// <summary>Bytes per vector of the HNSW graph (links and levels; the vectors are the store's).</summary>
    public double HnswBytesPerVector { get; init; }

    public int HnswM { get; init; }

    public int HnswEfConstruction { get; init; }

    /// <summary>The ef <see cref="HnswIndex.TuneEf"/> chose and the recall it measured on stored vectors as queries.</summary>
    public EfTuning? HnswTuning { get; init; }

    public double HnswTuneSeconds { get; init; }

    /// <summary>Binary-code build time (rotation and codes; 0 when not measured).</summary>
    public double BinaryBuildSeconds { get; init; }

    /// <summary>Bytes per vector of the binary codes and weights.</summary>
    public double BinaryBytesPerVector { get; init; }

    /// <summary>The candidate count <see cref="BinaryCodeIndex.Tune"/> chose and the recall it measured on stored vectors as queries.</summary>
    public CandidateTuning? BinaryTuning { get; init; }

    public double BinaryTuneSeconds { get; init; }

    /// <summary>Bytes a query reads at the tuned setting, as Auto estimates them (0 when not measured).</summary>
    public double IvfQueryBytes { get; init; }

    /// <inheritdoc cref="IvfQueryBytes"/>
    public double BinaryQueryBytes { get; init; }

    /// <summary>The index Auto (and --index approximate) would use for this data: "ivf" or "binary"; null unless both were measured.</summary>
    public string? ApproximateChoice => IvfQueryBytes > 0 && BinaryQueryBytes > 0
        ? (VectorIndexFactory.PrefersBinaryCodes(IvfQueryBytes, BinaryQueryBytes) ? "binary" : "ivf")
        : null;
}

public sealed record SearchBenchmarkReport(string Data, int Dim, int Queries, int K, int Threads, string Machine, IReadOnlyList<SizeReport> Sizes);

/// <summary>
/// Search latency (p50/p99 over queries) of exact SIMD search per storage type, of the IVF-SQ8 index per
/// nprobe and of the HNSW graph per ef; approximate recall@10 against exact float32 search, build times, and
/// memory per stored vector. Data:
/// unit vectors from Gaussian clusters (see <see cref="ClusteredGaussianVectors"/>), queries drawn fresh from
/// the same clusters. Ratios are against exact float32 search measured in the same run.
/// </summary>
public static class SearchBenchmark
{
    public static SearchBenchmarkReport Run(SearchBenchmarkOptions options, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        var sizes = new List<SizeReport>();
        foreach (int size in options.Sizes)
        {
            sizes.Add(RunSize(options, size, progress, cancellationToken));
        }

        return new SearchBenchmarkReport(
            $"unit vectors: centre + Gaussian noise (spread {options.Spread}) around random unit centres, normalised; queries are fresh draws"
                + (options.QueryOffset > 0 ? $" shifted by {options.QueryOffset} x one fixed random unit vector and renormalised" : "") + $"; seed {options.Seed}",
            options.Dim, options.Queries, options.K, options.Threads,
            $"{Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, AVX2 {System.Runtime.Intrinsics.X86.Avx2.IsSupported}, AVX-512 {System.Runtime.Intrinsics.X86.Avx512F.IsSupported}",
            sizes);
    }

    private static SizeReport RunSize(SearchBenchmarkOptions options, int size, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        int clusters = options.Clusters ?? Math.Max(10, size / 1000);
        var clock = Stopwatch.StartNew();
        var generator = new ClusteredGaussianVectors(options.Dim, clusters, options.Spread, options.Seed);
        var queries = Enumerable.Range(0, options.Queries + options.Warmup).Select(_ => generator.Next()).ToArray();
        ShiftQueries(queries, options.QueryOffset, options.Seed);
        long before = AllocatedNow();
        var store = FillReporting(generator, VectorStorageType.Float32, size, progress, cancellationToken);
        double measuredFloat32 = (AllocatedNow() - before) / (double)size;
        double generateSeconds = clock.Elapsed.TotalSeconds;
        // Drawn after the store, so that the store and the measured queries do not depend on how many there are.
        var tuningQueries = Enumerable.Range(0, options.TuningQueries).Select(_ => generator.Next()).ToArray();
        ShiftQueries(tuningQueries, options.QueryOffset, options.Seed);

        var vectorOptions = new VectorSearchOptions { Threads = options.Threads };
        var exact = new ExactVectorIndex(store);
        var truth = new HashSet<int>[queries.Length];
        var exactTimes = Time(queries, options.Warmup, (q, i) => truth[i] = exact.Search(q, options.K, vectorOptions).Select(h => h.Position).ToHashSet(), progress, $"exact float32 {size}");
        var workload = new Workload(queries, truth, tuningQueries.Length > 0 ? tuningQueries : null);
        var latencies = new List<LatencyStats>();
        double baseline = Median(exactTimes);
        latencies.Add(Stats("exact", "float32", "-", exactTimes, null, baseline));

        var memory = new List<StorageMemory> { new("float32", VectorStorageType.Float32.BytesPerVector(options.Dim), measuredFloat32) };
        foreach (var type in options.ExactStorage.Where(t => t != VectorStorageType.Float32))
        {
            before = AllocatedNow();
            var typed = VectorStore.Create(type, options.Dim);
            var row = new float[options.Dim];
            for (int i = 0; i < size; i++)
            {
                store.CopyTo(i, row);
                typed.Add(row);
            }

            memory.Add(new StorageMemory(type.Name(), type.BytesPerVector(options.Dim), (AllocatedNow() - before) / (double)size));
            var typedIndex = new ExactVectorIndex(typed);
            var (times, recall) = TimeWithRecall(typedIndex, vectorOptions, options, queries, truth, progress, $"exact {type.Name()} {size}");
            latencies.Add(Stats("exact", type.Name(), "-", times, recall, baseline));
            if (options.Approximate.Contains("binary"))
            {
                // The codes over the stored type (float16 is `vidsearch index`'s default), auto-tuned count only.
                var codes = BuildAndTuneBinary(options, typed, workload.TuningQueries, progress, cancellationToken).Index;
                var searchOptions = new VectorSearchOptions { Threads = options.Threads, RerankCandidates = codes.DefaultCandidates };
                (times, recall) = TimeWithRecall(codes, searchOptions, options, queries, truth, progress, $"binary {type.Name()} {size}");
                latencies.Add(Stats("binary auto-tuned", type.Name(), $"candidates={codes.DefaultCandidates}", times, recall, baseline));
            }

            typed = null;
            typedIndex = null;
            GC.Collect();
        }

        var report = new SizeReport(size, clusters, generateSeconds, 0, 0, 0, latencies, memory);
        if (options.Approximate.Contains("binary"))
        {
            report = MeasureBinary(options, store, workload, baseline, latencies, report, progress, cancellationToken);
        }

        if (options.Approximate.Contains("hnsw"))
        {
            report = MeasureHnsw(options, store, workload, baseline, latencies, report, progress, cancellationToken);
        }

        return options.Approximate.Contains("ivf") ? MeasureIvf(options, store, workload, baseline, latencies, report, progress, cancellationToken) : report;
    }

    private static SizeReport MeasureBinary(SearchBenchmarkOptions options, VectorStore store, Workload workload, double baseline, List<LatencyStats> latencies, SizeReport report, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var (index, tuning, buildSeconds, tuneSeconds) = BuildAndTuneBinary(options, store, workload.TuningQueries, progress, cancellationToken);
        foreach (int candidates in options.Candidates.Append(-1))
        {
            bool auto = candidates < 0;
            int count = auto ? tuning.Candidates : candidates;
            var searchOptions = new VectorSearchOptions { Threads = options.Threads, RerankCandidates = count };
            var (times, recall) = TimeWithRecall(index, searchOptions, options, workload.Queries, workload.Truth, progress, $"binary candidates {count} {store.Count}");
            latencies.Add(Stats(auto ? "binary auto-tuned" : "binary+rerank", "float32", $"candidates={count}", times, recall, baseline));
        }

        return report with
        {
            BinaryBuildSeconds = buildSeconds,
            BinaryBytesPerVector = index.IndexBytes / (double)store.Count,
            BinaryTuning = tuning,
            BinaryTuneSeconds = tuneSeconds,
            BinaryQueryBytes = index.EstimatedQueryBytes,
        };
    }

    private static (BinaryCodeIndex Index, CandidateTuning Tuning, double BuildSeconds, double TuneSeconds) BuildAndTuneBinary(
        SearchBenchmarkOptions options, VectorStore store, IReadOnlyList<float[]>? tuningQueries, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
        => BuildAndTune(
            () => BinaryCodeIndex.Build(store, new BinaryBuildOptions { Threads = options.Threads, Seed = options.Seed, TargetRecall = null }, progress, cancellationToken),
            index => index.Tune(options.TargetRecall, options.K, threads: options.Threads, tuningQueries: tuningQueries, cancellationToken: cancellationToken),
            $"binary tune candidates {store.Count}", progress);

    /// <summary>Builds an index untuned, then tunes it, timing the two apart (the tuning is reported on its own line).</summary>
    private static (TIndex Index, TTuning Tuning, double BuildSeconds, double TuneSeconds) BuildAndTune<TIndex, TTuning>(
        Func<TIndex> build, Func<TIndex, TTuning> tune, string tuneTask, IProgress<WorkProgress>? progress)
    {
        var clock = Stopwatch.StartNew();
        var index = build();
        double buildSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        progress?.Report(new WorkProgress(tuneTask, 0, null, "steps"));
        var tuning = tune(index);
        return (index, tuning, buildSeconds, clock.Elapsed.TotalSeconds);
    }

    private static SizeReport MeasureHnsw(SearchBenchmarkOptions options, VectorStore store, Workload workload, double baseline, List<LatencyStats> latencies, SizeReport report, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var (hnsw, tuning, buildSeconds, tuneSeconds) = BuildAndTune(
            () => HnswIndex.Build(store, new HnswBuildOptions { M = options.HnswM, EfConstruction = options.HnswEfConstruction, Threads = options.Threads, Seed = options.Seed, TargetRecall = null }, progress, cancellationToken),
            graph => graph.TuneEf(options.TargetRecall, options.K, threads: options.Threads, tuningQueries: workload.TuningQueries, cancellationToken: cancellationToken),
            $"hnsw tune ef {store.Count}", progress);
        foreach (int ef in options.Efs.Append(-1))
        {
            bool auto = ef < 0;
            var searchOptions = new VectorSearchOptions { Threads = options.Threads, Ef = auto ? null : ef };
            var (times, recall) = TimeWithRecall(hnsw, searchOptions, options, workload.Queries, workload.Truth, progress, $"hnsw ef {hnsw.DefaultEf} {store.Count}");
            latencies.Add(Stats(auto ? "hnsw auto-tuned" : "hnsw", "float32", $"M={options.HnswM} ef={(auto ? hnsw.DefaultEf : ef)}", times, recall, baseline));
        }

        return report with
        {
            HnswBuildSeconds = buildSeconds,
            HnswBytesPerVector = hnsw.IndexBytes / (double)store.Count,
            HnswM = options.HnswM,
            HnswEfConstruction = options.HnswEfConstruction,
            HnswTuning = tuning,
            HnswTuneSeconds = tuneSeconds,
        };
    }

    private static SizeReport MeasureIvf(SearchBenchmarkOptions options, VectorStore store, Workload workload, double baseline, List<LatencyStats> latencies, SizeReport report, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        int size = store.Count;
        var vectorOptions = new VectorSearchOptions { Threads = options.Threads };
        var (ivf, tuning, buildSeconds, tuneSeconds) = BuildAndTune(
            () => IvfIndex.Build(store, new IvfBuildOptions { Threads = options.Threads, Seed = options.Seed, TargetRecall = null }, progress, cancellationToken),
            lists => lists.Tune(options.TargetRecall, options.K, threads: options.Threads, tuningQueries: workload.TuningQueries, cancellationToken: cancellationToken),
            $"ivf tune nprobe {size}", progress);
        foreach (int nprobe in options.Nprobes.Where(n => n <= ivf.ListCount).Append(-1))
        {
            bool auto = nprobe < 0;
            int probes = auto ? tuning.Nprobe : nprobe;
            var ivfOptions = vectorOptions with { Nprobe = probes, RerankCandidates = options.RerankCandidates };
            var (times, recall) = TimeWithRecall(ivf, ivfOptions, options, workload.Queries, workload.Truth, progress, $"ivf nprobe {probes} {size}");
            latencies.Add(Stats(auto ? "ivf auto-tuned" : "ivf-sq8+rerank", "float32", $"nprobe={probes}/{ivf.ListCount}" + (options.RerankCandidates is int r ? $" rr={r}" : ""), times, recall, baseline));
        }

        return report with
        {
            IvfBuildSeconds = buildSeconds,
            IvfLists = ivf.ListCount,
            IvfBytesPerVector = ivf.IndexBytes / (double)size,
            TuneSeconds = tuneSeconds,
            Tuning = tuning,
            IvfQueryBytes = ivf.EstimatedQueryBytes,
        };
    }

    private static VectorStore FillReporting(ClusteredGaussianVectors generator, VectorStorageType type, int count, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var store = VectorStore.Create(type, generator.Dim);
        var v = new float[generator.Dim];
        for (int i = 0; i < count; i++)
        {
            if (i % 50_000 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new WorkProgress($"generate {count}", i, count, "vectors"));
            }

            generator.Next(v);
            store.Add(v);
        }

        progress?.Report(new WorkProgress($"generate {count}", count, count, "vectors"));
        return store;
    }

    /// <summary>The measured queries (warm-up first), each one's exact top k, and the queries the indexes also tune on (null: none).</summary>
    private sealed record Workload(float[][] Queries, HashSet<int>[] Truth, IReadOnlyList<float[]>? TuningQueries);

    /// <summary>Adds <paramref name="offset"/> x one random unit vector (drawn from the seed) to every query, renormalised.</summary>
    private static void ShiftQueries(float[][] queries, float offset, int seed)
    {
        if (offset == 0 || queries.Length == 0)
        {
            return;
        }

        // One cluster with no spread: its single random unit centre, from a seed of its own.
        var direction = new ClusteredGaussianVectors(queries[0].Length, 1, 0, unchecked(seed * 7919 + 1)).Next();
        foreach (var query in queries)
        {
            for (int d = 0; d < query.Length; d++)
            {
                query[d] += offset * direction[d];
            }

            VectorMath.NormalizeInPlace(query);
        }
    }

    /// <summary>Latencies of the measured queries (after the warm-up) and their mean recall@k against <paramref name="truth"/>.</summary>
    private static (double[] Times, double Recall) TimeWithRecall(IVectorIndex index, VectorSearchOptions searchOptions, SearchBenchmarkOptions options, float[][] queries, HashSet<int>[] truth, IProgress<WorkProgress>? progress, string task)
    {
        double recall = 0;
        var times = Time(queries, options.Warmup, (q, i) =>
        {
            var hits = index.Search(q, options.K, searchOptions);
            if (i >= options.Warmup)
            {
                recall += hits.Count(h => truth[i].Contains(h.Position)) / (double)options.K;
            }
        }, progress, task);
        return (times, recall / options.Queries);
    }

    /// <summary>Times <paramref name="search"/> on each query; the first <paramref name="warmup"/> are run but not timed.</summary>
    internal static double[] Time(float[][] queries, int warmup, Action<float[], int> search, IProgress<WorkProgress>? progress, string task)
    {
        var times = new List<double>();
        for (int i = 0; i < queries.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            search(queries[i], i);
            double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= warmup)
            {
                times.Add(ms);
            }

            progress?.Report(new WorkProgress(task, i + 1, queries.Length, "queries"));
        }

        return [.. times];
    }

    private static LatencyStats Stats(string method, string storage, string setting, double[] times, double? recall, double baselineP50)
    {
        var sorted = times.Order().ToArray();
        double p50 = Percentile(sorted, 0.50);
        return new LatencyStats(method, storage, setting, p50, Percentile(sorted, 0.99), sorted.Average(), recall, baselineP50 / p50);
    }

    private static double Median(double[] values) => Percentile(values.Order().ToArray(), 0.5);

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static long AllocatedNow()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
