using VidSearch.Eval.Metrics;
using VidSearch.Eval.Tasks;

namespace VidSearch.Eval.Reports;

/// <summary>
/// Everything one evaluation run measured, with what is needed to reproduce it (model, head, sampling, seed,
/// dataset hash) and the time it took. Serialised as JSON by <see cref="ReportWriter"/>; re-ranked figures live
/// in <see cref="Reranked"/>, never in <see cref="Retrieval"/>.
/// </summary>
public sealed record EvaluationReport
{
    public const string CurrentSchema = "vidsearch-eval/1";

    public string Schema { get; init; } = CurrentSchema;

    public string Model { get; init; } = string.Empty;

    public string Head { get; init; } = string.Empty;

    public string Sampling { get; init; } = string.Empty;

    public int Seed { get; init; }

    public DateTimeOffset StartedUtc { get; init; }

    public double Seconds { get; init; }

    public DatasetSummary Dataset { get; init; } = new();

    public RetrievalSection? Retrieval { get; init; }

    public List<RerankedSection> Reranked { get; init; } = [];

    public ReversalResult? Reversal { get; init; }

    public List<ClassificationResult> Actions { get; init; } = [];

    public List<LocalizationSection> Localization { get; init; } = [];

    public ChoiceResult? Choice { get; init; }

    /// <summary>Tasks skipped and why (e.g. "actions: no labelled videos").</summary>
    public List<string> Notes { get; init; } = [];
}

/// <summary>The dataset as evaluated: what was asked, what existed, what failed.</summary>
public sealed record DatasetSummary
{
    public string Name { get; init; } = string.Empty;

    public string Format { get; init; } = string.Empty;

    public string Hash { get; init; } = string.Empty;

    public string Split { get; init; } = string.Empty;

    /// <summary>Videos of the split in the annotations.</summary>
    public int Videos { get; init; }

    /// <summary>Videos actually evaluated (present and decoded).</summary>
    public int Evaluated { get; init; }

    public int MissingCount { get; init; }

    public List<string> Missing { get; init; } = [];

    public List<FailedVideo> Failed { get; init; } = [];

    public int Captions { get; init; }

    public string CaptionKind { get; init; } = "sentence";
}

public sealed record FailedVideo(string Id, string Error);

public sealed record RetrievalSection(RetrievalMetrics TextToVideo, RetrievalMetrics VideoToText, string VideoToTextVariant, string TiePolicy);

/// <summary>Figures after a re-ranking that sees more than one query (DSL) or a querybank (QB-Norm).</summary>
public sealed record RerankedSection(string Method, string Note, RetrievalMetrics TextToVideo, RetrievalMetrics? VideoToText);

public sealed record LocalizationSection(string Protocol, DetectionResult Result);
