using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Eval.Metrics;
using VidSearch.Eval.Reranking;
using VidSearch.Eval.Tasks;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Prompts;
using VidSearch.Retrieval.Video;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Ablation;

/// <summary>One row of the ablation table. Null = benchmark not in the world.</summary>
public sealed record AblationRow(
    string Config,
    string Training,
    double TrainSeconds,
    double? ValidationT2vR1,
    RetrievalMetrics TextToVideo,
    RetrievalMetrics VideoToText,
    double DslT2vR1,
    double QbNormT2vR1,
    double? ReversalAccuracy,
    double? CompositionalT2vR1,
    double? ActionsTop1,
    double? FewShotTop1,
    double? OpenSetUnseenTop1,
    double? ChoiceAccuracy,
    float[]? TemporalScales,
    double? ReversalValAccuracy = null,
    IReadOnlyDictionary<string, FamilyReversal>? ReversalFamilies = null,
    IReadOnlyDictionary<string, FamilyReversal>? ReversalValFamilies = null,
    IReadOnlyList<FamilyProbe>? Probes = null,
    double? ReversalTrainAccuracy = null);

/// <summary>The whole ablation: inputs, sizes, seed, times and rows.</summary>
public sealed record AblationReport(
    string World,
    string Model,
    string Sampling,
    long Seed,
    int Epochs,
    DateTime StartedUtc,
    double TotalSeconds,
    IReadOnlyDictionary<string, int> SetSizes,
    IReadOnlyList<AblationRow> Rows);

/// <summary>Settings of <see cref="AblationRunner"/>.</summary>
public sealed record AblationOptions
{
    public required string World { get; init; }

    public required string ModelName { get; init; }

    public string Sampling { get; init; } = "uniform:8";

    public long Seed { get; init; }

    public int Epochs { get; init; } = 10;

    public int BatchSize { get; init; } = 32;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Heads to include (null = all); option rows are kept when their head is included.</summary>
    public IReadOnlyList<string>? Heads { get; init; }

    /// <summary>Configurations to include by their label (null = all), e.g. "temporal +twins"; applied after <see cref="Heads"/>.</summary>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>Include the rows that re-run the image encoder (temporal attention, token masking): slower.</summary>
    public bool EncoderRows { get; init; } = true;

    public int FewShot { get; init; } = 4;

    /// <summary>Folder of decoded, preprocessed clips reused across runs (<see cref="FrameCache"/>); null = decode every time.</summary>
    public string? FrameCache { get; init; }
}

/// <summary>
/// Trains and evaluates every head and option on a synthetic world's benchmarks with a frozen CLIP (see
/// docs/ablation.md). The zero-shot row is untrained mean pooling; heads without parameters are evaluated as they are.
/// </summary>
public static class AblationRunner
{
    public const string ZeroShot = "mean (zero-shot)";

