using System.Numerics.Tensors;
using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>How an <see cref="IvfIndex"/> is trained.</summary>
public sealed record IvfBuildOptions
{
    /// <summary>Inverted lists (k-means centroids); null: about sqrt(N).</summary>
    public int? Lists { get; init; }

    /// <summary>Training vectors sampled per list for k-means.</summary>
    public int SamplesPerList { get; init; } = 48;

    public int Iterations { get; init; } = 10;

    public int Seed { get; init; } = 1234;

    /// <summary>
    /// After the build, tune the default nprobe to the smallest that reaches this recall@10 on a sample of the stored
    /// vectors used as queries, and on <see cref="TuningQueries"/> (see <see cref="IvfIndex.Tune"/>); null: no tuning
    /// (default nprobe = lists / 16).
    /// </summary>
    public double? TargetRecall { get; init; } = 0.95;

    /// <summary>Queries from outside the store the tuned nprobe must also serve (text embeddings of likely queries); null: none.</summary>
    public IReadOnlyList<float[]>? TuningQueries { get; init; }

    public int Threads { get; init; } = 2;
}

/// <summary>
/// Inverted-file index with int8 scalar-quantised lists (IVF-SQ8) and exact re-ranking. Spherical k-means
/// splits the vectors into lists; a query probes the <c>nprobe</c> lists whose centroids are closest, scores
/// their int8 codes with integer SIMD dot products, and re-scores the best candidates with the store's own
/// vectors. Rows appended to the store after the build are scanned exactly, so a slightly stale index still
/// answers correctly.
/// </summary>
public sealed class IvfIndex : IVectorIndex
{
    private readonly VectorStore _store;
    private readonly float[] _centroids;
    private readonly InvertedList[] _lists;

    private IvfIndex(VectorStore store, float[] centroids, InvertedList[] lists, int builtCount, NprobeTuning? tuning = null)
    {
        _store = store;
        _centroids = centroids;
        _lists = lists;
        BuiltCount = builtCount;
        Tuning = tuning;
    }

    /// <summary>The result of <see cref="Tune"/> (kept in the saved file); null when the index was not tuned.</summary>
    public NprobeTuning? Tuning { get; private set; }

    public string Kind => "ivf";

    public int Count => _store.Count;

    public int Dim => _store.Dim;

    public int ListCount => _lists.Length;

    /// <summary>Rows covered by the inverted lists (the rest are scanned exactly).</summary>
    public int BuiltCount { get; }

    /// <summary>The tuned nprobe when the index was tuned, else lists / 16 (at least 8).</summary>
    public int DefaultNprobe => Tuning?.Nprobe ?? Math.Clamp((int)Math.Ceiling(_lists.Length / 16.0), Math.Min(8, _lists.Length), _lists.Length);

    /// <summary>
    /// Finds the smallest nprobe whose recall@k against exact search reaches <paramref name="targetRecall"/> with 95 %
    /// confidence (<see cref="HeldOutRecall.LowerBound"/>), with
    /// <paramref name="sampleQueries"/> stored vectors (seeded sample) as queries, each one's own row left out of
    /// both answers (so a query is a point of the data's distribution, not a copy of a stored vector), and on each of
    /// <paramref name="tuningQueries"/> when given: queries from another distribution than the stored vectors (text
    /// queries against image embeddings) may need more probes, and the target must hold for both kinds. nprobe is
    /// doubled until the target is met, then bisected; when even every list misses it, nprobe = all lists.
    /// The result becomes <see cref="DefaultNprobe"/>.
    /// </summary>
    public NprobeTuning Tune(double targetRecall = 0.95, int k = 10, int sampleQueries = 64, int seed = 7, int threads = 2, IReadOnlyList<float[]>? tuningQueries = null, CancellationToken cancellationToken = default)
    {
        HeldOutRecall.CheckArguments("ivf tuning", targetRecall, k, sampleQueries, tuningQueries, Dim);

        int n = BuiltCount;
        if (n <= k + 1)
        {
            Tuning = new NprobeTuning(_lists.Length, TuningMeasurement.Trivial(targetRecall));
            return Tuning;
        }

        var random = new Random(seed);
        var rows = SampleWithoutReplacement(n, Math.Min(sampleQueries, n), random);
        var recall = HeldOutRecall.OfSearch(_store, n, rows, tuningQueries, k, (nprobe, query, row) =>
            Search(query, k + 1, new VectorSearchOptions { Nprobe = nprobe, Threads = threads }).Select(h => h.Position).Where(p => p != row).Take(k),
            threads, cancellationToken);
        int high = recall.SmallestMeeting(targetRecall, low: 0, high: 1, limit: _lists.Length, tolerance: _ => 1);
        Tuning = new NprobeTuning(high, recall.Measurement(high, targetRecall));
        return Tuning;
    }

