using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Storage;

/// <summary>What a collection is made of: the model, its preprocessing, the vector layout.</summary>
public sealed record CollectionInfo(string ModelId, PreprocessConfig Preprocess, int EmbeddingDim, VectorStorageType Storage);

/// <summary>State of a video in the collection.</summary>
public enum VideoStatus
{
    /// <summary>Segments and embeddings are stored.</summary>
    Done,
    /// <summary>The video could not be read; <see cref="StoredVideo.Error"/> says why.</summary>
    Failed,
}

/// <summary>What a stored row describes: a time range, a single frame, or the whole video.</summary>
public enum SegmentKind
{
    Segment,
    Frame,
    Video,
}

/// <summary>The text channels of a video (Cap4Video / HiSE: words around the pixels).</summary>
public enum TextChannel
{
    FileName = 0,
    Title = 1,
    Tags = 2,
    Description = 3,
    Subtitles = 4,
}

/// <summary>A video row: path (absolute), file identity (size, mtime, content hash), status.</summary>
public sealed record StoredVideo(long Id, string Path, string? ContentHash, long Size, long ModifiedTicks, double Duration, VideoStatus Status, string? Error);

/// <summary>The file identity used to detect new, changed and unchanged files.</summary>
public readonly record struct FileIdentity(long Size, long ModifiedTicks, string ContentHash);

/// <summary>One stored embedding: a time range (seconds; a frame has Start == End) of a video.</summary>
public sealed record SegmentRecord(double Start, double End, SegmentKind Kind, float[] Embedding);

public sealed record TextEntry(TextChannel Channel, string Content);

/// <summary>A BM25 match of a text query against one channel of a video (higher is better).</summary>
public readonly record struct TextMatch(long VideoId, TextChannel Channel, double Score);

/// <summary>A text like the ones users search with and its embedding by the collection's model (float32, L2-normalised).</summary>
public sealed record TuningQuery(string Text, float[] Vector);
