using System.Numerics.Tensors;
using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>How a <see cref="BinaryCodeIndex"/> is built.</summary>
public sealed record BinaryBuildOptions
{
    /// <summary>Seed of the random rotation's signs.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Rounds of random signs + Walsh-Hadamard transform.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>
    /// After the build, tune the default number of re-scored candidates to the smallest that reaches this recall@10 on
    /// a sample of the stored vectors used as queries, and on <see cref="TuningQueries"/> (see <see cref="BinaryCodeIndex.Tune"/>);
    /// null: no tuning.
    /// </summary>
    public double? TargetRecall { get; init; } = 0.95;

    /// <summary>Queries from outside the store the tuned candidate count must also serve (text embeddings of likely queries); null: none.</summary>
    public IReadOnlyList<float[]>? TuningQueries { get; init; }

    public int Threads { get; init; } = 2;
}

/// <summary>A candidate count chosen by <see cref="BinaryCodeIndex.Tune"/> and what it measured there.</summary>
public sealed record CandidateTuning(int Candidates, TuningMeasurement Measured);

/// <summary>
/// One bit per dimension, every vector scanned, the best candidates re-scored exactly (the 1-bit estimator of RaBitQ
/// with a fast-scan kernel). Each vector x is rotated by a random orthogonal transform (x' = R x) and stored as the
/// signs of x' plus one weight w = |x'|^2 / |x'|_1; a query q is rotated the same way and
/// &lt;x, q&gt; is estimated as w * sum_i sign(x'_i) q'_i, an unbiased estimate when the rotation is random. The scan
/// reads 64 bytes per 512-d vector (1/8 of int8 codes, 1/32 of float32), so it scores every row without relying on
/// any cluster structure: on near-uniform data, where IVF must probe most lists and HNSW's walk has nothing to follow,
/// its cost stays one pass over 1/32 of the float data. Rows appended to the store after the build are scanned exactly.
/// </summary>
public sealed class BinaryCodeIndex : IVectorIndex
{
    private const int ParallelFrom = 65_536;

    private readonly VectorStore _store;
    private readonly RandomizedHadamardRotation _rotation;
    private readonly SignCodeBlocks _codes;
    private readonly float[] _weights;

    private BinaryCodeIndex(VectorStore store, RandomizedHadamardRotation rotation, SignCodeBlocks codes, float[] weights, int builtCount, CandidateTuning? tuning = null)
    {
        _store = store;
        _rotation = rotation;
        _codes = codes;
        _weights = weights;
        BuiltCount = builtCount;
        Tuning = tuning;
    }

    public string Kind => "binary";

    public int Count => _store.Count;

    public int Dim => _store.Dim;

    /// <summary>Rows covered by the codes (the rest are scanned exactly).</summary>
    public int BuiltCount { get; }

    /// <summary>The result of <see cref="Tune"/> (kept in the saved file); null when the index was not tuned.</summary>
    public CandidateTuning? Tuning { get; private set; }

    /// <summary>Candidates re-scored exactly by default: the tuned count, else 0.2 % of the rows (at least 100).</summary>
    public int DefaultCandidates => Tuning?.Candidates ?? Math.Max(100, BuiltCount / 500);

    /// <summary>Bytes a query reads at the default candidate count (<see cref="QueryCost"/>): every code and weight, and the re-scored rows.</summary>
    public double EstimatedQueryBytes => ScanBytes(BuiltCount, Dim) + QueryCost.Rescoring(_store, Math.Min(DefaultCandidates, BuiltCount));

    /// <summary>Bytes the scan of <paramref name="rows"/> codes of <paramref name="dim"/>-d vectors reads: the least a query costs, before any re-scoring.</summary>
    internal static double ScanBytes(int rows, int dim) => (double)rows * ((RandomizedHadamardRotation.PaddedDimOf(dim) / 8) + sizeof(float));

    /// <summary>Bytes of the codes, the weights and the rotation's signs.</summary>
    public long IndexBytes => _codes.TotalBytes + (long)_weights.Length * sizeof(float) + _rotation.Signs.Sum(s => (long)s.Length);

