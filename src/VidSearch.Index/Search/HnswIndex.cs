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

    /// <summary>The search ef used when a query gives none.</summary>
    public int DefaultEf { get; init; } = 64;

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
/// Vectors of a float32 store are read in place; other stores are decoded once into a float32 copy the index holds.
/// </summary>
public sealed class HnswIndex : IVectorIndex
{
    private const int BatchSize = 256;
    private const int MaxLevel = 30;

    private readonly VectorStore _store;
    private readonly FloatRows _rows;
    private readonly byte[] _levels;
    private readonly int[] _layer0;
    private readonly int[]?[] _upper;
    private int _entry;
    private int _maxLevel;

    private HnswIndex(VectorStore store, int builtCount, int m, int efConstruction, int defaultEf, byte[] levels, int[] layer0, int[]?[] upper, int entry, int maxLevel)
    {
        _store = store;
        BuiltCount = builtCount;
        M = m;
        EfConstruction = efConstruction;
        DefaultEf = defaultEf;
        _levels = levels;
        _layer0 = layer0;
        _upper = upper;
        _entry = entry;
        _maxLevel = maxLevel;
        _rows = new FloatRows(store, builtCount);
    }

    public string Kind => "hnsw";

    public int Count => _store.Count;

    public int Dim => _store.Dim;

    /// <summary>Rows in the graph (the rest are scanned exactly).</summary>
    public int BuiltCount { get; }

    public int M { get; }

    public int EfConstruction { get; }

    public int DefaultEf { get; }

    /// <summary>Bytes of the graph (links and levels), plus the float32 copy of the vectors when the store is not float32.</summary>
    public long IndexBytes => (long)_layer0.Length * sizeof(int) + _levels.Length + _upper.Sum(u => (long)(u?.Length ?? 0) * sizeof(int)) + _rows.CopiedBytes;

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

        var index = new HnswIndex(store, n, m, options.EfConstruction, options.DefaultEf, levels, new int[(long)n * (2 * m + 1) <= Array.MaxLength ? n * (2 * m + 1) : throw VidSearchException.Argument("hnsw", $"{n} vectors are too many for one graph")], upper, 0, n > 0 ? levels[0] : 0);
        if (n > 0)
        {
            index.Insert(options.Threads, progress, cancellationToken);
        }

        return index;
    }

    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorSearchOptions? options = null)
    {
        if (k <= 0)
        {
            throw VidSearchException.Argument("k", $"must be positive, got {k}");
        }

        if (query.Length != Dim)
        {
            throw VidSearchException.Argument("query", $"has {query.Length} dimensions, the index holds {Dim}");
        }

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
            float entryScore = TensorPrimitives.Dot(query, _rows[entry]);
            for (int layer = _maxLevel; layer > 0; layer--)
            {
                (entry, entryScore) = Greedy(query, entry, entryScore, layer);
            }

            scratch.Begin();
            scratch.Seed(entry, entryScore);
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
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(Dim);
            writer.Write(BuiltCount);
            writer.Write(fingerprint);
            writer.Write(M);
            writer.Write(EfConstruction);
            writer.Write(DefaultEf);
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

            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Loads a graph saved by <see cref="Save"/> for <paramref name="store"/>; null when the file is missing, made
    /// for another fingerprint or dimension, or unreadable or inconsistent (the caller rebuilds it).
    /// </summary>
    public static HnswIndex? TryLoad(string path, VectorStore store, long fingerprint)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using var reader = new BinaryReader(stream);
            if (stream.Length < 16 || reader.ReadInt64() != Magic || reader.ReadInt32() != FormatVersion)
            {
                return null;
            }

            int dim = reader.ReadInt32();
            int builtCount = reader.ReadInt32();
            long storedFingerprint = reader.ReadInt64();
            int m = reader.ReadInt32(), efConstruction = reader.ReadInt32(), defaultEf = reader.ReadInt32();
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

            var index = new HnswIndex(store, builtCount, m, efConstruction, defaultEf, levels, layer0, upper, entry, maxLevel);
            return index.LinksAreValid() ? index : null;
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return null;
        }
    }

    private const long Magic = 0x31534E48_53444956; // "VIDSHNS1"
    private const int FormatVersion = 1;

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
        var query = _rows[node];
        int level = _levels[node];
        var result = new int[level + 1][];
        int entry = _entry;
        float entryScore = TensorPrimitives.Dot(query, _rows[entry]);
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
                    scratch.Results.Offer(other, TensorPrimitives.Dot(query, _rows[other]), EfConstruction);
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

        var anchor = _rows[target];
        var candidates = new List<(int Position, float Score)>(count + incoming.Length);
        foreach (int neighbour in links.Slice(1, count))
        {
            candidates.Add((neighbour, TensorPrimitives.Dot(anchor, _rows[neighbour])));
        }

        foreach (var link in incoming)
        {
            candidates.Add((link.Source, TensorPrimitives.Dot(anchor, _rows[link.Source])));
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

            var row = _rows[position];
            bool diverse = true;
            foreach (int other in kept)
            {
                if (TensorPrimitives.Dot(row, _rows[other]) > score)
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

    private (int Position, float Score) Greedy(ReadOnlySpan<float> query, int entry, float entryScore, int layer)
    {
        bool moved = true;
        while (moved)
        {
            moved = false;
            var links = Links(entry, layer);
            foreach (int neighbour in links.Slice(1, links[0]))
            {
                float score = TensorPrimitives.Dot(query, _rows[neighbour]);
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

                float score = TensorPrimitives.Dot(query, _rows[neighbour]);
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

    /// <summary>Float32 rows: those of a float32 store in place, else a decoded copy.</summary>
    private sealed class FloatRows
    {
        private readonly Float32VectorStore? _float32;
        private readonly float[][] _copy = [];
        private readonly int _dim;

        public FloatRows(VectorStore store, int count)
        {
            _dim = store.Dim;
            _float32 = store as Float32VectorStore;
            if (_float32 is null)
            {
                _copy = new float[(count + VectorStore.ChunkRows - 1) / VectorStore.ChunkRows][];
                for (int c = 0; c < _copy.Length; c++)
                {
                    int rows = Math.Min(VectorStore.ChunkRows, count - c * VectorStore.ChunkRows);
                    _copy[c] = new float[rows * _dim];
                    for (int r = 0; r < rows; r++)
                    {
                        store.CopyTo(c * VectorStore.ChunkRows + r, _copy[c].AsSpan(r * _dim, _dim));
                    }
                }
            }
        }

        public long CopiedBytes => _copy.Sum(c => (long)c.Length * sizeof(float));

        public ReadOnlySpan<float> this[int index] => _float32 is not null
            ? _float32.Row(index)
            : _copy[index / VectorStore.ChunkRows].AsSpan(index % VectorStore.ChunkRows * _dim, _dim);
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
