using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>How an <see cref="HnswIndex"/> is built.</summary>
public sealed record HnswBuildOptions
{
    /// <summary>Links per node on the upper layers; layer 0 holds up to 2M.</summary>
    public int M { get; init; } = 16;

    /// <summary>Candidate list size while inserting (higher: better graph, slower build).</summary>
    public int EfConstruction { get; init; } = 100;

    /// <summary>The search ef used when a query gives none and the index is not tuned.</summary>
    public int DefaultEf { get; init; } = 64;

    /// <summary>
    /// After the build, tune the default ef to the smallest that reaches this recall@10 on a sample of the stored
    /// vectors used as queries, and on <see cref="TuningQueries"/> (see <see cref="HnswIndex.TuneEf"/>); null: no
    /// tuning (<see cref="DefaultEf"/>).
    /// </summary>
    public double? TargetRecall { get; init; } = 0.95;

    /// <summary>Queries from outside the store the tuned ef must also serve (text embeddings of likely queries); null: none.</summary>
    public IReadOnlyList<float[]>? TuningQueries { get; init; }

    public int Seed { get; init; } = 1234;

    public int Threads { get; init; } = 2;

    public void Validate()
    {
        if (M < 2)
        {
            throw VidSearchException.Argument("hnsw M", $"must be at least 2, got {M}");
        }

        if (EfConstruction <= 0)
        {
            throw VidSearchException.Argument("hnsw ef construction", $"must be positive, got {EfConstruction}");
        }

        if (DefaultEf <= 0)
        {
            throw VidSearchException.Argument("ef", $"must be positive, got {DefaultEf}");
        }

        if (TargetRecall is not null && !(TargetRecall is > 0 and <= 1))
        {
            throw VidSearchException.Argument("target recall", $"must be in (0, 1], got {TargetRecall}");
        }

        if (Threads < 1)
        {
            throw VidSearchException.Argument("threads", $"must be positive, got {Threads}");
        }
    }
}

/// <summary>
/// Hierarchical navigable small world graph (Malkov and Yashunin 2018) over the rows of a <see cref="VectorStore"/>,
/// by dot product: levels drawn with mL = 1/ln(M), M links per node on the upper layers and 2M on layer 0, links
/// chosen with the neighbour-selection heuristic. A query descends greedily to layer 0 and keeps the ef best
/// candidates there (ef is the recall/speed setting). Rows appended to the store after the build are scanned exactly.
/// <para>
/// The build inserts nodes in batches: every node of a batch searches the graph as it stood before the batch (in
/// parallel, read-only) and also considers the batch's earlier nodes exhaustively; then links are written, each
/// node's backlinks merged in node order. The graph is therefore the same for a seed whatever the thread count.
/// </para>
/// The vectors stay in the store: float32 rows are read in place, float16 and int8 rows decoded per dot product.
/// </summary>
public sealed class HnswIndex : IVectorIndex
{
    private const int BatchSize = 256;
    private const int MaxLevel = 30;

    private readonly VectorStore _store;
    private readonly RowSource _rows;
    private readonly byte[] _levels;
    private readonly int[] _layer0;
    private readonly int[]?[] _upper;
    private readonly int _untunedEf;
    private int _entry;
    private int _maxLevel;

    private HnswIndex(VectorStore store, int builtCount, int m, int efConstruction, int defaultEf, byte[] levels, int[] layer0, int[]?[] upper, int entry, int maxLevel, EfTuning? tuning = null)
    {
        Tuning = tuning;
        _store = store;
        BuiltCount = builtCount;
        M = m;
        EfConstruction = efConstruction;
        _untunedEf = defaultEf;
        _levels = levels;
        _layer0 = layer0;
        _upper = upper;
        _entry = entry;
        _maxLevel = maxLevel;
        _rows = new RowSource(store);
    }

    public string Kind => "hnsw";

    public int Count => _store.Count;

    public int Dim => _store.Dim;

    /// <summary>Rows in the graph (the rest are scanned exactly).</summary>
    public int BuiltCount { get; }

    public int M { get; }

    public int EfConstruction { get; }

    /// <summary>The tuned ef when the index was tuned, else the build option's.</summary>
    public int DefaultEf => Tuning?.Ef ?? _untunedEf;

    /// <summary>The result of <see cref="TuneEf"/> (kept in the saved file); null when the index was not tuned.</summary>
    public EfTuning? Tuning { get; private set; }