    /// <summary>The configurations of the table, in order (Label names them).</summary>
    public static IReadOnlyList<VideoTrainingOptions> Configurations(AblationOptions options)
    {
        var baseOptions = new VideoTrainingOptions { Epochs = options.Epochs, Seed = options.Seed, BatchSize = options.BatchSize, LearningRate = options.LearningRate };
        var list = new List<VideoTrainingOptions>();
        foreach (var head in HeadFactory.Names)
        {
            list.Add(baseOptions with { Head = head });
        }

        list.Add(baseOptions with { Head = HeadFactory.Temporal, DualSoftmax = true });
        list.Add(baseOptions with { Head = HeadFactory.Temporal, Queue = 256 });
        list.Add(baseOptions with { Head = HeadFactory.Mean, Prompts = 4 });
        list.Add(baseOptions with { Head = HeadFactory.Ensemble, Prompts = 4, SingleFrame = true });
        list.Add(baseOptions with { Head = HeadFactory.Temporal, TwinBatches = true });
        list.Add(baseOptions with { Head = HeadFactory.Temporal, TwinBatches = true, Prompts = 4 });
        list.Add(baseOptions with { Head = HeadFactory.Temporal, TwinBatches = true, Prompts = 4, PromptPlacement = PromptPlacement.After });
        list.Add(baseOptions with { Head = HeadFactory.Temporal, TwinBatches = true, TextAdapter = true });
        if (options.EncoderRows)
        {
            list.Add(baseOptions with { Head = HeadFactory.Mean, TemporalAttention = true });
            list.Add(baseOptions with { Head = HeadFactory.Mean, TemporalAttention = true, TwinBatches = true });
            list.Add(baseOptions with { Head = HeadFactory.Temporal, TemporalAttention = true });
            list.Add(baseOptions with { Head = HeadFactory.Temporal, TemporalAttention = true, TwinBatches = true });
            list.Add(baseOptions with { Head = HeadFactory.Temporal, TemporalAttention = true, TwinBatches = true, TextAdapter = true });
            list.Add(baseOptions with { Head = HeadFactory.Mean, TemporalAttention = true, MaskRatio = 0.5 });
            list.Add(baseOptions with { Head = HeadFactory.Mean, TemporalAttention = true, TokenKeep = 8 });
        }

        if (options.Heads is { } heads)
        {
            var unknown = heads.FirstOrDefault(h => !HeadFactory.Names.Contains(h));
            if (unknown is not null)
            {
                throw VidSearchException.Argument("--heads", $"unknown head '{unknown}' (known: {string.Join(", ", HeadFactory.Names)})");
            }

            list = list.Where(c => heads.Contains(c.Head)).ToList();
        }

        if (options.Labels is { } labels)
        {
            var all = list.Select(c => c.Label).ToHashSet(StringComparer.Ordinal);
            var unknown = labels.FirstOrDefault(l => !all.Contains(l));
            if (unknown is not null)
            {
                throw VidSearchException.Argument("--rows", $"unknown configuration '{unknown}' (known: {string.Join(", ", all)})");
            }

            list = list.Where(c => labels.Contains(c.Label)).ToList();
        }

        return list;
    }

    /// <summary>
    /// Runs every configuration; <paramref name="partial"/> receives the report so far after each row (e.g. to write it, so
    /// that a long run interrupted late still leaves its finished rows).
    /// </summary>
    public static AblationReport Run(ClipModel clip, ITokenizer tokenizer, AblationOptions options, IProgress<WorkProgress>? progress = null, CancellationToken ct = default,
        Action<AblationReport>? partial = null)
    {
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var configs = Configurations(options);
        bool pixels = configs.Any(c => c.TemporalAttention);
        using var data = AblationData.Load(options.World, clip, options.Sampling, pixels, progress, ct, options.FrameCache);
        int frames = (int)data.Train.Mask.shape[1];
        var rows = new List<AblationRow>();
        AblationReport Report() => new(Path.GetFullPath(options.World), options.ModelName, options.Sampling, options.Seed, options.Epochs, started, clock.Elapsed.TotalSeconds,
            data.Sets.ToDictionary(p => p.Key, p => p.Value.Count), rows.ToList());

        using (var zero = new VideoModel(clip, tokenizer, new VideoTrainingOptions { Head = HeadFactory.Mean }, frames))
        {
            rows.Add(Evaluate(zero, ZeroShot, "none (frozen CLIP, mean pooling)", 0, null, data, options));
        }

        partial?.Invoke(Report());

        int index = 0;
        foreach (var config in configs)
        {
            ct.ThrowIfCancellationRequested();
            index++;
            manual_seed(options.Seed);
            using var model = new VideoModel(clip, tokenizer, config, frames);
            bool hasParameters = model.TrainableModules().Any(m => m.parameters().Any());
            double seconds = 0;
            double? valR1 = null;
            string training = "none (no parameters)";
            if (hasParameters)
            {
                var relay = progress is null ? null : new RelayProgress(p => progress.Report(p with { Task = $"train {index}/{configs.Count} {config.Label}" }));
                var result = VideoHeadTrainer.Train(model, data.Train, data.Get("val"), null, relay, ct);
                seconds = result.TrainSeconds;
                valR1 = result.ValidationT2vR1;
                training = FormattableString.Invariant($"{config.Epochs} epochs");
            }

            rows.Add(Evaluate(model, config.Label, training, seconds, valR1, data, options));
            partial?.Invoke(Report());
        }

        return Report();
    }

