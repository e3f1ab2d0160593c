using System.Numerics.Tensors;

namespace VidSearch.Core;

/// <summary>A dense row-major matrix of float32 embeddings: one row per image, frame, text or video.</summary>
public sealed class EmbeddingMatrix
{
    public EmbeddingMatrix(int rows, int dim)
        : this(new float[checked(rows * dim)], rows, dim)
    {
    }

    public EmbeddingMatrix(float[] data, int rows, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (data.Length != rows * dim)
        {
            throw new ArgumentException($"data holds {data.Length} floats, expected {rows}x{dim}", nameof(data));
        }

        Data = data;
        Rows = rows;
        Dim = dim;
    }

    public float[] Data { get; }

    public int Rows { get; }

    public int Dim { get; }

    public Span<float> Row(int index) => Data.AsSpan(index * Dim, Dim);

    public ReadOnlySpan<float> RowReadOnly(int index) => new(Data, index * Dim, Dim);

    /// <summary>Scales every row to unit L2 norm in place (rows of zeros stay zero).</summary>
    public EmbeddingMatrix NormalizeRows()
    {
        for (int i = 0; i < Rows; i++)
        {
            VectorMath.NormalizeInPlace(Row(i));
        }

        return this;
    }

    /// <summary>Rows [start, start+count) as a new matrix (copied).</summary>
    public EmbeddingMatrix Slice(int start, int count)
    {
        var result = new EmbeddingMatrix(count, Dim);
        Data.AsSpan(start * Dim, count * Dim).CopyTo(result.Data);
        return result;
    }

    public static EmbeddingMatrix Concat(IReadOnlyList<EmbeddingMatrix> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("nothing to concatenate", nameof(parts));
        }

        int dim = parts[0].Dim;
        var result = new EmbeddingMatrix(parts.Sum(p => p.Rows), dim);
        int offset = 0;
        foreach (var part in parts)
        {
            if (part.Dim != dim)
            {
                throw new ArgumentException($"dimension {part.Dim} differs from {dim}", nameof(parts));
            }

            part.Data.CopyTo(result.Data, offset);
            offset += part.Data.Length;
        }

        return result;
    }

    /// <summary>Similarity matrix this x other^T (rows of this against rows of other).</summary>
    public float[,] DotProducts(EmbeddingMatrix other)
    {
        if (other.Dim != Dim)
        {
            throw new ArgumentException($"dimension {other.Dim} differs from {Dim}", nameof(other));
        }

        var result = new float[Rows, other.Rows];
        for (int i = 0; i < Rows; i++)
        {
            var a = RowReadOnly(i);
            for (int j = 0; j < other.Rows; j++)
            {
                result[i, j] = TensorPrimitives.Dot(a, other.RowReadOnly(j));
            }
        }

        return result;
    }
}
