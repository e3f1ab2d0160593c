using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>What a pretraining run produced: the training log, the validation and test recall.</summary>
public sealed record PretrainingResult(
    TrainingLog Log, ImageTextRecall Test, ImageTextRecall? Compositional, double TrainSeconds, double TotalSeconds, int TrainPairs);

/// <summary>
/// Pretrains a CLIP from scratch on still image-caption pairs, as CLIP was pretrained on images: symmetric InfoNCE
/// with the model's learnable temperature (clamped at 100 as in CLIP), pairs of the same group counted as positives of
/// each other, AdamW with warmup and cosine decay, gradient clipping, a checkpoint every epoch with resume, and
/// image->text / text->image R@1 on the validation split after each epoch.
/// </summary>
public sealed class ClipPretrainer
{
    private readonly PretrainingOptions options;

    public ClipPretrainer(PretrainingOptions options)
    {
        options.Validate();
        this.options = options;
    }

    /// <param name="compositional">Selects the test pairs whose content was held out of training (reported separately).</param>
    public (ClipModel Model, PretrainingResult Result) Run(
        IReadOnlyList<ImageTextPair> pairs,
        ITokenizer tokenizer,
        string checkpointDirectory,
        Func<ImageTextPair, bool>? compositional = null,
        IProgress<WorkProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        NativeHeapTuning.KeepFreedMemory();
        var train = pairs.Where(p => p.Split == "train").ToList();
        if (options.MaxTrainPairs is int cap && train.Count > cap)
        {
            train = train.Take(cap).ToList();
        }

        var val = pairs.Where(p => p.Split == "val").Take(options.ValidationSize).ToList();
        var test = pairs.Where(p => p.Split == "test").Take(options.ValidationSize).ToList();
        if (train.Count < options.Trainer.BatchSize)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "training data",
                $"{train.Count} training pairs, fewer than one batch of {options.Trainer.BatchSize}");
        }

        if (val.Count < 2 || test.Count < 2)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "training data", $"needs val and test pairs (found {val.Count} val, {test.Count} test)");
        }

        var preprocess = PreprocessConfig.Clip(options.Config.ImageSize);
        var trainData = PreparedPairs.Load(train, preprocess, tokenizer, options.MaxTokens, progress, cancellationToken, "load train images");
        var valData = PreparedPairs.Load(val, preprocess, tokenizer, options.MaxTokens, progress, cancellationToken, "load val images");
        var testData = PreparedPairs.Load(test, preprocess, tokenizer, options.MaxTokens, progress, cancellationToken, "load test images");

        manual_seed(options.Trainer.Seed);
        var model = new ClipModel(options.Config, tokenizer, "synthetic-clip");
        try
        {
            var trainerOptions = options.Trainer with { CheckpointDirectory = checkpointDirectory };
            using var tokens = new CompactTokenEmbedding(model, trainData.Captions.SelectMany(c => c.Ids));
            using var trainer = new Trainer(new nn.Module[] { model, tokens }, trainerOptions);
            var valGallery = Enumerable.Range(0, valData.Count).ToArray();
            var trainClock = Stopwatch.StartNew();
            var log = trainer.Fit(
                trainData.Count,
                batch => Loss(model, tokens.TextFeatures, trainData, batch, trainer.Step),
                _ =>
                {
                    tokens.WriteBack();
                    var recall = ImageTextRetrieval.Evaluate(model, valData, valGallery);
                    return new Dictionary<string, double>
                    {
                        ["val_i2t_r1"] = recall.ImageToTextR1,
                        ["val_t2i_r1"] = recall.TextToImageR1,
                        ["logit_scale"] = model.LogitScale,
                    };
                },
                progress,
                cancellationToken);
            double trainSeconds = trainClock.Elapsed.TotalSeconds;
            tokens.Release();

            model.eval();
            var testGallery = Enumerable.Range(0, testData.Count).ToArray();
            var testRecall = ImageTextRetrieval.Evaluate(model, testData, testGallery);
            ImageTextRecall? compositionalRecall = null;
            if (compositional is not null)
            {
                var heldOut = testGallery.Where(i => compositional(testData.Pairs[i])).ToArray();
                if (heldOut.Length > 0)
                {
                    compositionalRecall = ImageTextRetrieval.Evaluate(model, testData, testGallery, heldOut);
                }
            }

            return (model, new PretrainingResult(log, testRecall, compositionalRecall, trainSeconds, clock.Elapsed.TotalSeconds, trainData.Count));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Symmetric InfoNCE over a batch; pairs of the same group are all positives (multi-positive softmax).</summary>
    /// <param name="textFeatures">Pooled text features of (ids, end positions), e.g. <see cref="ClipModel.TextFeatures"/>.</param>
    internal static Tensor Loss(ClipModel model, Func<Tensor, Tensor, Tensor> textFeatures, PreparedPairs data, int[] batch, long step)
    {
        var pixels = Pixels(data, batch);
        var (ids, ends) = Tokens(data, batch, item => CaptionFor(data, item, step));
        var image = nn.functional.normalize(model.ImageFeatures(pixels), dim: -1);
        var text = nn.functional.normalize(textFeatures(ids, ends), dim: -1);
        var logits = model.LogitScaleParameter.exp().clamp_max(100) * image.matmul(text.t());
        var groups = tensor(batch.Select(i => (long)data.GroupIds[i]).ToArray());
        var positives = groups.unsqueeze(1).eq(groups.unsqueeze(0));
        return (MultiPositiveCrossEntropy(logits, positives) + MultiPositiveCrossEntropy(logits.t(), positives.t())) / 2;
    }

    /// <summary>-log of the softmax mass on the positives of each row, averaged over rows.</summary>
    internal static Tensor MultiPositiveCrossEntropy(Tensor logits, Tensor positives)
        => (logits.logsumexp(1) - logits.masked_fill(positives.logical_not(), float.NegativeInfinity).logsumexp(1)).mean();

    /// <summary>Each step sees one caption per image, chosen by a fixed hash of (item, step): deterministic and resumable.</summary>
    private static int CaptionFor(PreparedPairs data, int item, long step)
    {
        ulong h = ((ulong)item * 0x9E3779B97F4A7C15UL) ^ ((ulong)step * 0xBF58476D1CE4E5B9UL);
        h ^= h >> 31;
        return (int)(h % (ulong)data.Captions[item].Count);
    }

    internal static Tensor Pixels(PreparedPairs data, IReadOnlyList<int> items)
    {
        var buffer = new float[items.Count * data.ImageLength];
        for (int i = 0; i < items.Count; i++)
        {
            data.Pixels.AsSpan(items[i] * data.ImageLength, data.ImageLength).CopyTo(buffer.AsSpan(i * data.ImageLength));
        }

        int size = (int)Math.Sqrt(data.ImageLength / 3);
        return tensor(buffer, [items.Count, 3, size, size]);
    }

    /// <summary>Token ids [B, L] trimmed to the batch's last end token, and the end positions.</summary>
    internal static (Tensor Ids, Tensor Ends) Tokens(PreparedPairs data, IReadOnlyList<int> items, Func<int, int> caption)
    {
        var ends = new long[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            ends[i] = data.Captions[items[i]].EndPositions[caption(items[i])];
        }

        int length = (int)ends.Max() + 1;
        var ids = new long[items.Count * length];
        for (int i = 0; i < items.Count; i++)
        {
            var captions = data.Captions[items[i]];
            captions.Row(caption(items[i]))[..length].CopyTo(ids.AsSpan(i * length, length));
        }

        return (tensor(ids, [items.Count, length]), tensor(ends));
    }
}
