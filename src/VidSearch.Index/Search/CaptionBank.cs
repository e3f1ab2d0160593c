using VidSearch.Core;

namespace VidSearch.Index.Search;

/// <summary>A caption and its similarity to a video.</summary>
public sealed record CaptionMatch(int Index, string Text, float Score);

/// <summary>
/// Video -> text: a fixed set of captions embedded with the model's text encoder, ranked for a video-level
/// (or any) embedding by exact SIMD search.
/// </summary>
public sealed class CaptionBank
{
    private readonly IReadOnlyList<string> _captions;
    private readonly ExactVectorIndex _index;
    private readonly Vectors.VectorStore _vectors;

    public CaptionBank(IReadOnlyList<string> captions, EmbeddingMatrix embeddings)
    {
        if (captions.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "caption bank", "is empty");
        }

        if (captions.Count != embeddings.Rows)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "caption bank", $"{captions.Count} captions but {embeddings.Rows} embeddings");
        }

        _captions = captions;
        _vectors = Vectors.VectorStore.Create(Vectors.VectorStorageType.Float32, embeddings.Dim);
        for (int i = 0; i < embeddings.Rows; i++)
        {
            _vectors.Add(VectorMath.Normalized(embeddings.RowReadOnly(i)));
        }

        _index = new ExactVectorIndex(_vectors);
    }

    /// <summary>Embeds the captions with <paramref name="encoder"/> in batches.</summary>
    public static CaptionBank Build(IReadOnlyList<string> captions, ITextEncoder encoder, int batchSize = 256)
    {
        var distinct = captions.Select(c => c.Trim()).Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "caption bank", "holds no non-empty caption");
        }

        var parts = new List<EmbeddingMatrix>();
        for (int i = 0; i < distinct.Count; i += batchSize)
        {
            parts.Add(encoder.EncodeTexts(distinct.GetRange(i, Math.Min(batchSize, distinct.Count - i))));
        }

        return new CaptionBank(distinct, EmbeddingMatrix.Concat(parts));
    }

    public int Count => _captions.Count;

    public IReadOnlyList<CaptionMatch> Rank(ReadOnlySpan<float> embedding, int k)
        => _index.Search(VectorMath.Normalized(embedding), Math.Min(k, _captions.Count)).Select(h => new CaptionMatch(h.Position, _captions[h.Position], h.Score)).ToList();
}
