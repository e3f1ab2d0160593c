namespace VidSearch.Core;

/// <summary>Encoding many texts with any <see cref="ITextEncoder"/>.</summary>
public static class TextEncoderExtensions
{
    /// <summary>
    /// The unit-length embedding of every text, encoded <paramref name="batchSize"/> at a time (memory stays bounded
    /// however many texts), in the texts' order.
    /// </summary>
    public static float[][] EncodeNormalized(this ITextEncoder encoder, IReadOnlyList<string> texts, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        if (batchSize < 1)
        {
            throw VidSearchException.Argument("batch size", $"must be positive (got {batchSize})");
        }

        var result = new float[texts.Count][];
        for (int start = 0; start < texts.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = texts.Skip(start).Take(batchSize).ToList();
            var embeddings = encoder.EncodeTexts(batch);
            for (int row = 0; row < batch.Count; row++)
            {
                result[start + row] = VectorMath.Normalized(embeddings.RowReadOnly(row));
            }
        }

        return result;
    }
}
