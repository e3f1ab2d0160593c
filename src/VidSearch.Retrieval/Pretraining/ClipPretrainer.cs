using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// What a pretraining run produced: the training log, the test recall on stills and, when the data held film strips,
/// the share of test strip captions that score their own clip above its reversed twin (with the pretraining pooling).
/// </summary>
public sealed record PretrainingResult(
    TrainingLog Log, ImageTextRecall Test, ImageTextRecall? Compositional, double TrainSeconds, double TotalSeconds, int TrainPairs,
    int TrainStrips = 0, double? TestStripReversal = null)
{
    /// <summary>The test queries missed at rank 1, as (direction, the query's group, the group of the candidate that beat it).</summary>
    public IReadOnlyList<(RetrievalDirection Direction, string QueryGroup, string RivalGroup)> TestMisses { get; init; } = [];
}

/// <summary>
/// Pretrains a CLIP from scratch on still image-caption pairs, as CLIP was pretrained on images, and optionally on
/// film strips of short clips with their captions (video-text pretraining): symmetric InfoNCE with the model's
/// learnable temperature (clamped at 100 as in CLIP), stills of the same group counted as positives of each other, a
/// strip and its reversed twin always in the same batch, AdamW with warmup and cosine decay, gradient clipping,
/// optionally progressive resizing (the first epochs on smaller images: fewer tokens, faster steps), a
/// checkpoint every epoch with resume, and image->text / text->image R@1 on the validation stills after each epoch.
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
        var stills = pairs.Where(p => !p.IsStrip).ToList();
        var strips = pairs.Where(p => p.IsStrip).ToList();
        var train = stills.Where(p => p.Split == "train").ToList();
        if (options.MaxTrainPairs is int cap && train.Count > cap)
        {
            train = train.Take(cap).ToList();
        }

        var trainStrips = strips.Where(p => p.Split == "train").ToList();
        if (options.MaxTrainStrips is int stripCap && trainStrips.Count > stripCap)
        {
            trainStrips = trainStrips.Take(stripCap).ToList();
        }

        var val = stills.Where(p => p.Split == "val").Take(options.ValidationSize).ToList();
        var test = stills.Where(p => p.Split == "test").Take(options.ValidationSize).ToList();
        if (train.Count + trainStrips.Count < options.Trainer.BatchSize)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "training data",
                $"{train.Count + trainStrips.Count} training pairs, fewer than one batch of {options.Trainer.BatchSize}");
        }

        if (val.Count < 2 || test.Count < 2)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "training data", $"needs val and test still pairs (found {val.Count} val, {test.Count} test)");
        }

        var preprocess = PreprocessConfig.Clip(options.Config.ImageSize);
        var trainData = PreparedPairs.Load([.. train, .. trainStrips], preprocess, tokenizer, options.MaxTokens, progress, cancellationToken, "load train images");
        var valData = PreparedPairs.Load(val, preprocess, tokenizer, options.MaxTokens, progress, cancellationToken, "load val images");
        var testData = PreparedPairs.Load(test, preprocess, tokenizer, options.MaxTokens, progress, cancellationToken, "load test images");
        PreparedPairs? valStrips = null, testStrips = null;
        if (trainStrips.Count > 0)
        {
            valStrips = LoadTwins(strips, "val", preprocess, tokenizer, progress, cancellationToken);
            testStrips = LoadTwins(strips, "test", preprocess, tokenizer, progress, cancellationToken);
        }

        manual_seed(options.Trainer.Seed);
        var model = new ClipModel(options.ModelConfig, tokenizer, "synthetic-clip");
        try
        {
            if (options.VisionPositionInitStd is double positionStd)
            {
                ReinitialiseVisionPositions(model, positionStd);
            }

            using var tokens = new CompactTokenEmbedding(model, trainData.Captions.SelectMany(c => c.Ids));
            using var pooling = trainData.StripFrames > 0 ? new StripPooling(model.EmbeddingDim, trainData.StripFrames) : null;
            var units = TrainingUnits(trainData, options.HardBatches > 0 ? new ConfuserClusters(options.HardBatches, options.HardBatchClusterSize, options.Trainer.Seed, options.HardBatchKind, options.HardBatchAttribute) : null);
            var trainerOptions = options.Trainer with
            {
                CheckpointDirectory = checkpointDirectory,
                BatchSize = BatchUnits.BatchSize(options.Trainer.BatchSize, units.Count, trainData.Count),
            };
            var modules = new List<nn.Module> { model, tokens };
            if (pooling is not null)
            {
                modules.Add(pooling);
            }

            using var trainer = new Trainer(modules, trainerOptions);
            using var sharded = options.Shards > 1
                ? new ShardedContrastiveStep(options.Shards, model, tokens.TextFeatures, trainData, modules, pooling, options.TextContrast)
                : null;
            int? ImageSizeNow() => trainer.Epoch < options.LowResolutionEpochs ? options.LowResolution : null;
            int[] Items(int[] unitBatch) => unitBatch.SelectMany(u => units[u]).ToArray();
            Func<int[], double> step = sharded is not null
                ? unitBatch => sharded.Run(Items(unitBatch), trainer.Step, ImageSizeNow())
                : unitBatch => Trainer.Backward(Loss(model, tokens.TextFeatures, trainData, Items(unitBatch), trainer.Step, pooling, ImageSizeNow(), options.TextContrast));
            var valGallery = Enumerable.Range(0, valData.Count).ToArray();
            var trainClock = Stopwatch.StartNew();
            var log = trainer.FitSteps(
                units.Count,
                step,
                _ =>
                {
                    tokens.WriteBack();
                    var recall = ImageTextRetrieval.Evaluate(model, valData, valGallery);
                    var metrics = new Dictionary<string, double>
                    {
                        ["val_i2t_r1"] = recall.ImageToTextR1,
                        ["val_t2i_r1"] = recall.TextToImageR1,
                        ["logit_scale"] = model.LogitScale,
                    };
                    if (pooling is not null && valStrips is { Count: > 0 })
                    {
                        metrics["val_strip_reversal"] = StripReversal.Accuracy(model, pooling, valStrips);
                    }

                    return metrics;
                },
                progress,
                cancellationToken,
                BatchUnits.ItemCounter(units));
            double trainSeconds = trainClock.Elapsed.TotalSeconds;
            tokens.Release();

            model.eval();
            var testGallery = Enumerable.Range(0, testData.Count).ToArray();
            var testScores = ImageTextRetrieval.Score(model, testData, testGallery);
            var testRecall = testScores.Recall();
            var testMisses = testScores.Misses()
                .Select(m => (m.Direction, testData.Pairs[m.Query].Group ?? testData.Pairs[m.Query].Id, testData.Pairs[m.Rival].Group ?? testData.Pairs[m.Rival].Id))
                .ToList();
            ImageTextRecall? compositionalRecall = null;
            if (compositional is not null)
            {
                var heldOut = testGallery.Where(i => compositional(testData.Pairs[i])).ToArray();
                if (heldOut.Length > 0)
                {
                    compositionalRecall = testScores.Recall(heldOut);
                }
            }

            double? stripReversal = null;
            if (pooling is not null && testStrips is { Count: > 0 })
            {
                using var _ = no_grad();
                stripReversal = StripReversal.Accuracy(model, pooling, testStrips);
            }

            return (model, new PretrainingResult(log, testRecall, compositionalRecall, trainSeconds, clock.Elapsed.TotalSeconds, train.Count, trainStrips.Count, stripReversal)
            {
                TestMisses = testMisses,
            });
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Draws the vision tower's position embeddings again from N(0, std).</summary>
    internal static void ReinitialiseVisionPositions(ClipModel model, double std)
    {
        var (name, weight) = model.named_parameters().Single(p => p.name.StartsWith("vision_model.", StringComparison.Ordinal) && p.name.EndsWith("position_embedding.weight", StringComparison.Ordinal));
        using var _ = no_grad();
        weight.normal_(0, std);
    }

    /// <summary>
    /// The training items of one step-unit: a still alone, a still and its mirror twin (same unit), or the strips of one
    /// group (a clip and its reversed twin) together, so that twins are always hard negatives of each other in a batch.
    /// </summary>
    internal static IReadOnlyList<int[]> TrainingUnits(PreparedPairs data, ConfuserClusters? confusers = null)
    {
        var units = BatchUnits.ByGroup(data.Count, i => data.Pairs[i].BatchKey);
        if (confusers is null || confusers.Share == 0)
        {
            return units;
        }

        // Stills that stand alone may be gathered into clusters of confusers; the rest stay units of their own.
        var alone = units.Where(u => u.Length == 1 && !data.Pairs[u[0]].IsStrip && data.Pairs[u[0]].Group is not null)
            .Select(u => (u[0], data.Pairs[u[0]].Group!)).ToList();
        var clusters = confusers.Build(alone);
        var clustered = clusters.SelectMany(c => c).ToHashSet();
        return [.. units.Where(u => u.Length != 1 || !clustered.Contains(u[0])), .. clusters];
    }

    /// <summary>The strips of a split that have their twin (same group) in the split, twins next to each other.</summary>
    private PreparedPairs? LoadTwins(IReadOnlyList<ImageTextPair> strips, string split, PreprocessConfig preprocess, ITokenizer tokenizer,
        IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var twins = strips.Where(p => p.Split == split && p.Group is not null)
            .GroupBy(p => p.Group!, StringComparer.Ordinal)
            .Where(g => g.Count() == 2)
            .Take(options.ValidationSize / 2)
            .SelectMany(g => g)
            .ToList();
        return twins.Count == 0 ? null : PreparedPairs.Load(twins, preprocess, tokenizer, options.MaxTokens, progress, cancellationToken, $"load {split} strips");
    }

    /// <summary>
    /// Symmetric InfoNCE over a batch of stills and strips; stills of the same group are all positives (multi-positive
    /// softmax). A strip's embedding is its frames' embeddings pooled by <paramref name="pooling"/>.
    /// </summary>
    /// <param name="textFeatures">Pooled text features of (ids, end positions), e.g. <see cref="ClipModel.TextFeatures"/>.</param>
    /// <param name="imageSize">Pixels to average-pool the images down to (progressive resizing), null = as prepared.</param>
    /// <param name="textContrast">
    /// Weight of the caption-caption term (0 = none): a second caption of each item (another paraphrase where there is
    /// one) against the first, the same positives as the image-text term. It makes the text tower tell apart captions of
    /// different contents on its own, e.g. a caption and its mirror caption ("on the left" / "on the right"), which the
    /// image-text term alone leaves at a symmetric saddle when the images of the pair are still alike.
    /// </param>
    internal static Tensor Loss(ClipModel model, Func<Tensor, Tensor, Tensor> textFeatures, PreparedPairs data, int[] batch, long step,
        StripPooling? pooling = null, int? imageSize = null, double textContrast = 0)
    {
        var features = Features(model, textFeatures, data, batch, step, pooling, imageSize, textContrast);
        return ContrastiveLoss(model, data, batch, features.Image, features.Text, features.OtherText, textContrast);
    }

    /// <summary>
    /// The normalised embeddings a batch's loss is computed from, in item order: image (or pooled strip) features, the
    /// features of each item's caption of this step and, when <paramref name="textContrast"/> &gt; 0, of another caption.
    /// Items are independent of each other here, so a batch may be cut into shards computed apart.
    /// </summary>
    internal static BatchFeatures Features(ClipModel model, Func<Tensor, Tensor, Tensor> textFeatures, PreparedPairs data, IReadOnlyList<int> items,
        long step, StripPooling? pooling, int? imageSize, double textContrast)
    {
        var image = nn.functional.normalize(VisualFeatures(model, data, items, pooling, imageSize), dim: -1);
        var (ids, ends) = Tokens(data, items, item => CaptionFor(data, item, step));
        var text = nn.functional.normalize(textFeatures(ids, ends), dim: -1);
        Tensor? other = null;
        if (textContrast > 0)
        {
            var (otherIds, otherEnds) = Tokens(data, items, item => OtherCaptionFor(data, item, step));
            other = nn.functional.normalize(textFeatures(otherIds, otherEnds), dim: -1);
        }

        return new BatchFeatures(image, text, other);
    }

    /// <summary>Symmetric multi-positive InfoNCE of a whole batch from its features (see <see cref="Features"/>).</summary>
    internal static Tensor ContrastiveLoss(ClipModel model, PreparedPairs data, int[] batch, Tensor image, Tensor text, Tensor? otherText, double textContrast)
    {
        var scale = model.LogitScaleParameter.exp().clamp_max(100);
        var groups = tensor(batch.Select(i => (long)data.GroupIds[i]).ToArray());
        var positives = groups.unsqueeze(1).eq(groups.unsqueeze(0));
        var loss = SymmetricCrossEntropy(scale * image.matmul(text.t()), positives);
        if (otherText is not null)
        {
            loss = loss + (textContrast * SymmetricCrossEntropy(scale * text.matmul(otherText.t()), positives));
        }

        return loss;
    }

    private static Tensor SymmetricCrossEntropy(Tensor logits, Tensor positives)
        => (MultiPositiveCrossEntropy(logits, positives) + MultiPositiveCrossEntropy(logits.t(), positives.t())) / 2;

    /// <summary>[items, dim] embeddings of the items (in their order): a still's image features, a strip's pooled frames.</summary>
    internal static Tensor VisualFeatures(ClipModel model, PreparedPairs data, IReadOnlyList<int> items, StripPooling? pooling, int? imageSize = null)
    {
        var pixels = Pixels(data, items);
        if (imageSize is int size && size != pixels.shape[2])
        {
            pixels = nn.functional.adaptive_avg_pool2d(pixels, [size, size]);
        }

        var frames = model.ImageFeatures(pixels);
        if (!items.Any(i => data.Pairs[i].IsStrip))
        {
            return frames;
        }

        if (pooling is null)
        {
            throw new InvalidOperationException("film strips need a StripPooling");
        }

        // Frame rows of each item in the pixel batch; stills keep their row, strips are pooled over theirs.
        var stillRows = new List<long>();
        var stripRows = new List<long>();
        var stillItems = new List<long>();
        var stripItems = new List<long>();
        long row = 0;
        for (int k = 0; k < items.Count; k++)
        {
            var pair = data.Pairs[items[k]];
            if (pair.IsStrip)
            {
                stripItems.Add(k);
                for (int f = 0; f < pair.Frames; f++)
                {
                    stripRows.Add(row + f);
                }
            }
            else
            {
                stillItems.Add(k);
                stillRows.Add(row);
            }

            row += pair.Frames;
        }

        long dim = frames.shape[1];
        var pooled = pooling.forward(frames.index_select(0, tensor(stripRows.ToArray())).view(stripItems.Count, data.StripFrames, dim));
        var result = zeros(items.Count, dim, dtype: frames.dtype);
        result = result.index_copy(0, tensor(stripItems.ToArray()), pooled);
        if (stillItems.Count > 0)
        {
            result = result.index_copy(0, tensor(stillItems.ToArray()), frames.index_select(0, tensor(stillRows.ToArray())));
        }

        return result;
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

    /// <summary>A caption of the item other than <see cref="CaptionFor"/>'s at the same step, when it has more than one.</summary>
    private static int OtherCaptionFor(PreparedPairs data, int item, long step)
    {
        int count = data.Captions[item].Count;
        if (count < 2)
        {
            return 0;
        }

        ulong h = ((ulong)item * 0xD1B54A32D192ED03UL) ^ ((ulong)step * 0x94D049BB133111EBUL);
        h ^= h >> 29;
        return (CaptionFor(data, item, step) + 1 + (int)(h % (ulong)(count - 1))) % count;
    }

    /// <summary>[frames, 3, H, W] pixels of every frame of the items, in item order (one per still, all of a strip's).</summary>
    internal static Tensor Pixels(PreparedPairs data, IReadOnlyList<int> items)
    {
        var frames = new List<long>(items.Count);
        foreach (int item in items)
        {
            for (int f = 0; f < data.Pairs[item].Frames; f++)
            {
                frames.Add(data.FrameStart[item] + f);
            }
        }

        using var index = tensor(frames.ToArray());
        return data.NormalizedFrames(index);
    }

    /// <summary>Token ids [B, L] trimmed to the batch's last end token, and the end positions.</summary>
    internal static (Tensor Ids, Tensor Ends) Tokens(PreparedPairs data, IReadOnlyList<int> items, Func<int, int> caption)
        => Tokens(items.Select(item => (data.Captions[item], caption(item))).ToList());

    /// <summary>Token ids [C, L] of every caption of one pair, trimmed to the longest, and the end positions.</summary>
    internal static (Tensor Ids, Tensor Ends) AllCaptionTokens(TokenBatch captions)
        => Tokens(Enumerable.Range(0, captions.Count).Select(c => (captions, c)).ToList());

    /// <summary>The given caption rows stacked [N, L], trimmed to their last end token, and their end positions.</summary>
    private static (Tensor Ids, Tensor Ends) Tokens(IReadOnlyList<(TokenBatch Captions, int Row)> rows)
    {
        var ends = rows.Select(r => (long)r.Captions.EndPositions[r.Row]).ToArray();
        int length = (int)ends.Max() + 1;
        var ids = new long[rows.Count * length];
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].Captions.Row(rows[i].Row)[..length].CopyTo(ids.AsSpan(i * length, length));
        }

        return (tensor(ids, [rows.Count, length]), tensor(ends));
    }
}
