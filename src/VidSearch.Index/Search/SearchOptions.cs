using VidSearch.Core;
using VidSearch.Index.Storage;

namespace VidSearch.Index.Search;

/// <summary>How moments (best-matching time ranges) are cut from a video's segment scores.</summary>
public sealed record MomentOptions
{
    /// <summary>
    /// A segment joins a moment when its score reaches min + RelativeThreshold * (best - min) over the video's
    /// segments: 1 keeps only the best segment, 0 the whole video.
    /// </summary>
    public double RelativeThreshold { get; init; } = 0.75;

    /// <summary>High-scoring segments at most this far apart (seconds) merge into one moment.</summary>
    public double MaxGapSeconds { get; init; } = 0.5;

    /// <summary>Moments reported per video, best first.</summary>
    public int MaxMoments { get; init; } = 3;

    public void Validate()
    {
        if (!(RelativeThreshold is >= 0 and <= 1))
        {
            throw VidSearchException.Argument("--moment-threshold", $"must be between 0 and 1, got {RelativeThreshold}");
        }

        if (!(MaxGapSeconds >= 0) || double.IsInfinity(MaxGapSeconds))
        {
            throw VidSearchException.Argument("--moment-gap", $"must be a non-negative number of seconds, got {MaxGapSeconds}");
        }

        if (MaxMoments is < 1 or > 100)
        {
            throw VidSearchException.Argument("--moments", $"must be between 1 and 100, got {MaxMoments}");
        }
    }
}

/// <summary>
/// Fusion of the visual score with BM25 scores of the text channels: score = VisualWeight * visual +
/// TextWeight * text, where text is the weighted sum of the channels' BM25 divided by the best such sum among
/// the candidates (so in [0, 1]). Off by default (TextWeight = 0).
/// </summary>
public sealed record TextFusionOptions
{
    public double VisualWeight { get; init; } = 1.0;

    public double TextWeight { get; init; }

    public IReadOnlyDictionary<TextChannel, double> ChannelWeights { get; init; } = new Dictionary<TextChannel, double>
    {
        [TextChannel.FileName] = 0.5,
        [TextChannel.Title] = 1.0,
        [TextChannel.Tags] = 1.0,
        [TextChannel.Description] = 0.8,
        [TextChannel.Subtitles] = 0.6,
    };

    /// <summary>Text matches considered per query.</summary>
    public int TextCandidates { get; init; } = 200;

    public bool Enabled => TextWeight > 0;

    public void Validate()
    {
        if (!(VisualWeight >= 0) || !(TextWeight >= 0) || double.IsInfinity(VisualWeight) || double.IsInfinity(TextWeight) || VisualWeight + TextWeight == 0)
        {
            throw VidSearchException.Argument("--text-weight", $"weights must be finite, non-negative and not both zero (visual {VisualWeight}, text {TextWeight})");
        }

        if (ChannelWeights.Values.Any(w => !(w >= 0) || double.IsInfinity(w)))
        {
            throw VidSearchException.Argument("channel weights", "must be finite and non-negative");
        }
    }
}

/// <summary>How a video's visual score is computed.</summary>
public enum VideoRanking
{
    /// <summary>The best-matching segment's cosine (finds short moments inside long videos). The default.</summary>
    BestSegment,

    /// <summary>
    /// The cosine with the stored video-level vector: the L2-normalised mean of the video's normalised frame
    /// embeddings, i.e. CLIP4Clip meanP, the same score as `vidsearch eval --head mean` for the same model and
    /// sampling. Every video is scored exactly (no approximate index).
    /// </summary>
    VideoVector,
}

/// <summary>Options of one search.</summary>
public sealed record SearchOptions
{
    /// <summary>How videos are scored: best segment (default) or the pooled video vector.</summary>
    public VideoRanking Ranking { get; init; } = VideoRanking.BestSegment;

    public static VideoRanking ParseRanking(string value) => value.Trim().ToLowerInvariant() switch
    {
        "segment" or "moment" or "best-segment" => VideoRanking.BestSegment,
        "video" or "mean" or "meanp" => VideoRanking.VideoVector,
        _ => throw VidSearchException.Argument("--rank-by", $"'{value}' is not a ranking; expected segment (best moment) or video (mean-pooled video vector, as `eval --head mean`)"),
    };

    /// <summary>Videos returned.</summary>
    public int K { get; init; } = 10;

    /// <summary>Segments fetched from the vector index before grouping by video; null: max(200, 20 * K).</summary>
    public int? CandidateSegments { get; init; }

    /// <summary>Candidates re-scored by the <see cref="IReranker"/>, when one is set.</summary>
    public int RerankTop { get; init; } = 50;

    public MomentOptions Moments { get; init; } = new();

    public TextFusionOptions Fusion { get; init; } = new();

    public VectorSearchOptions? Vector { get; init; }

    public const int MaxK = 10_000;

    public void Validate()
    {
        if (K is < 1 or > MaxK)
        {
            throw VidSearchException.Argument("-k", $"must be between 1 and {MaxK}, got {K}");
        }

        if (CandidateSegments is < 1)
        {
            throw VidSearchException.Argument("candidates", $"must be positive, got {CandidateSegments}");
        }

        if (RerankTop < 0)
        {
            throw VidSearchException.Argument("--rerank-top", $"must not be negative, got {RerankTop}");
        }

        if (Vector is { Nprobe: < 1 } or { Ef: < 1 } or { RerankCandidates: < 1 })
        {
            throw VidSearchException.Argument(Vector.Nprobe < 1 ? "--nprobe" : Vector.Ef < 1 ? "--ef" : "--candidates", "must be positive");
        }

        Moments.Validate();
        Fusion.Validate();
    }
}