    /// <summary>
    /// Bytes a top-10 query reads at the default nprobe (<see cref="QueryCost"/>): the centroids, the average share of
    /// the lists it probes, and the re-scored rows.
    /// </summary>
    public double EstimatedQueryBytes
        => ((double)_centroids.Length * sizeof(float))
            + ((double)IndexBytes - ((double)_centroids.Length * sizeof(float))) * Math.Min(DefaultNprobe, _lists.Length) / Math.Max(1, _lists.Length)
            + QueryCost.Rescoring(_store, Math.Min(DefaultRerank, BuiltCount));

    /// <summary>Rows re-scored exactly for a top-10 query unless told otherwise.</summary>
    private const int DefaultRerank = 100;

    /// <summary>Bytes of the inverted lists and centroids (codes, scales, ids).</summary>
    public long IndexBytes => (long)_centroids.Length * sizeof(float) + _lists.Sum(l => (long)l.Ids.Length * (Dim + sizeof(float) + sizeof(int)));

    public static IvfIndex Build(VectorStore store, IvfBuildOptions? options = null, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new IvfBuildOptions();
        int n = store.Count;
        int dim = store.Dim;
        if (n == 0)
        {
            return new IvfIndex(store, new float[dim], [new InvertedList([], [], [])], 0);
        }

        int lists = Math.Clamp(options.Lists ?? (int)Math.Round(Math.Sqrt(n)), 1, n);
        if (options.Iterations <= 0 || options.SamplesPerList <= 0)
        {
            throw VidSearchException.Argument("ivf", "iterations and samples per list must be positive");
        }

        var random = new Random(options.Seed);
        int sampleCount = (int)Math.Min(n, (long)lists * options.SamplesPerList);
        int[] sample = SampleWithoutReplacement(n, sampleCount, random);
        var sampleVectors = new float[(long)sampleCount * dim <= int.MaxValue ? sampleCount * dim : throw VidSearchException.Argument("ivf", "training sample too large")];
        for (int i = 0; i < sampleCount; i++)
        {
            store.CopyTo(sample[i], sampleVectors.AsSpan(i * dim, dim));
        }

        var centroids = new float[lists * dim];
        for (int c = 0; c < lists; c++)
        {
            sampleVectors.AsSpan(c * dim, dim).CopyTo(centroids.AsSpan(c * dim, dim));
        }

        var assignment = new int[sampleCount];
        long totalSteps = options.Iterations + 1;
        for (int iteration = 0; iteration < options.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new WorkProgress("ivf build", iteration, totalSteps, "steps", $"k-means {iteration + 1}/{options.Iterations}"));
            Parallel.For(0, sampleCount, new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancellationToken },
                i => assignment[i] = Nearest(centroids, lists, sampleVectors.AsSpan(i * dim, dim)));

            Array.Clear(centroids);
            var counts = new int[lists];
            for (int i = 0; i < sampleCount; i++)
            {
                TensorPrimitives.Add(centroids.AsSpan(assignment[i] * dim, dim), sampleVectors.AsSpan(i * dim, dim), centroids.AsSpan(assignment[i] * dim, dim));
                counts[assignment[i]]++;
            }

