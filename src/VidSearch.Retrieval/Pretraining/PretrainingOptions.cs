using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Retrieval.Training;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>Options of <see cref="ClipPretrainer"/>.</summary>
public sealed record PretrainingOptions
{
    /// <summary>The architecture to train (the same CLIP code as real checkpoints, a small size).</summary>
    public required ClipConfig Config { get; init; }

    public TrainerOptions Trainer { get; init; } = DefaultTrainer;

    /// <summary>The schedule used unless told otherwise.</summary>
    public static TrainerOptions DefaultTrainer { get; } = new()
    {
        Epochs = 12,
        BatchSize = 128,
        LearningRate = 1e-3,
        MinLearningRate = 1e-5,
        WarmupFraction = 0.05,
        WeightDecay = 0.1,
        GradientClipNorm = 1.0,
        DropLast = true,
    };

    /// <summary>Validation gallery size evaluated after each epoch (image->text and text->image R@1).</summary>
    public int ValidationSize { get; init; } = 500;

    /// <summary>Caption tokens kept (CLIP's context is 77; captions here are short, retrieval repos use 32).</summary>
    public int MaxTokens { get; init; } = 32;

    /// <summary>Cap on training still pairs used (null = all); lets a quick run use a subset.</summary>
    public int? MaxTrainPairs { get; init; }

    /// <summary>
    /// Standard deviation of the vision position embeddings at initialisation (null = the model's, Hugging Face's 0.02;
    /// OpenAI CLIP uses width^-0.5). Larger values make where a patch is weigh more against what it shows at the start.
    /// </summary>
    public double? VisionPositionInitStd { get; init; }

    /// <summary>Cap on training film strips used (null = all).</summary>
    public int? MaxTrainStrips { get; init; }

    /// <summary>
    /// Progressive resizing: the first <see cref="LowResolutionEpochs"/> epochs see every image average-pooled down to
    /// this many pixels (a multiple of the patch size, fewer tokens, a faster step), the rest at the model's size; the
    /// position table is resized to the smaller grid (null = always the model's size).
    /// </summary>
    public int? LowResolution { get; init; }

    /// <summary>Epochs trained at <see cref="LowResolution"/> before the model's own size.</summary>
    public int LowResolutionEpochs { get; init; }

    /// <summary>
    /// Temperature the learnable logit scale starts from (null = the config's, CLIP's 0.07, a scale of 14.3); the scale is
    /// clamped at 100 in training, so at least 0.01.
    /// </summary>
    public double? InitialTemperature { get; init; }

    /// <summary>
    /// Share of the training stills batched in clusters of <see cref="HardBatchClusterSize"/> confusers (same shapes, colours
    /// or sizes, other bindings; <see cref="ConfuserClusters"/>); 0 = every still is batched at random.
    /// </summary>
    public double HardBatches { get; init; }

    /// <summary>
    /// Weight of an auxiliary caption-caption InfoNCE term (two paraphrases of an item are positives, other items'
    /// captions negatives); 0 = none. Costs a second text forward and backward per step.
    /// </summary>
    public double TextContrast { get; init; }

    /// <summary>
    /// Shards each batch is cut into, whose forward and backward passes run in parallel with one torch thread each
    /// (<see cref="ShardedContrastiveStep"/>); 1 = one pass over the whole batch with libtorch's own threads.
    /// </summary>
    public int Shards { get; init; } = 1;

    /// <summary>How the stills of a confuser cluster resemble each other.</summary>
    public ConfuserKind HardBatchKind { get; init; } = ConfuserKind.SharedAttribute;

    /// <summary>
    /// The attribute (index in a group's objects: 0 size, 1 colour, 2 shape in the synthetic world) every confuser
    /// cluster is keyed by; null = drawn per still.
    /// </summary>
    public int? HardBatchAttribute { get; init; }

    /// <summary>Stills per confuser cluster.</summary>
    public int HardBatchClusterSize { get; init; } = 8;

    /// <summary>The architecture with <see cref="InitialTemperature"/> applied.</summary>
    public ClipConfig ModelConfig => InitialTemperature is double t ? Config with { LogitScaleInitValue = Math.Log(1 / t) } : Config;

