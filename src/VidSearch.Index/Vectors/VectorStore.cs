using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using VidSearch.Core;

namespace VidSearch.Index.Vectors;

/// <summary>
/// An append-only in-memory array of vectors in one storage type, scored against a float query by dot product
/// (cosine for unit vectors). Rows live in fixed-size chunks so that millions of vectors need no huge array.
/// </summary>
public abstract class VectorStore
{
    /// <summary>Vectors per chunk (a power of two).</summary>
    public const int ChunkRows = 1 << 15;

    protected VectorStore(int dim)
    {
        if (dim <= 0)
        {
            throw VidSearchException.Argument("dim", $"embedding dimension must be positive, got {dim}");
        }

        Dim = dim;
    }

    public int Dim { get; }

    public int Count { get; protected set; }

    public abstract VectorStorageType Type { get; }

    /// <summary>Bytes of vector payload held (excluding object overhead).</summary>
    public long PayloadBytes => (long)Count * Type.BytesPerVector(Dim);

    public static VectorStore Create(VectorStorageType type, int dim) => type switch
    {
        VectorStorageType.Float32 => new Float32VectorStore(dim),
        VectorStorageType.Float16 => new Float16VectorStore(dim),
        VectorStorageType.Int8 => new Int8VectorStore(dim),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public void Add(ReadOnlySpan<float> vector)
    {
        CheckDim(vector.Length);
        AddCore(vector);
        Count++;
    }

    /// <summary>Adds a vector stored by <see cref="VectorCodec"/> in this store's type.</summary>
    public void AddEncoded(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Type.BytesPerVector(Dim))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "embedding", $"stored vector has {bytes.Length} bytes, expected {Type.BytesPerVector(Dim)} for {Type.Name()} x {Dim}");
        }

        AddEncodedCore(bytes);
        Count++;
    }

    /// <summary>Writes the dot products of <paramref name="query"/> with rows [start, start + scores.Length).</summary>
    public void Score(ReadOnlySpan<float> query, int start, Span<float> scores)
    {
        ScorePrepared(Prepare(query), start, scores);
    }

    /// <summary>A query in the form <see cref="ScorePrepared"/> takes, made once for many row ranges.</summary>
    internal object Prepare(ReadOnlySpan<float> query)
    {
        CheckDim(query.Length);
        return PrepareQuery(query);
    }

    /// <summary>As <see cref="Score(ReadOnlySpan{float}, int, Span{float})"/> for a query from <see cref="Prepare"/>.</summary>
    internal void ScorePrepared(object prepared, int start, Span<float> scores)
    {
        if (start < 0 || start + scores.Length > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start));
        }

        int row = start;
        int written = 0;
        while (written < scores.Length)
        {
            int chunk = row / ChunkRows;
            int offset = row % ChunkRows;
            int n = Math.Min(ChunkRows - offset, scores.Length - written);
            ScoreChunk(prepared, chunk, offset, scores.Slice(written, n));
            written += n;
            row += n;
        }
    }

    /// <summary>Dot product of the query with one row, in float precision (used for re-ranking).</summary>
    public float Score(ReadOnlySpan<float> query, int index)
    {
        CheckDim(query.Length);
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        Span<float> row = Dim <= 2048 ? stackalloc float[Dim] : new float[Dim];
        return ScoreRow(query, index / ChunkRows, index % ChunkRows, row);
    }

    /// <summary>Dot products of <paramref name="query"/> with the rows at <paramref name="positions"/> (re-ranking scattered candidates).</summary>
    public void Score(ReadOnlySpan<float> query, ReadOnlySpan<int> positions, Span<float> scores)
    {
        CheckDim(query.Length);
        if (scores.Length != positions.Length)
        {
            throw new ArgumentException($"{positions.Length} positions but {scores.Length} scores", nameof(scores));
        }

        foreach (int position in positions)
        {
            if ((uint)position >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(positions), position, $"the store holds {Count} rows");
            }
        }

        Span<float> row = Dim <= 2048 ? stackalloc float[Dim] : new float[Dim];
        for (int i = 0; i < positions.Length; i++)
        {
            scores[i] = ScoreRow(query, positions[i] / ChunkRows, positions[i] % ChunkRows, row);
        }
    }

    /// <summary>Dot product of the query with one row; <paramref name="scratch"/> holds Dim floats if the row must be decoded.</summary>
    protected virtual float ScoreRow(ReadOnlySpan<float> query, int chunk, int offset, Span<float> scratch)
    {
        CopyToCore(chunk, offset, scratch);
        return TensorPrimitives.Dot(query, scratch);
    }

    /// <summary>Row <paramref name="index"/> decoded to float.</summary>
    public void CopyTo(int index, Span<float> destination)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index));
        }

        CheckDim(destination.Length);
        CopyToCore(index / ChunkRows, index % ChunkRows, destination);
    }

    public float[] Get(int index)
    {
        var row = new float[Dim];
        CopyTo(index, row);
        return row;
    }

    protected abstract void AddCore(ReadOnlySpan<float> vector);

    protected abstract void AddEncodedCore(ReadOnlySpan<byte> bytes);

    /// <summary>Whatever the store needs per query (the query itself, or its int8 codes).</summary>
    protected abstract object PrepareQuery(ReadOnlySpan<float> query);

    protected abstract void ScoreChunk(object prepared, int chunk, int offset, Span<float> scores);

    protected abstract void CopyToCore(int chunk, int offset, Span<float> destination);

    private void CheckDim(int length)
    {
        if (length != Dim)
        {
            throw VidSearchException.Argument("vector", $"has {length} dimensions, the store holds {Dim}");
        }
    }

    /// <summary>Chunked backing array of T with Dim values per row.</summary>
    protected sealed class Chunks<T>(int dim)
    {
        private readonly List<T[]> _chunks = [];

        public Span<T> NextRow(int count)
        {
            int chunk = count / ChunkRows;
            if (chunk == _chunks.Count)
            {
                _chunks.Add(new T[ChunkRows * dim]);
            }

            return _chunks[chunk].AsSpan(count % ChunkRows * dim, dim);
        }

        public ReadOnlySpan<T> Rows(int chunk, int offset, int rows) => _chunks[chunk].AsSpan(offset * dim, rows * dim);
    }
}