    /// <summary>Bytes of the graph (links and levels); the vectors are the store's.</summary>
    public long IndexBytes => (long)_layer0.Length * sizeof(int) + _levels.Length + _upper.Sum(u => (long)(u?.Length ?? 0) * sizeof(int));

    private int Stride0 => 2 * M + 1;

    private int StrideUpper => M + 1;

    public static HnswIndex Build(VectorStore store, HnswBuildOptions? options = null, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new HnswBuildOptions();
        options.Validate();
        int n = store.Count;
        int m = options.M;
        var levels = new byte[n];
        var upper = new int[]?[n];
        var random = new Random(options.Seed);
        double levelScale = 1 / Math.Log(m);
        for (int i = 0; i < n; i++)
        {
            int level = Math.Min(MaxLevel, (int)(-Math.Log(1 - random.NextDouble()) * levelScale));
            levels[i] = (byte)level;
            if (level > 0)
            {
                upper[i] = new int[level * (m + 1)];
            }
        }

        long layer0Length = (long)n * (2 * m + 1);
        if (layer0Length > Array.MaxLength)
        {
            throw VidSearchException.Argument("hnsw", $"{n} vectors with M {m} are too many for one graph");
        }

        var index = new HnswIndex(store, n, m, options.EfConstruction, options.DefaultEf, levels, new int[layer0Length], upper, 0, n > 0 ? levels[0] : 0);
        if (n > 0)
        {
            index.Insert(options.Threads, progress, cancellationToken);
        }

        if (options.TargetRecall is double target)
        {
            progress?.Report(new WorkProgress("hnsw tune ef", 0, null, "steps"));
            index.TuneEf(target, threads: options.Threads, tuningQueries: options.TuningQueries, cancellationToken: cancellationToken);
        }

        return index;
    }

    /// <summary>
    /// Finds the smallest ef whose recall@k against exact search reaches <paramref name="targetRecall"/> with 95 %
    /// confidence (<see cref="HeldOutRecall.LowerBound"/>), with
    /// <paramref name="sampleQueries"/> stored vectors (seeded sample) as queries, each one's own row left out of both
    /// answers and kept out of the walk (its links lead straight to its neighbours, which a fresh query lacks), and on
    /// each of <paramref name="tuningQueries"/> when given (queries from another distribution, such as text queries
    /// against image embeddings, may need a larger ef; the target must hold for both kinds). ef doubles from k until
    /// the target is met (at most <see cref="MaxTunedEf"/>), then is bisected. The result becomes <see cref="DefaultEf"/>.
    /// </summary>
    public EfTuning TuneEf(double targetRecall = 0.95, int k = 10, int sampleQueries = 64, int seed = 7, int threads = 2, IReadOnlyList<float[]>? tuningQueries = null, CancellationToken cancellationToken = default)
    {
        HeldOutRecall.CheckArguments("hnsw tuning", targetRecall, k, sampleQueries, tuningQueries, Dim);

        int n = BuiltCount;
        if (n <= k + 1)
        {
            Tuning = new EfTuning(k, TuningMeasurement.Trivial(targetRecall));
            return Tuning;
        }

        var rows = HeldOutRecall.SampleRows(n, sampleQueries, seed);
        var recall = HeldOutRecall.OfSearch(_store, n, rows, tuningQueries, k, (ef, query, row) =>
            Search(query, k, new VectorSearchOptions { Ef = ef, Threads = threads }, exclude: row).Select(h => h.Position),
            threads, cancellationToken);
        int limit = Math.Max(k, Math.Min(MaxTunedEf, n));
        int high = recall.SmallestMeeting(targetRecall, low: k / 2, high: k, limit, tolerance: h => Math.Max(1, h / 16));
        Tuning = new EfTuning(high, recall.Measurement(high, targetRecall));
        return Tuning;
    }