    public void Validate()
    {
        Trainer.Validate();
        if (ValidationSize is < 2 or > 100_000)
        {
            throw VidSearchException.Argument("validation size", $"must be in 2..100000, got {ValidationSize}");
        }

        if (MaxTokens < 3 || MaxTokens > Config.ContextLength)
        {
            throw VidSearchException.Argument("max tokens", $"must be in 3..{Config.ContextLength}, got {MaxTokens}");
        }

        if (VisionPositionInitStd is double std && (!double.IsFinite(std) || std <= 0 || std > 10))
        {
            throw VidSearchException.Argument("--position-init-std", $"must be in (0, 10], got {std}");
        }

        if (MaxTrainStrips is < 0)
        {
            throw VidSearchException.Argument("max train strips", $"must not be negative, got {MaxTrainStrips}");
        }

        if (LowResolution is int low)
        {
            int patch = Config.Vision.PatchSize;
            if (low < patch || low >= Config.ImageSize || low % patch != 0)
            {
                throw VidSearchException.Argument("--low-res",
                    $"must be a multiple of the {patch} px patch below the model's {Config.ImageSize} px, got {low}");
            }

            if (LowResolutionEpochs < 1 || LowResolutionEpochs >= Trainer.Epochs)
            {
                throw VidSearchException.Argument("--low-res-epochs",
                    $"must be in 1..{Trainer.Epochs - 1} (some epochs at the model's own size), got {LowResolutionEpochs}");
            }
        }
        else if (LowResolutionEpochs != 0)
        {
            throw VidSearchException.Argument("--low-res-epochs", "needs --low-res");
        }

        if (InitialTemperature is double temperature && !(temperature >= 0.01 && temperature <= 1))
        {
            throw VidSearchException.Argument("--init-temperature", $"must be in [0.01, 1], got {temperature}");
        }

        if (!(HardBatches is >= 0 and <= 1))
        {
            throw VidSearchException.Argument("--hard-batches", $"must be in [0, 1], got {HardBatches}");
        }

        if (!(TextContrast is >= 0 and <= 10))
        {
            throw VidSearchException.Argument("--text-contrast", $"must be in [0, 10], got {TextContrast}");
        }

        if (HardBatchAttribute is < 0)
        {
            throw VidSearchException.Argument("--hard-batch-attribute", $"must not be negative, got {HardBatchAttribute}");
        }

        if (HardBatchClusterSize < 2 || HardBatchClusterSize > Trainer.BatchSize)
        {
            throw VidSearchException.Argument("--hard-batch-cluster", $"must be in 2..{Trainer.BatchSize} (the batch size), got {HardBatchClusterSize}");
        }

        if (Shards < 1 || Shards > Math.Min(64, Trainer.BatchSize / 2))
        {
            throw VidSearchException.Argument("--shards", $"must be in 1..{Math.Min(64, Trainer.BatchSize / 2)} (at least 2 items per shard), got {Shards}");
        }

        if (MaxTrainPairs is < 2)
        {
            throw VidSearchException.Argument("max train pairs", $"must be at least 2, got {MaxTrainPairs}");
        }
    }
}

/// <summary>Named sizes of CLIP to pretrain here, on 2 CPU cores.</summary>
public static class PretrainingPresets
{
    public static IReadOnlyList<string> Names => ["tiny", "tiny96", "tiny96-l3", "tiny96-v4t2", "micro"];

    public static ClipConfig Get(string name) => name switch
    {
        // 64x64 images in 16x16 patches (17 tokens), 4 layers of width 128 in both towers, 128-d joint space.
        "tiny" => ClipConfig.Create(imageSize: 64, patch: 16, visionWidth: 128, visionLayers: 4, visionHeads: 4,
            textWidth: 128, textLayers: 4, textHeads: 4, embedDim: 128),
        // tiny with 96x96 images (37 tokens): small objects span 11.5 px instead of 7.7 px, about 1.6x the CPU per sample.
        "tiny96" => ClipConfig.Create(imageSize: 96, patch: 16, visionWidth: 128, visionLayers: 4, visionHeads: 4,
            textWidth: 128, textLayers: 4, textHeads: 4, embedDim: 128),
        // tiny96 with 3 layers in each tower instead of 4: about 3/4 of the compute per pair.
        "tiny96-l3" => ClipConfig.Create(imageSize: 96, patch: 16, visionWidth: 128, visionLayers: 3, visionHeads: 4,
            textWidth: 128, textLayers: 3, textHeads: 4, embedDim: 128),
        // tiny96 with 4 vision layers and 2 text layers: the vision tower (37 tokens) holds most of the errors (shapes);
        // the captions' grammar is simple. About the compute of tiny96-l3.
        "tiny96-v4t2" => ClipConfig.Create(imageSize: 96, patch: 16, visionWidth: 128, visionLayers: 4, visionHeads: 4,
            textWidth: 128, textLayers: 2, textHeads: 4, embedDim: 128),
        // For tests: trains in seconds (same 17 image tokens, narrower and shallower).
        "micro" => ClipConfig.Create(imageSize: 64, patch: 16, visionWidth: 64, visionLayers: 2, visionHeads: 2,
            textWidth: 64, textLayers: 2, textHeads: 2, embedDim: 64),
        _ => throw VidSearchException.Argument("--config", $"unknown preset '{name}' (known: {string.Join(", ", Names)})"),
    };
}
