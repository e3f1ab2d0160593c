using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using static TorchSharp.torch;

namespace VidSearch.Models.Tests;

/// <summary>A test-only tokenizer: one id per character (1..1000), start 49406 and end 49407, padded with 0.</summary>
public sealed class CharacterTokenizer(int contextLength = 77) : ITokenizer
{
    public const long Start = 49406;
    public const long End = 49407;

    public int ContextLength { get; } = contextLength;

    public TokenBatch EncodeBatch(IReadOnlyList<string> texts, int? contextLength = null)
    {
        int length = contextLength ?? ContextLength;
        var ids = new long[texts.Count * length];
        var mask = new long[texts.Count * length];
        var ends = new int[texts.Count];
        for (int row = 0; row < texts.Count; row++)
        {
            var tokens = new List<long> { Start };
            tokens.AddRange(texts[row].Take(length - 2).Select(c => (long)(c % 1000) + 1));
            tokens.Add(End);
            for (int i = 0; i < tokens.Count; i++)
            {
                ids[row * length + i] = tokens[i];
                mask[row * length + i] = 1;
            }

            ends[row] = tokens.Count - 1;
        }

        return new TokenBatch(ids, mask, ends, texts.Count, length);
    }
}

public static class TestModels
{
    /// <summary>A random tiny model (seeded), so that every test builds the same weights.</summary>
    public static ClipModel Tiny(int seed = 1, ClipConfig? config = null)
    {
        manual_seed(seed);
        var model = new ClipModel(config ?? ClipConfig.Tiny, new CharacterTokenizer(), "tiny");
        model.eval();
        return model;
    }

    public static ImageBatch RandomImages(int count, int size, int seed = 7)
    {
        var random = new Random(seed);
        var data = new float[count * 3 * size * size];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 4 - 2);
        }

        return new ImageBatch(data, count, size, size);
    }

    public static readonly string[] Texts = ["a dog runs on the beach", "cooking pasta", "x", "a person playing the guitar on a stage at night"];

    public static void AssertClose(EmbeddingMatrix expected, EmbeddingMatrix actual, float tolerance)
    {
        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.Dim, actual.Dim);
        float worst = 0;
        for (int i = 0; i < expected.Data.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected.Data[i] - actual.Data[i]));
        }

        Assert.True(worst <= tolerance, $"largest difference {worst} exceeds {tolerance}");
    }

    public static void AssertUnitRows(EmbeddingMatrix m)
    {
        for (int i = 0; i < m.Rows; i++)
        {
            float norm = MathF.Sqrt(m.RowReadOnly(i).ToArray().Sum(v => v * v));
            Assert.InRange(norm, 0.9999f, 1.0001f);
        }
    }
}
