using System.Numerics.Tensors;

namespace VidSearch.Core;

/// <summary>Small SIMD vector helpers shared by every component.</summary>
public static class VectorMath
{
    public static void NormalizeInPlace(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0)
        {
            TensorPrimitives.Divide(v, norm, v);
        }
    }

    public static float[] Normalized(ReadOnlySpan<float> v)
    {
        var copy = v.ToArray();
        NormalizeInPlace(copy);
        return copy;
    }

    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.CosineSimilarity(a, b);

    /// <summary>Mean of the given rows, L2-normalised (CLIP4Clip meanP).</summary>
    public static float[] MeanNormalized(EmbeddingMatrix rows, ReadOnlySpan<bool> mask = default)
    {
        var mean = new float[rows.Dim];
        int used = 0;
        for (int i = 0; i < rows.Rows; i++)
        {
            if (!mask.IsEmpty && !mask[i])
            {
                continue;
            }

            var row = VectorMath.Normalized(rows.RowReadOnly(i));
            TensorPrimitives.Add(mean, row, mean);
            used++;
        }

        if (used > 0)
        {
            NormalizeInPlace(mean);
        }

        return mean;
    }
}