public sealed class Float32VectorStore(int dim) : VectorStore(dim)
{
    private readonly Chunks<float> _rows = new(dim);

    public override VectorStorageType Type => VectorStorageType.Float32;

    protected override void AddCore(ReadOnlySpan<float> vector) => vector.CopyTo(_rows.NextRow(Count));

    protected override void AddEncodedCore(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, float>(bytes).CopyTo(_rows.NextRow(Count));

    protected override object PrepareQuery(ReadOnlySpan<float> query) => query.ToArray();

    protected override void ScoreChunk(object prepared, int chunk, int offset, Span<float> scores)
    {
        var query = (float[])prepared;
        var rows = _rows.Rows(chunk, offset, scores.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.Dot(query, rows.Slice(i * Dim, Dim));
        }
    }

    protected override void CopyToCore(int chunk, int offset, Span<float> destination) => _rows.Rows(chunk, offset, 1).CopyTo(destination);

    /// <summary>Row <paramref name="index"/> in place (no copy); valid for the store's lifetime since rows never move.</summary>
    internal ReadOnlySpan<float> Row(int index) => _rows.Rows(index / ChunkRows, index % ChunkRows, 1);
}

public sealed class Float16VectorStore(int dim) : VectorStore(dim)
{
    private readonly Chunks<Half> _rows = new(dim);

    public override VectorStorageType Type => VectorStorageType.Float16;

    protected override void AddCore(ReadOnlySpan<float> vector) => TensorPrimitives.ConvertToHalf(vector, _rows.NextRow(Count));

    protected override void AddEncodedCore(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, Half>(bytes).CopyTo(_rows.NextRow(Count));

    protected override object PrepareQuery(ReadOnlySpan<float> query) => query.ToArray();

    protected override void ScoreChunk(object prepared, int chunk, int offset, Span<float> scores)
    {
        var query = (float[])prepared;
        var rows = _rows.Rows(chunk, offset, scores.Length);
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = HalfDot.Dot(query, rows.Slice(i * Dim, Dim));
        }
    }

    protected override float ScoreRow(ReadOnlySpan<float> query, int chunk, int offset, Span<float> scratch)
        => HalfDot.Dot(query, _rows.Rows(chunk, offset, 1));

    protected override void CopyToCore(int chunk, int offset, Span<float> destination)
        => TensorPrimitives.ConvertToSingle(_rows.Rows(chunk, offset, 1), destination);
}

public sealed class Int8VectorStore(int dim) : VectorStore(dim)
{
    private readonly Chunks<sbyte> _codes = new(dim);
    private readonly List<float> _scales = [];

    public override VectorStorageType Type => VectorStorageType.Int8;

    protected override void AddCore(ReadOnlySpan<float> vector) => _scales.Add(Int8Quantizer.Quantize(vector, _codes.NextRow(Count)));

    protected override void AddEncodedCore(ReadOnlySpan<byte> bytes)
    {
        _scales.Add(System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes));
        MemoryMarshal.Cast<byte, sbyte>(bytes[sizeof(float)..]).CopyTo(_codes.NextRow(Count));
    }

    protected override object PrepareQuery(ReadOnlySpan<float> query)
    {
        var codes = new sbyte[Dim];
        float scale = Int8Quantizer.Quantize(query, codes);
        return (codes, scale);
    }

    protected override void ScoreChunk(object prepared, int chunk, int offset, Span<float> scores)
    {
        var (query, queryScale) = ((sbyte[], float))prepared;
        var rows = _codes.Rows(chunk, offset, scores.Length);
        int first = chunk * ChunkRows + offset;
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = Int8Quantizer.Dot(query, rows.Slice(i * Dim, Dim)) * queryScale * _scales[first + i];
        }
    }

    protected override void CopyToCore(int chunk, int offset, Span<float> destination)
        => Int8Quantizer.Dequantize(_codes.Rows(chunk, offset, 1), _scales[chunk * ChunkRows + offset], destination);
}
