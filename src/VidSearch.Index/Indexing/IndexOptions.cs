using VidSearch.Core;

namespace VidSearch.Index.Indexing;

/// <summary>Options of an indexing run.</summary>
public sealed record IndexOptions
{
    /// <summary>
    /// Formats ffmpeg reads as moving pictures: the media component's list (common containers, MPEG streams,
    /// animated GIFs as in TGIF) and a few more (camcorder .m2ts, DVD .vob, broadcast .mxf, older containers).
    /// </summary>
    public static readonly IReadOnlySet<string> DefaultVideoExtensions = new HashSet<string>(
        Media.MediaFiles.VideoExtensions.Concat([".m2ts", ".vob", ".mxf", ".f4v", ".3g2", ".asf", ".divx", ".qt"]), StringComparer.OrdinalIgnoreCase);

    /// <summary>File extensions picked up when scanning folders (files named explicitly are always taken).</summary>
    public IReadOnlySet<string> VideoExtensions { get; init; } = DefaultVideoExtensions;

    /// <summary>Videos embedded at once (decode of one overlaps encode of another; encodes take turns); writes stay sequential.</summary>
    public int EmbedConcurrency { get; init; } = 1;

    /// <summary>Try again videos that failed before even if the file did not change.</summary>
    public bool RetryFailed { get; init; }

    /// <summary>Remove videos that vanished from the scanned folders (or named files that no longer exist).</summary>
    public bool RemoveDeleted { get; init; } = true;

    /// <summary>Read file names, sidecar JSON and subtitles into text channels.</summary>
    public bool ReadTextChannels { get; init; } = true;

    /// <summary>Store the frame-level embeddings the embedder returns.</summary>
    public bool StoreFrames { get; init; } = true;

    public void Validate()
    {
        if (EmbedConcurrency is < 1 or > 64)
        {
            throw VidSearchException.Argument("--jobs", $"must be between 1 and 64, got {EmbedConcurrency}");
        }
    }
}

/// <summary>A video that could not be indexed, with the reason.</summary>
public sealed record IndexFailure(string Path, string Reason);

/// <summary>What an indexing run did.</summary>
public sealed record IndexReport
{
    public int Found { get; init; }
    public int Added { get; init; }
    public int Updated { get; init; }
    public int Unchanged { get; init; }
    public int Removed { get; init; }
    /// <summary>Videos that failed before and were not retried (unchanged files).</summary>
    public int SkippedFailed { get; init; }
    public long FramesEncoded { get; init; }
    public TimeSpan Elapsed { get; init; }
    public IReadOnlyList<IndexFailure> Failures { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