            for (int c = 0; c < lists; c++)
            {
                var centroid = centroids.AsSpan(c * dim, dim);
                if (counts[c] == 0)
                {
                    sampleVectors.AsSpan(random.Next(sampleCount) * dim, dim).CopyTo(centroid);
                }

                VectorMath.NormalizeInPlace(centroid);
            }
        }

        progress?.Report(new WorkProgress("ivf build", options.Iterations, totalSteps, "steps", "assign"));
        var owner = new int[n];
        Parallel.For(0, options.Threads, new ParallelOptions { MaxDegreeOfParallelism = options.Threads, CancellationToken = cancellationToken }, part =>
        {
            var row = new float[dim];
            int from = (int)((long)n * part / options.Threads);
            int to = (int)((long)n * (part + 1) / options.Threads);
            for (int i = from; i < to; i++)
            {
                store.CopyTo(i, row);
                owner[i] = Nearest(centroids, lists, row);
            }
        });

        var sizes = new int[lists];
        foreach (int o in owner)
        {
            sizes[o]++;
        }

        var built = new InvertedList[lists];
        for (int c = 0; c < lists; c++)
        {
            built[c] = new InvertedList(new int[sizes[c]], new float[sizes[c]], new sbyte[sizes[c] * dim]);
        }

        var fill = new int[lists];
        var buffer = new float[dim];
        for (int i = 0; i < n; i++)
        {
            var list = built[owner[i]];
            int slot = fill[owner[i]]++;
            store.CopyTo(i, buffer);
            list.Ids[slot] = i;
            list.Scales[slot] = Int8Quantizer.Quantize(buffer, list.Codes.AsSpan(slot * dim, dim));
        }

        progress?.Report(new WorkProgress("ivf build", totalSteps, totalSteps, "steps"));
        var index = new IvfIndex(store, centroids, built, n);
        if (options.TargetRecall is double target)
        {
            progress?.Report(new WorkProgress("ivf tune nprobe", 0, null, "steps"));
            index.Tune(target, threads: options.Threads, tuningQueries: options.TuningQueries, cancellationToken: cancellationToken);
        }

        return index;
    }

    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorSearchOptions? options = null)
    {
        VectorQueryCheck.KAndQuery(k, query.Length, Dim);

        int nprobe = options?.Nprobe ?? DefaultNprobe;
        if (nprobe <= 0)
        {
            throw VidSearchException.Argument("nprobe", $"must be positive, got {nprobe}");
        }

        nprobe = Math.Min(nprobe, _lists.Length);
        int rerank = Math.Max(k, options?.RerankCandidates ?? Math.Max(DefaultRerank, 10 * k));
        int threads = Math.Max(1, options?.Threads ?? 2);

        var centroidScores = new TopK(nprobe);
        for (int c = 0; c < _lists.Length; c++)
        {
            centroidScores.Add(c, TensorPrimitives.Dot(query, _centroids.AsSpan(c * Dim, Dim)));
        }

        var probed = centroidScores.ToSortedArray();
        var queryCodes = new sbyte[Dim];
        float queryScale = Int8Quantizer.Quantize(query, queryCodes);
        long probedRows = probed.Sum(p => (long)_lists[p.Position].Ids.Length);
        int parts = probedRows < 20_000 ? 1 : Math.Min(threads, probed.Length);
        var heaps = new TopK[parts];
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var heap = new TopK(rerank);
            for (int p = part; p < probed.Length; p += parts)
            {
                var list = _lists[probed[p].Position];
                for (int j = 0; j < list.Ids.Length; j++)
                {
                    float score = Int8Quantizer.Dot(queryCodes, list.Codes.AsSpan(j * Dim, Dim)) * queryScale * list.Scales[j];
                    heap.Add(list.Ids[j], score);
                }
            }

            heaps[part] = heap;
        });

        for (int i = 1; i < parts; i++)
        {
            heaps[0].AddAll(heaps[i]);
        }

        var result = new TopK(k);
        CandidateRescorer.Rescore(_store, query, heaps[0].ToSortedArray(), result, threads);

        if (_store.Count > BuiltCount)
        {
            foreach (var hit in ExactVectorIndex.SearchRange(_store, query, BuiltCount, _store.Count, k, threads))
            {
                result.Add(hit.Position, hit.Score);
            }
        }

        return result.ToSortedArray();
    }

    /// <summary>Writes the index to <paramref name="path"/> atomically (temp file, then rename).</summary>
    public void Save(string path, long fingerprint)
        => IndexFile.WriteAtomically(path, Magic, FormatVersion, writer =>
        {
            writer.Write(Dim);
            writer.Write(BuiltCount);
            writer.Write(fingerprint);
            writer.Write(_lists.Length);
            writer.Write(Tuning?.Nprobe ?? 0);
            (Tuning?.Measured ?? TuningMeasurement.Trivial(0)).Write(writer);
            WriteArray(writer, _centroids.AsSpan());
            foreach (var list in _lists)
            {
                writer.Write(list.Ids.Length);
                WriteArray(writer, list.Ids.AsSpan());
                WriteArray(writer, list.Scales.AsSpan());
                WriteArray(writer, list.Codes.AsSpan());
            }
        });

    /// <summary>
    /// Loads an index saved by <see cref="Save"/> for <paramref name="store"/>; null when the file is missing,
    /// made for another fingerprint or dimension, or unreadable (the caller rebuilds it).
    /// </summary>
    public static IvfIndex? TryLoad(string path, VectorStore store, long fingerprint)
        => IndexFile.TryRead(path, Magic, FormatVersion, (stream, reader) =>
        {
            int dim = reader.ReadInt32();
            int builtCount = reader.ReadInt32();
            long storedFingerprint = reader.ReadInt64();
            int listCount = reader.ReadInt32();
            int tunedNprobe = reader.ReadInt32();
            var measured = TuningMeasurement.Read(reader);
            var tuning = tunedNprobe > 0 && tunedNprobe <= listCount ? new NprobeTuning(tunedNprobe, measured) : null;
            if (dim != store.Dim || storedFingerprint != fingerprint || builtCount > store.Count || listCount <= 0 || listCount > builtCount + 1)
            {
                return null;
            }

            var centroids = ReadArray<float>(reader, listCount * dim);
            var lists = new InvertedList[listCount];
            long total = 0;
            for (int c = 0; c < listCount; c++)
            {
                int size = reader.ReadInt32();
                if (size < 0 || size > builtCount)
                {
                    return null;
                }

                var ids = ReadArray<int>(reader, size);
                if (ids.Any(id => (uint)id >= (uint)builtCount))
                {
                    return null;
                }

                lists[c] = new InvertedList(ids, ReadArray<float>(reader, size), ReadArray<sbyte>(reader, size * dim));
                total += size;
            }

            return total == builtCount && stream.Position == stream.Length ? new IvfIndex(store, centroids, lists, builtCount, tuning) : null;
        });

    private const long Magic = 0x31465649_53444956; // "VIDSIVF1"
    private const int FormatVersion = 4; // 2: nprobe tuning after the list count; 3: and its recall on tuning queries; 4: and on gap-shifted stored vectors

    private static int Nearest(float[] centroids, int lists, ReadOnlySpan<float> vector)
    {
        int dim = vector.Length;
        int best = 0;
        float bestScore = float.NegativeInfinity;
        for (int c = 0; c < lists; c++)
        {
            float score = TensorPrimitives.Dot(vector, centroids.AsSpan(c * dim, dim));
            if (score > bestScore)
            {
                bestScore = score;
                best = c;
            }
        }

        return best;
    }

    private static int[] SampleWithoutReplacement(int n, int count, Random random)
    {
        var all = new int[n];
        for (int i = 0; i < n; i++)
        {
            all[i] = i;
        }

        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, n);
            (all[i], all[j]) = (all[j], all[i]);
        }

        return all[..count];
    }

    private static void WriteArray<T>(BinaryWriter writer, ReadOnlySpan<T> values)
        where T : unmanaged
        => writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    private static T[] ReadArray<T>(BinaryReader reader, int count)
        where T : unmanaged
    {
        var result = new T[count];
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(result.AsSpan());
        if (reader.Read(bytes) != bytes.Length)
        {
            throw new EndOfStreamException();
        }

        return result;
    }

    private sealed record InvertedList(int[] Ids, float[] Scales, sbyte[] Codes);
}

/// <summary>An nprobe chosen by <see cref="IvfIndex.Tune"/> and what it measured there.</summary>
public sealed record NprobeTuning(int Nprobe, TuningMeasurement Measured);