    /// <summary>Every benchmark for one model.</summary>
    public static AblationRow Evaluate(VideoModel model, string label, string training, double seconds, double? valR1, AblationData data, AblationOptions options)
    {
        var test = data.Get("retrieval") ?? throw VidSearchException.Argument("world", "no retrieval test split");
        using var frames = model.AllFrames(test);
        var (texts, captionVideo) = VideoHeadTrainer.Captions(test);
        using var textEmbeddings = model.EncodeTextsNoGrad(texts);
        var scores = model.Score(textEmbeddings, frames, test.Mask);
        var retrieval = RetrievalEvaluator.Evaluate(scores, captionVideo);
        double dsl = RetrievalEvaluator.Evaluate(DualSoftmax.Apply(scores), captionVideo).TextToVideo.R1;

        // QB-Norm bank: the training captions of the retrieval task against the same test gallery.
        var bankTexts = data.Train.Rows.Where(r => r.Id.StartsWith("retrieval", StringComparison.Ordinal)).SelectMany(r => r.Captions ?? []).ToList();
        if (bankTexts.Count == 0)
        {
            bankTexts = data.Train.Rows.SelectMany(r => r.Captions ?? []).ToList();
        }

        using var bankEmbeddings = model.EncodeTextsNoGrad(bankTexts);
        var bank = model.Score(bankEmbeddings, frames, test.Mask);
        double qb = RetrievalEvaluator.Evaluate(QueryBankNormalization.Apply(scores, bank), captionVideo).TextToVideo.R1;

        double? reversal = null, reversalVal = null;
        IReadOnlyDictionary<string, FamilyReversal>? families = null, valFamilies = null;
        if (data.Get("reversal") is { } rev)
        {
            var (s, cv) = ScoresOf(model, rev);
            reversal = ReversalTest.Evaluate(s, cv, rev.Rows.Select(r => r.Group).ToList()).Accuracy;
            families = ReversalDiagnostics.ReversalByFamily(s, cv, rev);
        }

        if (data.Get("reversal-val") is { } revVal)
        {
            var (s, cv) = ScoresOf(model, revVal);
            reversalVal = ReversalTest.Evaluate(s, cv, revVal.Rows.Select(r => r.Group).ToList()).Accuracy;
            valFamilies = ReversalDiagnostics.ReversalByFamily(s, cv, revVal);
        }

        double? reversalTrain = null;
        if (data.Get("reversal-train") is { } revTrain)
        {
            var (s, cv) = ScoresOf(model, revTrain);
            reversalTrain = ReversalTest.Evaluate(s, cv, revTrain.Rows.Select(r => r.Group).ToList()).Accuracy;
        }

        IReadOnlyList<FamilyProbe>? probes = null;
        if ((label == ZeroShot || model.TemporalAttention is not null) && data.Get("reversal-train") is { } probeTrain && data.Get("reversal") is { } probeTest)
        {
            using var trainFrames = model.AllFrames(probeTrain);
            using var testFrames = model.AllFrames(probeTest);
            probes = ReversalDiagnostics.Probe(probeTrain, trainFrames, probeTest, testFrames, model.EncodeTextsNoGrad);
        }

        double? compositional = null;
        if (data.Get("compositional") is { } comp)
        {
            var (s, cv) = ScoresOf(model, comp);
            compositional = RetrievalEvaluator.Evaluate(s, cv).TextToVideo.R1;
        }

        double? top1 = null, fewShot = null, openSet = null;
        if (data.Get("actions") is { } actions && data.Get("actions-train") is { } actionsTrain)
        {
            (top1, fewShot, openSet) = Actions(model, label, actions, actionsTrain, options);
        }

        double? choice = null;
        if (data.Get("choice") is { } choiceSet)
        {
            choice = Choice(model, label, choiceSet);
        }

        return new AblationRow(label, training, seconds, valR1, retrieval.TextToVideo, retrieval.VideoToText, dsl, qb, reversal, compositional, top1, fewShot, openSet, choice,
            model.TemporalAttention?.Scales(), reversalVal, families, valFamilies, probes, reversalTrain);
    }

