using VidSearch.Core;

namespace VidSearch.Core.Tests;

public sealed class TextEncoderExtensionsTests
{
    /// <summary>Embeds a text as (its length, 1) and records the size of every batch it was given.</summary>
    private sealed class LengthEncoder : ITextEncoder
    {
        public List<int> Batches { get; } = [];

        public int EmbeddingDim => 2;

        public EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts)
        {
            Batches.Add(texts.Count);
            var matrix = new EmbeddingMatrix(texts.Count, 2);
            for (int row = 0; row < texts.Count; row++)
            {
                matrix.Row(row)[0] = texts[row].Length;
                matrix.Row(row)[1] = 1;
            }

            return matrix;
        }
    }

    [Fact]
    public void Every_text_is_embedded_in_order_at_unit_length_in_batches_of_the_given_size()
    {
        var encoder = new LengthEncoder();
        string[] texts = ["a", "abc", "", "abcdefg", "ab"];

        var vectors = encoder.EncodeNormalized(texts, batchSize: 2, TestContext.Current.CancellationToken);

        Assert.Equal([2, 2, 1], encoder.Batches);
        Assert.Equal(texts.Length, vectors.Length);
        for (int i = 0; i < texts.Length; i++)
        {
            float norm = MathF.Sqrt((texts[i].Length * texts[i].Length) + 1);
            Assert.Equal([texts[i].Length / norm, 1 / norm], vectors[i], (x, y) => Math.Abs(x - y) < 1e-6f);
        }

        Assert.Empty(encoder.EncodeNormalized([], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Throws<VidSearchException>(() => encoder.EncodeNormalized(texts, batchSize: 0, TestContext.Current.CancellationToken));
    }
}
