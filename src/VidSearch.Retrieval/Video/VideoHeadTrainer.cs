using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Eval.Metrics;
using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Losses;
using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Video;

/// <summary>What a training run produced.</summary>
public sealed record VideoTrainingResult(TrainingLog Log, double TrainSeconds, double? ValidationT2vR1);

/// <summary>
/// Trains a <see cref="VideoModel"/> on encoded clips with the generic <see cref="Trainer"/> (AdamW, warmup + cosine,
/// gradient clipping, checkpoints and resume, determinism from the seed): symmetric InfoNCE over a batch of clips
/// against ALL their captions (multi-positive), optionally with DSL, a FIFO queue of negatives, single-frame
/// training, and token reduction in the image encoder. After each epoch: text-to-video R@1 on the validation set.
/// </summary>
public static class VideoHeadTrainer
{
    public static VideoTrainingResult Train(VideoModel model, VideoSet train, VideoSet? validation, string? checkpointDirectory,
        IProgress<WorkProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var options = model.Options;
        var captions = new List<string>();
        var captionClip = new List<long>();
        var clipCaptions = new int[train.Count][];
        for (int i = 0; i < train.Count; i++)
        {
            var texts = train.Rows[i].Captions ?? [];
            if (texts.Count == 0)
            {
                throw VidSearchException.Argument("train", $"clip {train.Rows[i].Id} has no caption; training needs captioned clips");
            }

            clipCaptions[i] = Enumerable.Range(captions.Count, texts.Count).ToArray();
            captions.AddRange(texts);
            captionClip.AddRange(Enumerable.Repeat((long)i, texts.Count));
        }

        Tensor? frozenText = null;
        if (model.Prompts is null)
        {
            using var _ = no_grad();
            frozenText = model.EncodeBaseTexts(captions);
        }

        using var frozenTextScope = frozenText;
        using var contrastive = new ContrastiveLoss(new ContrastiveLossOptions { DualSoftmax = options.DualSoftmax, Temperature = 0.05f });
        using var queue = options.Queue > 0 ? new NegativeQueue(model.Clip.EmbeddingDim, options.Queue) : null;
        var modules = model.TrainableModules().Append(contrastive).ToList();
        var units = TrainingUnits(train, options.TwinBatches);
        int unitBatch = BatchUnits.BatchSize(options.BatchSize, units.Count, train.Count);
        var trainerOptions = new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = unitBatch,
            LearningRate = options.LearningRate,
            MinLearningRate = options.LearningRate / 100,
            WeightDecay = 0.05,
            Seed = options.Seed,
            CheckpointDirectory = checkpointDirectory,
            DropLast = units.Count > unitBatch,
        };
        using var trainer = new Trainer(modules, trainerOptions);

        Tensor Loss(int[] unitBatch)
        {
            var batch = unitBatch.SelectMany(u => units[u]).ToArray();
            var rows = tensor(batch.Select(b => (long)b).ToArray());
            var video = model.Videos(train, rows, training: true);
            if (options.SingleFrame)
            {
                video = FrameSubsampling.SingleFrame(video);
            }

            var captionRows = batch.SelectMany(b => clipCaptions[b]).ToArray();
            var text = frozenText is not null
                ? model.AdaptTexts(frozenText.index_select(0, tensor(captionRows.Select(c => (long)c).ToArray())))
                : model.EncodeTexts(captionRows.Select(c => captions[c]).ToList());
            var positives = ContrastiveLoss.PositivesFromIds(captionRows.Select(c => captionClip[c]).ToList(), batch.Select(b => (long)b).ToList());
            var loss = HeadObjective.Loss(model.Head, contrastive, new TextInputs(text), video, positives, queue);
            if (queue is not null)
            {
                var first = tensor(batch.Select(b => (long)Array.IndexOf(captionRows, clipCaptions[b][0])).ToArray());
                queue.Enqueue(model.Head.VideoEmbedding(video.Frames, video.Mask).detach(), text.index_select(0, first).detach());
            }

            return loss;
        }

        Func<int, IReadOnlyDictionary<string, double>>? validate = null;
        double? lastR1 = null;
        if (validation is not null && validation.Rows.Any(r => r.Captions is { Count: > 0 }))
        {
            validate = _ =>
            {
                var r1 = Evaluate(model, validation).TextToVideo.R1;
                lastR1 = r1;
                return new Dictionary<string, double> { ["val_t2v_r1"] = r1 };
            };
        }

        var clock = Stopwatch.StartNew();
        var log = trainer.Fit(units.Count, Loss, validate, progress, ct, BatchUnits.ItemCounter(units));
        model.SetTraining(false);
        if (lastR1 is null && validation is not null && validate is not null)
        {
            lastR1 = validate(options.Epochs - 1)["val_t2v_r1"];
        }

        return new VideoTrainingResult(log, clock.Elapsed.TotalSeconds, lastR1);
    }

    /// <summary>
    /// What one training item is: a clip, or with <paramref name="twinBatches"/> a manifest group of clips (a clip and
    /// its reversed twin), so that the members of a group always share a batch. Clips without a group stay alone.
    /// </summary>
    public static IReadOnlyList<int[]> TrainingUnits(VideoSet train, bool twinBatches)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (!twinBatches)
        {
            return Enumerable.Range(0, train.Count).Select(i => new[] { i }).ToList();
        }

        return BatchUnits.ByGroup(train.Count, i => train.Rows[i].Group);
    }

    /// <summary>Text-to-video and video-to-text retrieval over a set's captioned clips (PROTOCOL.md metrics).</summary>
    public static RetrievalResult Evaluate(VideoModel model, VideoSet set) => EvaluateScores(model, set).Result;

    /// <summary>The similarity matrix [captions, videos] of a set, the caption-to-video map, and the metrics.</summary>
    public static (float[,] Scores, List<int> CaptionVideo, RetrievalResult Result) EvaluateScores(VideoModel model, VideoSet set)
    {
        var (texts, captionVideo) = Captions(set);
        using var textEmbeddings = model.EncodeTextsNoGrad(texts);
        using var frames = model.AllFrames(set);
        var scores = model.Score(textEmbeddings, frames, set.Mask);
        return (scores, captionVideo, RetrievalEvaluator.Evaluate(scores, captionVideo));
    }

    public static (List<string> Texts, List<int> CaptionVideo) Captions(VideoSet set)
    {
        var texts = new List<string>();
        var captionVideo = new List<int>();
        for (int i = 0; i < set.Count; i++)
        {
            foreach (var c in set.Rows[i].Captions ?? [])
            {
                texts.Add(c);
                captionVideo.Add(i);
            }
        }

        if (texts.Count == 0)
        {
            throw VidSearchException.Argument("captions", "the set has no captioned clip");
        }

        return (texts, captionVideo);
    }
}
