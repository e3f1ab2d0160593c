using VidSearch.Core;

namespace VidSearch.Index.Indexing;

/// <summary>One embedded time range of a video (seconds), with its L2-normalised embedding.</summary>
public sealed record EmbeddedSegment(double Start, double End, float[] Embedding);

/// <summary>
/// What indexing stores for one video: its segments (time ranges with embeddings), optionally the frame-level
/// embeddings with timestamps, and optionally a video-level vector (else the normalised mean of the segments).
/// </summary>
public sealed record VideoEmbedding(double Duration, IReadOnlyList<EmbeddedSegment> Segments, FrameEmbeddings? Frames = null, float[]? VideoVector = null)
{
    /// <summary>Frames encoded to produce this embedding (for frames/s progress).</summary>
    public int FramesEncoded { get; init; }

    /// <summary>What went partly wrong (e.g. frames of a damaged stretch that could not be decoded); the video is still indexed.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>
/// Turns a video file into embeddings: probe, sample, decode, preprocess, encode (the media pipeline and the
/// model behind one call). Throws <see cref="VidSearchException"/> for a video it cannot read; the indexer records
/// the reason and goes on. Must be thread-safe when <see cref="IndexOptions.EmbedConcurrency"/> is above 1.
/// </summary>
public interface IVideoEmbedder
{
    VideoEmbedding Embed(string path, CancellationToken cancellationToken);
}
