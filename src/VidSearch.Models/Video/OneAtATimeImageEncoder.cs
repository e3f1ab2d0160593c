using VidSearch.Core;

namespace VidSearch.Models.Video;

/// <summary>
/// An image encoder that runs one batch at a time, whichever thread calls: the videos embedded at once share it,
/// so one job's decoding overlaps another's encoding without two encodes splitting the cores between them.
/// </summary>
public sealed class OneAtATimeImageEncoder(IImageEncoder inner) : IImageEncoder
{
    private readonly Lock gate = new();

    public int EmbeddingDim => inner.EmbeddingDim;

    public PreprocessConfig Preprocess => inner.Preprocess;

    public EmbeddingMatrix EncodeImages(ImageBatch batch)
    {
        lock (gate)
        {
            return inner.EncodeImages(batch);
        }
    }
}