    private static (float[,] Scores, List<int> CaptionVideo) ScoresOf(VideoModel model, VideoSet set)
    {
        using var frames = model.AllFrames(set);
        var (texts, captionVideo) = VideoHeadTrainer.Captions(set);
        using var embeddings = model.EncodeTextsNoGrad(texts);
        return (model.Score(embeddings, frames, set.Mask), captionVideo);
    }

    private static (double? Top1, double? FewShot, double? OpenSet) Actions(VideoModel model, string label, VideoSet test, VideoSet train, AblationOptions options)
    {
        var classes = test.Rows.Concat(train.Rows).Select(r => r.Label).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (classes.Count < 2)
        {
            return (null, null, null);
        }

        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        using var classTensor = model.EncodeTextsNoGrad(classes);
        var classEmbeddings = new EmbeddingMatrix(classTensor.contiguous().data<float>().ToArray(), classes.Count, (int)classTensor.shape[1]);
        var scorer = new HeadScorer(model, label);
        List<LabelledVideo> Labelled(VideoSet set)
        {
            using var frames = model.AllFrames(set);
            var split = HeadScorer.Split(frames, set.Mask);
            return set.Rows.Select((r, i) => (r, i)).Where(p => p.r.Label is not null)
                .Select(p => new LabelledVideo(split[p.i], classIndex[p.r.Label!])).ToList();
        }

        var testVideos = Labelled(test);
        var trainVideos = Labelled(train);
        double top1 = ActionRecognition.ZeroShot(scorer, testVideos, classEmbeddings).Top1;
        double? fewShot = null;
        int minPerClass = Enumerable.Range(0, classes.Count).Min(c => trainVideos.Count(v => v.ClassIndex == c));
        int shots = Math.Min(options.FewShot, minPerClass);
        if (shots > 0)
        {
            fewShot = ActionRecognition.FewShot(scorer, trainVideos, testVideos, classes.Count, shots, (int)options.Seed).Top1;
        }

        double? openSet = null;
        if (classes.Count >= 5 && minPerClass > 0)
        {
            // The last 4 classes (alphabetical) are unseen: no support videos; zero-shot among themselves.
            var unseen = Enumerable.Range(classes.Count - 4, 4).ToHashSet();
            openSet = ActionRecognition.OpenSet(scorer, scorer, trainVideos, testVideos, classEmbeddings, unseen).Unseen.Top1;
        }

        return (top1, fewShot, openSet);
    }

    private static double? Choice(VideoModel model, string label, VideoSet set)
    {
        using var frames = model.AllFrames(set);
        var split = HeadScorer.Split(frames, set.Mask);
        var questions = new List<ChoiceQuestion>();
        for (int i = 0; i < set.Count; i++)
        {
            var row = set.Rows[i];
            if (row.Choices is not { Count: > 1 } choices || row.Answer is not int answer)
            {
                continue;
            }

            using var embedded = model.EncodeTextsNoGrad(choices);
            questions.Add(new ChoiceQuestion(split[i], new EmbeddingMatrix(embedded.contiguous().data<float>().ToArray(), choices.Count, (int)embedded.shape[1]), answer));
        }

        return questions.Count == 0 ? null : MultipleChoice.Evaluate(new HeadScorer(model, label), questions).Accuracy;
    }
}