    public static BinaryCodeIndex Build(VectorStore store, BinaryBuildOptions? options = null, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new BinaryBuildOptions();
        if (options.Rounds is < 1 or > 8 || options.Threads < 1)
        {
            throw VidSearchException.Argument("binary index", $"rounds must be 1-8 and threads positive (got {options.Rounds}, {options.Threads})");
        }

        int n = store.Count;
        var rotation = new RandomizedHadamardRotation(store.Dim, options.Seed, options.Rounds);
        var codes = new SignCodeBlocks(rotation.PaddedDim, n);
        var weights = new float[codes.BlockCount * SignCodeBlocks.BlockSize];
        int threads = n < ParallelFrom ? 1 : options.Threads;
        long done = 0;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken }, part =>
        {
            var row = new float[store.Dim];
            var rotated = new float[rotation.PaddedDim];
            int fromBlock = (int)((long)codes.BlockCount * part / threads);
            int toBlock = (int)((long)codes.BlockCount * (part + 1) / threads);
            for (int i = fromBlock * SignCodeBlocks.BlockSize; i < Math.Min(n, toBlock * SignCodeBlocks.BlockSize); i++)
            {
                store.CopyTo(i, row);
                rotation.Apply(row, rotated);
                codes.Set(i, rotated);
                float l1 = TensorPrimitives.SumOfMagnitudes(rotated);
                weights[(i / SignCodeBlocks.BlockSize * SignCodeBlocks.BlockSize) + SignCodeBlocks.SlotOf(i % SignCodeBlocks.BlockSize)] =
                    l1 > 0 ? TensorPrimitives.SumOfSquares(rotated) / l1 : 0;
                if ((i & 0xFFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    progress?.Report(new WorkProgress("binary codes", Interlocked.Add(ref done, 0x10000), n, "vectors"));
                }
            }
        });

        progress?.Report(new WorkProgress("binary codes", n, n, "vectors"));
        var index = new BinaryCodeIndex(store, rotation, codes, weights, n);
        if (options.TargetRecall is double target)
        {
            progress?.Report(new WorkProgress("binary tune candidates", 0, null, "steps"));
            index.Tune(target, threads: options.Threads, tuningQueries: options.TuningQueries, cancellationToken: cancellationToken);
        }

