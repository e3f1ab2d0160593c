using VidSearch.Core;
using VidSearch.Eval.Metrics;
using VidSearch.Eval.Tasks;

namespace VidSearch.Eval.Running;

/// <summary>Which tasks a run performs.</summary>
[Flags]
public enum EvaluationTasks
{
    None = 0,
    Retrieval = 1,
    Actions = 2,
    Localization = 4,
    Choice = 8,
    All = Retrieval | Actions | Localization | Choice,
}

/// <summary>Settings of <see cref="EvaluationRunner"/>.</summary>
public sealed record EvaluationOptions
{
    public EvaluationTasks Tasks { get; init; } = EvaluationTasks.All;

    /// <summary>The split evaluated ("test"); training-split data is used only for querybanks and few-shot support.</summary>
    public string Split { get; init; } = "test";

    public IVideoTextScorer Head { get; init; } = new MeanPoolingScorer();

    /// <summary>Pools a video into one vector for few-shot prototypes (defaults to mean pooling).</summary>
    public IVideoPooler Pooler { get; init; } = new MeanPoolingScorer();

    public int Seed { get; init; }

    public VideoToTextVariant VideoToText { get; init; } = VideoToTextVariant.AnyCaption;

    public IReadOnlyList<string>? PromptTemplates { get; init; }

    public IReadOnlyList<int> FewShotK { get; init; } = [2, 4, 8];

    /// <summary>Beside the prototype few-shot protocol, a linear probe (logistic regression) on the same support videos.</summary>
    public bool LinearProbe { get; init; } = true;

    public LinearProbeOptions LinearProbeSettings { get; init; } = new();

    /// <summary>Share of classes held out as unseen in the open-set protocol (SYNTHETIC.md: 4 of 10).</summary>
    public double OpenSetUnseenFraction { get; init; } = 0.4;

    public LocalizationOptions Localization { get; init; } = new();

    public bool Dsl { get; init; } = true;

    public double DslTemperature { get; init; } = 1.0;

    public bool QbNorm { get; init; } = true;

    public double QbNormBeta { get; init; } = Reranking.QueryBankNormalization.DefaultBeta;

    /// <summary>At most this many training captions in the QB-Norm querybank (sampled with the seed).</summary>
    public int QueryBankSize { get; init; } = 5000;

    /// <summary>At most this many training videos in the v2t QB-Norm querybank (sampled with the seed).</summary>
    public int VideoQueryBankSize { get; init; } = 1000;

    /// <summary>Where embeddings are cached (null: no cache).</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Texts per call to the text encoder.</summary>
    public int TextBatchSize { get; init; } = 256;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Split))
        {
            throw VidSearchException.Argument("--split", "empty split name");
        }

        if (FewShotK.Any(k => k <= 0) || !(OpenSetUnseenFraction > 0 && OpenSetUnseenFraction < 1) || TextBatchSize <= 0 || QueryBankSize <= 0 || VideoQueryBankSize <= 0)
        {
            throw VidSearchException.Argument("evaluation options", "few-shot K and batch sizes must be positive, the unseen fraction in (0, 1)");
        }

        Localization.Validate();
        LinearProbeSettings.Validate();
    }
}
