using VidSearch.Core;

namespace VidSearch.Eval.Tests;

/// <summary>A deterministic bag-of-words text encoder: each word adds 1 to a hashed dimension; rows normalised.</summary>
internal sealed class BagOfWordsEncoder(int dim = 64) : ITextEncoder
{
    public int EmbeddingDim => dim;

    public int Calls { get; private set; }

    public int TextsEncoded { get; private set; }

    public static float[] Vector(string text, int dim = 64)
    {
        var v = new float[dim];
        foreach (string word in text.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            uint h = 2166136261;
            foreach (char c in word.Trim('.', ','))
            {
                h = (h ^ c) * 16777619;
            }

            v[h % (uint)dim] += 1;
        }

        VectorMath.NormalizeInPlace(v);
        return v;
    }

    public EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts)
    {
        Calls++;
        TextsEncoded += texts.Count;
        var m = new EmbeddingMatrix(texts.Count, dim);
        for (int i = 0; i < texts.Count; i++)
        {
            Vector(texts[i], dim).CopyTo(m.Row(i));
        }

        return m;
    }
}

internal static class Frames
{
    /// <summary>Frame embeddings whose rows are the given vectors, at 1 s steps, all valid.</summary>
    public static FrameEmbeddings Of(params float[][] rows)
    {
        int dim = rows[0].Length;
        var m = new EmbeddingMatrix(rows.Length, dim);
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(m.Row(i));
        }

        return new FrameEmbeddings(m, Enumerable.Range(0, rows.Length).Select(i => (double)i).ToArray(), Enumerable.Repeat(true, rows.Length).ToArray());
    }

    public static float[] OneHot(int dim, int index, float value = 1)
    {
        var v = new float[dim];
        v[index] = value;
        return v;
    }

    public static float[,] Matrix(params float[][] rows)
    {
        var m = new float[rows.Length, rows[0].Length];
        for (int i = 0; i < rows.Length; i++)
        {
            for (int j = 0; j < rows[i].Length; j++)
            {
                m[i, j] = rows[i][j];
            }
        }

        return m;
    }
}