        return index;
    }

    /// <summary>
    /// Finds the smallest number of re-scored candidates whose recall@k against exact search reaches
    /// <paramref name="targetRecall"/> with 95 % confidence (<see cref="HeldOutRecall.LowerBound"/>), with
    /// <paramref name="sampleQueries"/> stored vectors as queries, each one's own row left out of both answers, and on
    /// each of <paramref name="tuningQueries"/> when given (queries from another distribution, such as text queries
    /// against image embeddings, may need more candidates; the target must hold for both kinds). One scan per query
    /// ranks its true neighbours among the estimates (<see cref="CandidateRanks"/>), which gives the recall of every
    /// count at once, so the count is exact, not bisected to a tolerance. The result becomes <see cref="DefaultCandidates"/>.
    /// </summary>
    public CandidateTuning Tune(double targetRecall = 0.95, int k = 10, int sampleQueries = 256, int seed = 7, int threads = 2, IReadOnlyList<float[]>? tuningQueries = null, CancellationToken cancellationToken = default)
    {
        HeldOutRecall.CheckArguments("binary tuning", targetRecall, k, sampleQueries, tuningQueries, Dim);

        int n = BuiltCount;
        if (n <= 10 * k)
        {
            Tuning = new CandidateTuning(Math.Max(1, n), TuningMeasurement.Trivial(targetRecall));
            return Tuning;
        }

        var recall = HeldOutRecall.OfCandidateRanks(_store, n, HeldOutRecall.SampleRows(n, sampleQueries, seed), tuningQueries, k, CandidateRanks, threads, cancellationToken);
        int best = recall.SmallestMeeting(targetRecall, low: k - 1, high: 10 * k, limit: n, tolerance: _ => 1);
        Tuning = new CandidateTuning(best, recall.Measurement(best, targetRecall));
        return Tuning;
    }

    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorSearchOptions? options = null)
    {
        VectorQueryCheck.KAndQuery(k, query.Length, Dim);

        int requested = options?.RerankCandidates ?? DefaultCandidates;
        if (requested <= 0)
        {
            throw VidSearchException.Argument("candidates", $"must be positive, got {requested}");
        }

        int threads = Math.Max(1, options?.Threads ?? 2);
        var result = new TopK(k);
        if (BuiltCount > 0)
        {
            CandidateRescorer.Rescore(_store, query, Candidates(query, Math.Max(k, requested), threads), result, threads);
        }

        if (_store.Count > BuiltCount)
        {
            foreach (var hit in ExactVectorIndex.SearchRange(_store, query, BuiltCount, _store.Count, k, threads))
            {
                result.Add(hit.Position, hit.Score);
            }
        }

        return result.ToSortedArray();
    }

    /// <summary>
    /// The <paramref name="count"/> rows with the highest estimated dot product (in no particular order), by one scan of
    /// every code. For large counts the scan starts from a threshold taken on every 16th block (see
    /// <see cref="WarmStartThreshold"/>), so that the candidate buffer is not thinned again and again while the
    /// threshold climbs; if that threshold turns out too high (fewer than <paramref name="count"/> rows pass it), the
    /// scan is repeated from no threshold, so the result is the same either way.
    /// </summary>
    internal VectorHit[] Candidates(ReadOnlySpan<float> query, int count, int threads, bool warmStart = true)
    {
        var rotated = new float[_rotation.PaddedDim];
        _rotation.Apply(query, rotated);
        var lookup = new SignCodeLookup(rotated);
        int parts = BuiltCount < ParallelFrom ? 1 : Math.Min(threads, _codes.BlockCount);
        float start = warmStart && count >= WarmStartFrom && count < BuiltCount / 4 ? WarmStartThreshold(lookup, count) : float.NegativeInfinity;
        var found = Scan(lookup, count, parts, start);
        if (found.Count < Math.Min(count, BuiltCount) && start > float.NegativeInfinity)
        {
            found = Scan(lookup, count, parts, float.NegativeInfinity);
        }

        return found.ToArray();
    }

    /// <summary>
    /// The rank of each of <paramref name="positions"/> in the order of estimated dot products with
    /// <paramref name="query"/>: how many other rows, <paramref name="leftOut"/> not counted, are estimated at least as
    /// high. A row enters the best <c>c</c> candidates (<see cref="Candidates"/>) when its rank is below <c>c</c>
    /// (ties counted against it), so the ranks of a query's true neighbours give its recall for every candidate count.
    /// </summary>
    internal int[] CandidateRanks(float[] query, int leftOut, int[] positions)
    {
        var rotated = new float[_rotation.PaddedDim];
        _rotation.Apply(query, rotated);
        var lookup = new SignCodeLookup(rotated);
        var estimates = new float[BuiltCount];
        Span<ushort> sums = stackalloc ushort[SignCodeBlocks.BlockSize];
        Span<float> block = stackalloc float[SignCodeBlocks.BlockSize];
        for (int b = 0; b < _codes.BlockCount; b++)
        {
            lookup.ScanBlock(_codes.Block(b), sums);
            lookup.Estimates(sums, _weights.AsSpan(b * SignCodeBlocks.BlockSize, SignCodeBlocks.BlockSize), block, float.PositiveInfinity);
            for (int slot = 0; slot < SignCodeBlocks.BlockSize; slot++)
            {
                int position = (b * SignCodeBlocks.BlockSize) + SignCodeBlocks.PositionOfSlot(slot);
                if (position < BuiltCount)
                {
                    estimates[position] = block[slot];
                }
            }
        }

        var own = positions.Select(p => estimates[p]).ToArray();
        float lowest = own.Length == 0 ? float.PositiveInfinity : own.Min();
        var ranks = new int[positions.Length];
        for (int i = 0; i < estimates.Length; i++)
        {
            if (estimates[i] >= lowest && i != leftOut)
            {
                for (int j = 0; j < own.Length; j++)
                {
                    if (estimates[i] >= own[j] && i != positions[j])
                    {
                        ranks[j]++;
                    }
                }
            }
        }

        return ranks;
    }

    /// <summary>Candidate counts from which the scan starts from a sampled threshold.</summary>
    internal const int WarmStartFrom = 1024;

    /// <summary>
    /// An estimate that about 1.25 * <paramref name="count"/> rows exceed: the matching rank among the rows of every 16th
    /// block. With at least <see cref="WarmStartFrom"/> candidates the sampled rank is at least 80, so the rows above it
    /// fall short of <paramref name="count"/> only for a deviation of over two standard deviations.
    /// </summary>
    private float WarmStartThreshold(SignCodeLookup lookup, int count)
    {
        const int Stride = 16;
        int sampledBlocks = (_codes.BlockCount + Stride - 1) / Stride;
        long sampledRows = Math.Min((long)sampledBlocks * SignCodeBlocks.BlockSize, BuiltCount);
        int rank = (int)Math.Max(1, Math.Ceiling(1.25 * count * sampledRows / BuiltCount));
        var sample = new CandidateBuffer(rank);
        ScanBlocks(lookup, sample, 0, _codes.BlockCount, Stride);
        var kept = sample.ToArray();
        return kept.Length < rank ? float.NegativeInfinity : kept.Min(h => h.Score);
    }

    private CandidateBuffer Scan(SignCodeLookup lookup, int count, int parts, float threshold)
    {
        int blocks = _codes.BlockCount;
        var buffers = new CandidateBuffer[parts];
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var buffer = new CandidateBuffer(count, threshold);
            ScanBlocks(lookup, buffer, (int)((long)blocks * part / parts), (int)((long)blocks * (part + 1) / parts), 1);
            buffers[part] = buffer;
        });

        for (int i = 1; i < parts; i++)
        {
            buffers[0].AddAll(buffers[i]);
        }

        return buffers[0];
    }

    private void ScanBlocks(SignCodeLookup lookup, CandidateBuffer buffer, int from, int to, int stride)
    {
        Span<ushort> sums = stackalloc ushort[SignCodeBlocks.BlockSize];
        Span<float> estimates = stackalloc float[SignCodeBlocks.BlockSize];
        for (int block = from; block < to; block += stride)
        {
            lookup.ScanBlock(_codes.Block(block), sums);
            uint above = lookup.Estimates(sums, _weights.AsSpan(block * SignCodeBlocks.BlockSize, SignCodeBlocks.BlockSize), estimates, buffer.Threshold);
            int first = block * SignCodeBlocks.BlockSize;
            while (above != 0)
            {
                int slot = System.Numerics.BitOperations.TrailingZeroCount(above);
                above &= above - 1;
                int position = first + SignCodeBlocks.PositionOfSlot(slot);
                if (position < BuiltCount)
                {
                    buffer.Add(position, estimates[slot]);
                }
            }
        }
    }

    /// <summary>Writes the index to <paramref name="path"/> atomically (temp file, then rename).</summary>
    public void Save(string path, long fingerprint)
        => IndexFile.WriteAtomically(path, Magic, FormatVersion, writer =>
        {
            writer.Write(Dim);
            writer.Write(BuiltCount);
            writer.Write(fingerprint);
            writer.Write(_rotation.Signs.Count);
            writer.Write(Tuning?.Candidates ?? 0);
            (Tuning?.Measured ?? TuningMeasurement.Trivial(0)).Write(writer);
            foreach (var signs in _rotation.Signs)
            {
                writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(signs.AsSpan()));
            }

            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_weights.AsSpan()));
            foreach (var chunk in _codes.Chunks)
            {
                writer.Write(chunk);
            }
        });

    /// <summary>
    /// Loads an index saved by <see cref="Save"/> for <paramref name="store"/>; null when the file is missing, made for
    /// another fingerprint or dimension, or unreadable (the caller rebuilds it).
    /// </summary>
    public static BinaryCodeIndex? TryLoad(string path, VectorStore store, long fingerprint)
        => IndexFile.TryRead(path, Magic, FormatVersion, (stream, reader) =>
        {
            int dim = reader.ReadInt32();
            int builtCount = reader.ReadInt32();
            long storedFingerprint = reader.ReadInt64();
            int rounds = reader.ReadInt32();
            int tunedCandidates = reader.ReadInt32();
            var measured = TuningMeasurement.Read(reader);
            if (dim != store.Dim || storedFingerprint != fingerprint || builtCount < 0 || builtCount > store.Count || rounds is < 1 or > 8)
            {
                return null;
            }

            int padded = RandomizedHadamardRotation.PaddedDimOf(dim);
            var signs = new sbyte[rounds][];
            for (int r = 0; r < rounds; r++)
            {
                signs[r] = new sbyte[padded];
                reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(signs[r].AsSpan()));
                if (signs[r].Any(s => s is not (1 or -1)))
                {
                    return null;
                }
            }

            var codes = new SignCodeBlocks(padded, builtCount);
            var weights = new float[codes.BlockCount * SignCodeBlocks.BlockSize];
            reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weights.AsSpan()));
            foreach (var chunk in codes.Chunks)
            {
                reader.BaseStream.ReadExactly(chunk);
            }

            var tuning = tunedCandidates > 0 ? new CandidateTuning(tunedCandidates, measured) : null;
            return stream.Position == stream.Length
                ? new BinaryCodeIndex(store, new RandomizedHadamardRotation(dim, signs), codes, weights, builtCount, tuning)
                : null;
        });

    private const long Magic = 0x31435142_53444956; // "VIDSBQC1"
    private const int FormatVersion = 3; // 2: the tuning's recall on tuning queries; 3: and on gap-shifted stored vectors
}