    /// <summary>The largest ef <see cref="TuneEf"/> tries.</summary>
    public const int MaxTunedEf = 4096;

    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorSearchOptions? options = null)
        => Search(query, k, options, exclude: -1);

    /// <summary>A search on the graph without node <paramref name="exclude"/> (neither entered nor returned; -1: none).</summary>
    private VectorHit[] Search(ReadOnlySpan<float> query, int k, VectorSearchOptions? options, int exclude)
    {
        VectorQueryCheck.KAndQuery(k, query.Length, Dim);

        int ef = options?.Ef ?? DefaultEf;
        if (ef <= 0)
        {
            throw VidSearchException.Argument("ef", $"must be positive, got {ef}");
        }

        var result = new TopK(k);
        if (BuiltCount > 0)
        {
            var scratch = Scratch.For(BuiltCount);
            int entry = _entry;
            float entryScore = _rows.Dot(query, entry);
            for (int layer = _maxLevel; layer > 0; layer--)
            {
                (entry, entryScore) = Greedy(query, entry, entryScore, layer, exclude);
            }

            scratch.Begin();
            if (exclude >= 0)
            {
                scratch.Visit(exclude);
            }

            if (entry != exclude)
            {
                scratch.Seed(entry, entryScore);
            }
            else
            {
                var links = Links(entry, 0);
                foreach (int neighbour in links.Slice(1, links[0]))
                {
                    scratch.Seed(neighbour, _rows.Dot(query, neighbour));
                }
            }

            SearchLayer(query, scratch, 0, Math.Max(ef, k));
            foreach (var (position, score) in scratch.Results.Items)
            {
                result.Add(position, score);
            }
        }

        if (_store.Count > BuiltCount)
        {
            foreach (var hit in ExactVectorIndex.SearchRange(_store, query, BuiltCount, _store.Count, k, Math.Max(1, options?.Threads ?? 2)))
            {
                result.Add(hit.Position, hit.Score);
            }
        }

        return result.ToSortedArray();
    }

    /// <summary>Writes the graph to <paramref name="path"/> atomically (temp file, then rename).</summary>
    public void Save(string path, long fingerprint)
        => IndexFile.WriteAtomically(path, Magic, FormatVersion, writer =>
        {
            writer.Write(Dim);
            writer.Write(BuiltCount);
            writer.Write(fingerprint);
            writer.Write(M);
            writer.Write(EfConstruction);
            writer.Write(_untunedEf);
            writer.Write(Tuning?.Ef ?? 0);
            (Tuning?.Measured ?? TuningMeasurement.Trivial(0)).Write(writer);
            writer.Write(_entry);
            writer.Write(_maxLevel);
            writer.Write(_levels);
            writer.Write(MemoryMarshal.AsBytes(_layer0.AsSpan()));
            foreach (var links in _upper)
            {
                if (links is not null)
                {
                    writer.Write(MemoryMarshal.AsBytes(links.AsSpan()));
                }
            }
        });

    /// <summary>
    /// Loads a graph saved by <see cref="Save"/> for <paramref name="store"/>; null when the file is missing, made
    /// for another fingerprint or dimension, or unreadable or inconsistent (the caller rebuilds it).
    /// </summary>
    public static HnswIndex? TryLoad(string path, VectorStore store, long fingerprint)
        => IndexFile.TryRead(path, Magic, FormatVersion, (stream, reader) =>
        {
            int dim = reader.ReadInt32();
            int builtCount = reader.ReadInt32();
            long storedFingerprint = reader.ReadInt64();
            int m = reader.ReadInt32(), efConstruction = reader.ReadInt32(), defaultEf = reader.ReadInt32();
            int tunedEf = reader.ReadInt32();
            var measured = TuningMeasurement.Read(reader);
            var tuning = tunedEf > 0 ? new EfTuning(tunedEf, measured) : null;
            int entry = reader.ReadInt32(), maxLevel = reader.ReadInt32();
            if (dim != store.Dim || storedFingerprint != fingerprint || builtCount < 0 || builtCount > store.Count
                || m is < 2 or > 1024 || efConstruction <= 0 || defaultEf <= 0 || maxLevel is < 0 or > MaxLevel
                || (builtCount > 0 && (uint)entry >= (uint)builtCount))
            {
                return null;
            }

            long layer0Length = (long)builtCount * (2 * m + 1);
            if (stream.Length - stream.Position < builtCount + layer0Length * sizeof(int))
            {
                return null;
            }

            var levels = ReadArray<byte>(reader, builtCount);
            var layer0 = ReadArray<int>(reader, (int)layer0Length);
            var upper = new int[]?[builtCount];
            for (int i = 0; i < builtCount; i++)
            {
                if (levels[i] > maxLevel)
                {
                    return null;
                }

                if (levels[i] > 0)
                {
                    upper[i] = ReadArray<int>(reader, levels[i] * (m + 1));
                }
            }

            if (stream.Position != stream.Length || (builtCount > 0 && levels[entry] != maxLevel))
            {
                return null;
            }

            var index = new HnswIndex(store, builtCount, m, efConstruction, defaultEf, levels, layer0, upper, entry, maxLevel, tuning);
            return index.LinksAreValid() ? index : null;
        });

    private const long Magic = 0x31534E48_53444956; // "VIDSHNS1"
    private const int FormatVersion = 3; // 2: the tuning's recall on tuning queries; 3: and on gap-shifted stored vectors

    private Span<int> Links(int node, int layer) => layer == 0
        ? _layer0.AsSpan(node * Stride0, Stride0)
        : _upper[node].AsSpan((layer - 1) * StrideUpper, StrideUpper);

    private int Capacity(int layer) => layer == 0 ? 2 * M : M;

    private bool LinksAreValid()
    {
        for (int node = 0; node < BuiltCount; node++)
        {
            for (int layer = 0; layer <= _levels[node]; layer++)
            {
                var links = Links(node, layer);
                if ((uint)links[0] > (uint)Capacity(layer))
                {
                    return false;
                }

                foreach (int neighbour in links.Slice(1, links[0]))
                {
                    if ((uint)neighbour >= (uint)BuiltCount || _levels[neighbour] < layer)
                    {
                        return false;
                    }
                }
            }
        }

        return true;
    }

    private void Insert(int threads, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        int n = BuiltCount;
        var chosen = new int[BatchSize][][];
        int inserted = 1;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        var scratches = new System.Collections.Concurrent.ConcurrentBag<Scratch>();
        while (inserted < n)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new WorkProgress("hnsw build", inserted, n, "vectors"));
            int start = inserted;
            int end = Math.Min(n, start + Math.Min(BatchSize, start));
            Parallel.For(start, end, parallel, () => scratches.TryTake(out var reused) ? reused : new Scratch(n), (node, _, scratch) =>
            {
                chosen[node - start] = ChooseNeighbours(node, start, scratch);
                return scratch;
            }, scratches.Add);

            var backlinks = new List<(int Layer, int Target, int Source)>();
            for (int node = start; node < end; node++)
            {
                var perLayer = chosen[node - start];
                for (int layer = 0; layer < perLayer.Length; layer++)
                {
                    var links = Links(node, layer);
                    links[0] = perLayer[layer].Length;
                    perLayer[layer].CopyTo(links[1..]);
                    foreach (int target in perLayer[layer])
                    {
                        backlinks.Add((layer, target, node));
                    }
                }
            }

            backlinks.Sort();
            var groups = new List<(int From, int To)>();
            for (int i = 0; i < backlinks.Count;)
            {
                int j = i + 1;
                while (j < backlinks.Count && backlinks[j].Layer == backlinks[i].Layer && backlinks[j].Target == backlinks[i].Target)
                {
                    j++;
                }

                groups.Add((i, j));
                i = j;
            }

            Parallel.For(0, groups.Count, parallel, g =>
            {
                var (from, to) = groups[g];
                AddBacklinks(backlinks[from].Target, backlinks[from].Layer, CollectionsMarshal.AsSpan(backlinks)[from..to]);
            });

            for (int node = start; node < end; node++)
            {
                if (_levels[node] > _maxLevel)
                {
                    _maxLevel = _levels[node];
                    _entry = node;
                }
            }

            inserted = end;
        }

        progress?.Report(new WorkProgress("hnsw build", n, n, "vectors"));
    }

    /// <summary>
    /// The links of a new node per layer 0..level: the efConstruction nearest found in the graph as it stood before
    /// the batch, plus the batch's earlier nodes, thinned by the heuristic.
    /// </summary>
    private int[][] ChooseNeighbours(int node, int batchStart, Scratch scratch)
    {
        var query = _rows.Query(node);
        int level = _levels[node];
        var result = new int[level + 1][];
        int entry = _entry;
        float entryScore = _rows.Dot(query, entry);
        for (int layer = _maxLevel; layer > level; layer--)
        {
            (entry, entryScore) = Greedy(query, entry, entryScore, layer);
        }

        var entries = new List<(int Position, float Score)> { (entry, entryScore) };
        for (int layer = level; layer >= 0; layer--)
        {
            scratch.Begin();
            if (layer <= _maxLevel)
            {
                foreach (var (position, score) in entries)
                {
                    scratch.Seed(position, score);
                }

                SearchLayer(query, scratch, layer, EfConstruction);
            }

            for (int other = batchStart; other < node; other++)
            {
                if (_levels[other] >= layer && scratch.Visit(other))
                {
                    scratch.Results.Offer(other, _rows.Dot(query, other), EfConstruction);
                }
            }

            var candidates = scratch.Results.SortedDescending();
            result[layer] = SelectByHeuristic(candidates, M);
            if (layer <= _maxLevel)
            {
                entries = candidates;
            }
        }

        return result;
    }

    private void AddBacklinks(int target, int layer, ReadOnlySpan<(int Layer, int Target, int Source)> incoming)
    {
        var links = Links(target, layer);
        int count = links[0];
        if (count + incoming.Length <= Capacity(layer))
        {
            foreach (var link in incoming)
            {
                links[1 + count++] = link.Source;
            }

            links[0] = count;
            return;
        }

        var candidates = new List<(int Position, float Score)>(count + incoming.Length);
        foreach (int neighbour in links.Slice(1, count))
        {
            candidates.Add((neighbour, _rows.Dot(target, neighbour)));
        }

        foreach (var link in incoming)
        {
            candidates.Add((link.Source, _rows.Dot(target, link.Source)));
        }

        candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score) is var c && c != 0 ? c : a.Position.CompareTo(b.Position));
        var kept = SelectByHeuristic(candidates, Capacity(layer));
        links[0] = kept.Length;
        kept.CopyTo(links[1..]);
    }

    /// <summary>
    /// Keeps a candidate (best first) only when it is more similar to the anchor than to every candidate kept so far,
    /// so links spread in different directions instead of piling into one cluster.
    /// </summary>
    private int[] SelectByHeuristic(List<(int Position, float Score)> candidates, int max)
    {
        var kept = new List<int>(max);
        foreach (var (position, score) in candidates)
        {
            if (kept.Count >= max)
            {
                break;
            }

            bool diverse = true;
            foreach (int other in kept)
            {
                if (_rows.Dot(position, other) > score)
                {
                    diverse = false;
                    break;
                }
            }

            if (diverse)
            {
                kept.Add(position);
            }
        }

        return [.. kept];
    }

    private (int Position, float Score) Greedy(ReadOnlySpan<float> query, int entry, float entryScore, int layer, int exclude = -1)
    {
        bool moved = true;
        while (moved)
        {
            moved = false;
            var links = Links(entry, layer);
            foreach (int neighbour in links.Slice(1, links[0]))
            {
                if (neighbour == exclude)
                {
                    continue;
                }

                float score = _rows.Dot(query, neighbour);
                if (score > entryScore)
                {
                    (entry, entryScore, moved) = (neighbour, score, true);
                }
            }
        }

        return (entry, entryScore);
    }

    /// <summary>Best-first search of one layer from the seeded entries; the ef best found stay in scratch.Results.</summary>
    private void SearchLayer(ReadOnlySpan<float> query, Scratch scratch, int layer, int ef)
    {
        var candidates = scratch.Candidates;
        var results = scratch.Results;
        while (candidates.Count > 0)
        {
            var (current, negated) = candidates.Pop();
            if (results.Count >= ef && -negated < results.WorstScore)
            {
                break;
            }

            var links = Links(current, layer);
            foreach (int neighbour in links.Slice(1, links[0]))
            {
                if (!scratch.Visit(neighbour))
                {
                    continue;
                }

                float score = _rows.Dot(query, neighbour);
                if (results.Offer(neighbour, score, ef))
                {
                    candidates.Push(neighbour, -score);
                }
            }
        }
    }

    private static T[] ReadArray<T>(BinaryReader reader, int count)
        where T : unmanaged
    {
        var result = new T[count];
        var bytes = MemoryMarshal.AsBytes(result.AsSpan());
        if (reader.Read(bytes) != bytes.Length)
        {
            throw new EndOfStreamException();
        }

        return result;
    }

    /// <summary>
    /// Dot products with the store's rows: those of a float32 store read in place, others scored by the store itself
    /// (a float16 or int8 collection costs no float32 copy; each dot pays the conversion).
    /// </summary>
    private sealed class RowSource(VectorStore store)
    {
        [ThreadStatic]
        private static float[]? _second;

        private readonly Float32VectorStore? _float32 = store as Float32VectorStore;

        /// <summary>A row to use as a query: in place for float32, else a decoded copy.</summary>
        public ReadOnlySpan<float> Query(int row) => _float32 is not null ? _float32.Row(row) : store.Get(row);

        public float Dot(ReadOnlySpan<float> query, int row)
        {
            return _float32 is not null ? TensorPrimitives.Dot(query, _float32.Row(row)) : store.Score(query, row);
        }

        public float Dot(int a, int b)
        {
            if (_float32 is not null)
            {
                return TensorPrimitives.Dot(_float32.Row(a), _float32.Row(b));
            }

            var buffer = Buffer(ref _second);
            store.CopyTo(a, buffer);
            return Dot(buffer, b);
        }

        private float[] Buffer(ref float[]? buffer) => buffer is { } b && b.Length == store.Dim ? b : buffer = new float[store.Dim];
    }

    /// <summary>Per-thread search state: a generation-stamped visited set and the two heaps, reused across queries.</summary>
    private sealed class Scratch(int capacity)
    {
        [ThreadStatic]
        private static Scratch? _current;

        private int[] _visited = new int[capacity];
        private int _generation;

        public ScoreHeap Candidates { get; } = new();

        public ScoreHeap Results { get; } = new();

        public static Scratch For(int capacity)
        {
            if (_current is null || _current._visited.Length < capacity)
            {
                _current = new Scratch(capacity);
            }

            return _current;
        }

        public void Begin()
        {
            if (++_generation == int.MaxValue)
            {
                Array.Clear(_visited);
                _generation = 1;
            }

            Candidates.Clear();
            Results.Clear();
        }

        /// <summary>Marks a node visited; false when it already was in this search.</summary>
        public bool Visit(int node)
        {
            if (_visited[node] == _generation)
            {
                return false;
            }

            _visited[node] = _generation;
            return true;
        }

        public void Seed(int node, float score)
        {
            if (Visit(node))
            {
                Candidates.Push(node, -score);
                Results.Push(node, score);
            }
        }
    }

    /// <summary>A binary min-heap of (position, score); negated scores make it a max-heap for the candidates.</summary>
    private sealed class ScoreHeap
    {
        private (int Position, float Score)[] _items = new (int, float)[64];

        public int Count { get; private set; }

        public float WorstScore => _items[0].Score;

        public ReadOnlySpan<(int Position, float Score)> Items => _items.AsSpan(0, Count);

        public void Clear() => Count = 0;

        /// <summary>Adds the hit when fewer than <paramref name="limit"/> are held or it beats the worst; returns whether it did.</summary>
        public bool Offer(int position, float score, int limit)
        {
            if (Count < limit)
            {
                Push(position, score);
                return true;
            }

            if (score <= _items[0].Score)
            {
                return false;
            }

            _items[0] = (position, score);
            SiftDown(0);
            return true;
        }

        public void Push(int position, float score)
        {
            if (Count == _items.Length)
            {
                Array.Resize(ref _items, Count * 2);
            }

            int i = Count++;
            while (i > 0)
            {
                int parent = (i - 1) / 2;
                if (_items[parent].Score <= score)
                {
                    break;
                }

                _items[i] = _items[parent];
                i = parent;
            }

            _items[i] = (position, score);
        }

        public (int Position, float Score) Pop()
        {
            var top = _items[0];
            _items[0] = _items[--Count];
            SiftDown(0);
            return top;
        }

        /// <summary>The held hits, best first (ties: lower position first).</summary>
        public List<(int Position, float Score)> SortedDescending()
        {
            var list = new List<(int Position, float Score)>(Items.ToArray());
            list.Sort(static (a, b) => b.Score.CompareTo(a.Score) is var c && c != 0 ? c : a.Position.CompareTo(b.Position));
            return list;
        }

        private void SiftDown(int i)
        {
            var item = _items[i];
            while (true)
            {
                int child = 2 * i + 1;
                if (child >= Count)
                {
                    break;
                }

                if (child + 1 < Count && _items[child + 1].Score < _items[child].Score)
                {
                    child++;
                }

                if (_items[child].Score >= item.Score)
                {
                    break;
                }

                _items[i] = _items[child];
                i = child;
            }

            _items[i] = item;
        }
    }
}

/// <summary>An ef chosen by <see cref="HnswIndex.TuneEf"/>: the recall@10 it measured for the target, over how many sample queries.</summary>
public sealed record EfTuning(int Ef, TuningMeasurement Measured);
