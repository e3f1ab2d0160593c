using VidSearch.Core;
using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Prompts;

namespace VidSearch.Retrieval.Video;

/// <summary>What <see cref="VideoHeadTrainer"/> trains on top of a frozen CLIP, and how.</summary>
public sealed record VideoTrainingOptions
{
    /// <summary>Head name (<see cref="HeadFactory.Names"/>).</summary>
    public string Head { get; init; } = HeadFactory.Mean;

    /// <summary>Learnable prompt vectors per side of every text (0 = none); <see cref="PromptPlacement"/> says where.</summary>
    public int Prompts { get; init; }

    /// <summary>Where the prompts go: before the caption (after the start token), after it (before the end token) or both.</summary>
    public PromptPlacement PromptPlacement { get; init; } = PromptPlacement.Before;

    /// <summary>A residual linear adapter on the text embeddings, initialised at identity (trains on the captions).</summary>
    public bool TextAdapter { get; init; }

    /// <summary>Temporal attention inside the frozen image encoder (re-runs the encoder in training).</summary>
    public bool TemporalAttention { get; init; }

    /// <summary>Share of patch tokens dropped at random in training (MAC); needs <see cref="TemporalAttention"/>.</summary>
    public double MaskRatio { get; init; }

    /// <summary>Patch tokens kept in training (SMAUG-style, most changing first; 0 = all); needs <see cref="TemporalAttention"/>.</summary>
    public int TokenKeep { get; init; }

    /// <summary>Singularity: one random frame per video in training; all frames at evaluation.</summary>
    public bool SingleFrame { get; init; }

    /// <summary>Dual softmax (CAMoE DSL) inside the training loss.</summary>
    public bool DualSoftmax { get; init; }

    /// <summary>Momentum-free FIFO queue of this many past embeddings as extra negatives (0 = none; query-independent heads only).</summary>
    public int Queue { get; init; }

    /// <summary>
    /// Batches of clip groups (a clip and its reversed twin share a manifest group): twins always land in the same
    /// batch, so each is the other's hard negative and the loss cannot be met by object identity alone.
    /// </summary>
    public bool TwinBatches { get; init; }

    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 32;

    public double LearningRate { get; init; } = 1e-3;

    public long Seed { get; init; }

    /// <summary>Head options; Dim and MaxFrames are set from the model and the sampling.</summary>
    public HeadOptions HeadOptions { get; init; } = new();

    /// <summary>Short name of the configuration as tables show it, e.g. "temporal +prompts4 +dsl".</summary>
    public string Label
    {
        get
        {
            var parts = new List<string> { Head };
            if (Prompts > 0) parts.Add($"+prompts{Prompts}" + (PromptPlacement == PromptPlacement.Before ? string.Empty : "-" + PromptPlacement.ToString().ToLowerInvariant()));
            if (TemporalAttention) parts.Add("+temporal-attention");
            if (MaskRatio > 0) parts.Add(FormattableString.Invariant($"+mask{MaskRatio:0.##}"));
            if (TokenKeep > 0) parts.Add($"+keep{TokenKeep}");
            if (SingleFrame) parts.Add("+single-frame");
            if (DualSoftmax) parts.Add("+dsl");
            if (Queue > 0) parts.Add($"+queue{Queue}");
            if (TwinBatches) parts.Add("+twins");
            if (TextAdapter) parts.Add("+text-adapter");
            return string.Join(' ', parts);
        }
    }

    public void Validate()
    {
        if (!HeadFactory.Names.Contains(Head))
        {
            throw VidSearchException.Argument("--head", $"unknown head '{Head}' (known: {string.Join(", ", HeadFactory.Names)})");
        }

        if (Prompts < 0)
        {
            throw VidSearchException.Argument("--prompts", $"must be 0 or more, got {Prompts}");
        }

        if (!Enum.IsDefined(PromptPlacement))
        {
            throw VidSearchException.Argument("--prompt-placement", $"unknown placement {PromptPlacement}");
        }

        if ((MaskRatio != 0 || TokenKeep != 0) && !TemporalAttention)
        {
            throw VidSearchException.Argument(MaskRatio != 0 ? "--mask-ratio" : "--token-keep",
                "drops image tokens, so it needs the image encoder to run in training: use it with --temporal-attention");
        }

        if (Queue < 0 || Queue > 1_000_000)
        {
            throw VidSearchException.Argument("--queue", $"must be between 0 and 1000000, got {Queue}");
        }

        if (Epochs < 1 || Epochs > 100_000)
        {
            throw VidSearchException.Argument("--epochs", $"must be between 1 and 100000, got {Epochs}");
        }

        if (BatchSize < 2 || BatchSize > 65_536)
        {
            throw VidSearchException.Argument("--batch-size", $"must be between 2 and 65536, got {BatchSize}");
        }

        if (!(LearningRate > 0) || LearningRate > 1)
        {
            throw VidSearchException.Argument("--lr", $"must be in (0, 1], got {LearningRate}");
        }
    }
}
