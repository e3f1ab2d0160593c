using VidSearch.Core;

namespace VidSearch.Retrieval.Training;

/// <summary>Options of <see cref="Trainer"/> (AdamW, warmup + cosine schedule, clipping, checkpoints).</summary>
public sealed record TrainerOptions
{
    public int Epochs { get; init; } = 5;

    public int BatchSize { get; init; } = 64;

    /// <summary>Peak learning rate, reached at the end of warmup.</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Learning rate at the end of the cosine decay.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Share of all steps spent in linear warmup from 0 (CLIP4Clip: 0.1).</summary>
    public double WarmupFraction { get; init; } = 0.1;

    /// <summary>Decoupled weight decay, applied to matrices only (parameters with 2 or more dimensions).</summary>
    public double WeightDecay { get; init; } = 0.2;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.98;

    public double Epsilon { get; init; } = 1e-6;

    /// <summary>Clip the global gradient norm to this value; null = no clipping.</summary>
    public double? GradientClipNorm { get; init; } = 1.0;

    /// <summary>Seed of parameter-free randomness: data order and torch's generator (re-seeded every epoch).</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Drop the last incomplete batch of an epoch (contrastive losses prefer full batches).</summary>
    public bool DropLast { get; init; }

    /// <summary>Folder of the per-epoch checkpoints and the JSON training log; null = no checkpoints.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Continue from the latest checkpoint in <see cref="CheckpointDirectory"/> when there is one.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Checkpoints kept (the oldest are deleted).</summary>
    public int KeepCheckpoints { get; init; } = 2;

    public void Validate()
    {
        Check(Epochs is > 0 and <= 100_000, nameof(Epochs), $"must be in 1..100000, got {Epochs}");
        Check(BatchSize is > 0 and <= 1_000_000, nameof(BatchSize), $"must be in 1..1000000, got {BatchSize}");
        Check(double.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), $"must be positive, got {LearningRate}");
        Check(double.IsFinite(MinLearningRate) && MinLearningRate >= 0 && MinLearningRate <= LearningRate, nameof(MinLearningRate), $"must be in [0, LearningRate], got {MinLearningRate}");
        Check(WarmupFraction is >= 0 and < 1, nameof(WarmupFraction), $"must be in [0, 1), got {WarmupFraction}");
        Check(double.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), $"must be >= 0, got {WeightDecay}");
        Check(Beta1 is >= 0 and < 1, nameof(Beta1), $"must be in [0, 1), got {Beta1}");
        Check(Beta2 is >= 0 and < 1, nameof(Beta2), $"must be in [0, 1), got {Beta2}");
        Check(double.IsFinite(Epsilon) && Epsilon > 0, nameof(Epsilon), $"must be positive, got {Epsilon}");
        Check(GradientClipNorm is null || (double.IsFinite(GradientClipNorm.Value) && GradientClipNorm > 0), nameof(GradientClipNorm), $"must be positive, got {GradientClipNorm}");
        Check(KeepCheckpoints > 0, nameof(KeepCheckpoints), $"must be positive, got {KeepCheckpoints}");
    }

    private static void Check(bool ok, string name, string cause)
    {
        if (!ok)
        {
            throw VidSearchException.Argument("trainer option " + name, cause);
        }
    }
}
