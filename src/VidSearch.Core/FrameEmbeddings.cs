namespace VidSearch.Core;

/// <summary>
/// The embeddings of the sampled frames of one video, with their timestamps (seconds) and a mask:
/// when a fixed frame count was asked and the video had fewer, padded rows have Mask = false.
/// </summary>
public sealed record FrameEmbeddings(EmbeddingMatrix Frames, double[] Timestamps, bool[] Mask)
{
    public int ValidCount => Mask.Count(m => m);
}
