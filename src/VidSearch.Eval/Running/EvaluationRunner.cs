using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Eval.Caching;
using VidSearch.Eval.Datasets;
using VidSearch.Eval.Metrics;
using VidSearch.Eval.Reports;
using VidSearch.Eval.Reranking;
using VidSearch.Eval.Tasks;

namespace VidSearch.Eval.Running;

/// <summary>
/// Runs the evaluation tasks of a dataset split with one model and one head: embeds every present video once
/// (through <see cref="IVideoEmbedder"/>, optionally cached on disk), encodes captions, prompts and choices once,
/// then computes retrieval (with DSL and QB-Norm reported separately), the reversal test, action recognition
/// (zero-shot, few-shot, open-set), temporal localization and multiple choice, as far as the dataset carries what
/// each task needs. Missing videos and videos that fail to decode are counted and listed in the report.
/// </summary>
public sealed class EvaluationRunner
{
    private readonly ITextEncoder textEncoder;
    private readonly string modelId;
    private readonly float logitScale;
    private readonly IVideoEmbedder embedder;
    private readonly EvaluationOptions options;

    public EvaluationRunner(IClipModel model, IVideoEmbedder embedder, EvaluationOptions? options = null)
        : this(model, model.ModelId, model.LogitScale, embedder, options)
    {
    }

    public EvaluationRunner(ITextEncoder textEncoder, string modelId, float logitScale, IVideoEmbedder embedder, EvaluationOptions? options = null)
    {
        this.textEncoder = textEncoder;
        this.modelId = modelId;
        this.logitScale = logitScale;
        this.embedder = embedder;
        this.options = options ?? new EvaluationOptions();
        this.options.Validate();
    }

    public EvaluationReport Run(VideoDataset dataset, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        string split = options.Split;
        var splitVideos = dataset.Videos.Where(v => v.Split == split).ToList();
        if (splitVideos.Count == 0)
        {
            throw VidSearchException.Argument("--split", $"dataset {dataset.Name} has no video in split \"{split}\" (splits: {string.Join(", ", dataset.Splits)})");
        }

        var missing = splitVideos.Where(v => !v.Exists).ToList();
        if (missing.Count == splitVideos.Count)
        {
            throw new VidSearchException(ErrorKind.NotFound, dataset.Root, $"none of the {splitVideos.Count} videos of split \"{split}\" exists (first expected at {missing[0].Path})");
        }

        var cache = options.CacheDirectory is null ? null : EmbeddingCache.Open(options.CacheDirectory, new CacheKey(modelId, embedder.Sampling, dataset.Hash));
        var context = new RunContext(this, cache, progress, cancellationToken);
        var notes = new List<string>();
        var (test, failed) = context.EmbedVideos(splitVideos.Where(v => v.Exists).ToList(), $"embed {split} videos");
        if (test.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, dataset.Root, $"every present video of split \"{split}\" failed to decode (first: {failed[0].Id}: {failed[0].Error})");
        }

        RetrievalSection? retrieval = null;
        var reranked = new List<RerankedSection>();
        ReversalResult? reversal = null;
        int captionCount = 0;
        if (options.Tasks.HasFlag(EvaluationTasks.Retrieval))
        {
            (retrieval, reversal, captionCount) = Retrieval(dataset, test, context, reranked, notes);
        }

        var actions = options.Tasks.HasFlag(EvaluationTasks.Actions) ? Actions(dataset, test, context, notes) : [];
        var localization = options.Tasks.HasFlag(EvaluationTasks.Localization) ? Localization(test, context, notes) : [];
        var choice = options.Tasks.HasFlag(EvaluationTasks.Choice) ? Choice(test, context, notes) : null;
        cache?.Save();
        return new EvaluationReport
        {
            Model = modelId,
            Head = options.Head.Name,
            Sampling = embedder.Sampling,
            Seed = options.Seed,
            StartedUtc = started,
            Seconds = clock.Elapsed.TotalSeconds,
            Dataset = new DatasetSummary
            {
                Name = dataset.Name,
                Format = dataset.Format,
                Hash = dataset.Hash,
                Split = split,
                Videos = splitVideos.Count,
                Evaluated = test.Count,
                MissingCount = missing.Count,
                Missing = missing.Select(v => v.Id).ToList(),
                Failed = failed,
                Captions = captionCount,
                CaptionKind = dataset.CaptionKind,
            },
            Retrieval = retrieval,
            Reranked = reranked,
            Reversal = reversal,
            Actions = actions,
            Localization = localization,
            Choice = choice,
            Notes = notes,
        };
    }

    private (RetrievalSection?, ReversalResult?, int) Retrieval(VideoDataset dataset, List<(VideoEntry Video, FrameEmbeddings Frames)> test, RunContext context,
        List<RerankedSection> reranked, List<string> notes)
    {
        var captionTexts = new List<string>();
        var captionVideo = new List<int>();
        for (int v = 0; v < test.Count; v++)
        {
            foreach (var caption in dataset.CaptionsByVideo[test[v].Video.Id])
            {
                captionTexts.Add(caption.Text);
                captionVideo.Add(v);
            }
        }

        if (captionTexts.Count == 0)
        {
            notes.Add("retrieval: no captions for the evaluated videos");
            return (null, null, 0);
        }

        var frames = test.Select(t => t.Frames).ToList();
        var captionEmbeddings = context.EncodeTexts(captionTexts, "encode captions");
        var similarity = options.Head.Score(frames, captionEmbeddings);
        var result = RetrievalEvaluator.Evaluate(similarity, captionVideo, options.VideoToText);
        var section = new RetrievalSection(result.TextToVideo, result.VideoToText, result.VideoToTextVariant, result.TiePolicy);

        if (options.Dsl)
        {
            var t2v = RetrievalMetrics.FromRanks(RankCalculator.Ranks(DualSoftmax.Apply(similarity, options.DslTemperature), captionVideo), test.Count);
            var v2tMatrix = ActionRecognition.Transpose(DualSoftmax.Apply(ActionRecognition.Transpose(similarity), options.DslTemperature));
            var v2t = RetrievalEvaluator.VideoToText(v2tMatrix, captionVideo, options.VideoToText);
            reranked.Add(new RerankedSection("DSL", $"dual softmax over all test queries, T = {options.DslTemperature}", t2v, v2t));
        }

        if (options.QbNorm && QbNorm(dataset, frames, similarity, captionEmbeddings, captionVideo, context, notes) is { } qbNorm)
        {
            reranked.Add(qbNorm);
        }

        ReversalResult? reversal = null;
        var groups = test.Select(t => t.Video.Group).ToList();
        if (groups.Any(g => g is not null))
        {
            try
            {
                reversal = ReversalTest.Evaluate(similarity, captionVideo, groups);
            }
            catch (VidSearchException e)
            {
                notes.Add("reversal: " + e.Cause);
            }
        }

        return (section, reversal, captionTexts.Count);
    }

    /// <summary>
    /// QB-Norm in both directions. t2v: the querybank is training captions scored against the test videos. v2t: the
    /// querybank is training videos (pooled by the head) scored against the test captions; the normalisation runs on
    /// the transposed (video x caption) matrix. Without training captions QB-Norm is skipped (with a note); without
    /// decodable training videos only v2t is.
    /// </summary>
    private RerankedSection? QbNorm(VideoDataset dataset, List<FrameEmbeddings> frames, float[,] similarity, EmbeddingMatrix captionEmbeddings,
        List<int> captionVideo, RunContext context, List<string> notes)
    {
        var bank = dataset.Videos.Where(v => v.Split == "train").SelectMany(v => dataset.CaptionsByVideo[v.Id]).Select(c => c.Text).ToList();
        if (bank.Count == 0)
        {
            notes.Add("QB-Norm: skipped, the dataset has no training captions for the querybank");
            return null;
        }

        if (bank.Count > options.QueryBankSize)
        {
            var array = bank.ToArray();
            new Random(options.Seed).Shuffle(array);
            bank = array.Take(options.QueryBankSize).ToList();
        }

        var bankSimilarity = options.Head.Score(frames, context.EncodeTexts(bank, "encode querybank"));
        var t2v = RetrievalMetrics.FromRanks(RankCalculator.Ranks(QueryBankNormalization.Apply(similarity, bankSimilarity, options.QbNormBeta), captionVideo), frames.Count);
        RetrievalMetrics? v2t = null;
        var parts = new List<string> { $"t2v querybank of {bank.Count} training captions" };

        var bankVideos = dataset.Videos.Where(v => v.Split == "train" && v.Exists).ToArray();
        if (bankVideos.Length > options.VideoQueryBankSize)
        {
            new Random(options.Seed).Shuffle(bankVideos);
            bankVideos = bankVideos.Take(options.VideoQueryBankSize).ToArray();
        }

        var (embedded, failed) = bankVideos.Length == 0 ? ([], []) : context.EmbedVideos(bankVideos, "embed querybank videos");
        if (embedded.Count == 0)
        {
            notes.Add("QB-Norm v2t: skipped, the dataset has no (decodable) training videos for the querybank");
        }
        else
        {
            if (failed.Count > 0)
            {
                notes.Add($"QB-Norm v2t: {failed.Count} querybank videos failed to decode and were left out");
            }

            var videoBank = ActionRecognition.Transpose(options.Head.Score(embedded.Select(e => e.Frames).ToList(), captionEmbeddings));
            var normalized = QueryBankNormalization.Apply(ActionRecognition.Transpose(similarity), videoBank, options.QbNormBeta);
            v2t = RetrievalEvaluator.VideoToText(ActionRecognition.Transpose(normalized), captionVideo, options.VideoToText);
            parts.Add($"v2t querybank of {embedded.Count} training videos");
        }

        return new RerankedSection("QB-Norm", $"dynamic inverted softmax, beta {options.QbNormBeta}; " + string.Join("; ", parts), t2v, v2t);
    }

    private List<ClassificationResult> Actions(VideoDataset dataset, List<(VideoEntry Video, FrameEmbeddings Frames)> test, RunContext context, List<string> notes)
    {
        var videoLabels = dataset.Videos.Select(v => v.Label).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var classes = dataset.HasClassList ? dataset.ClassNames.ToList() : dataset.ClassNames.Where(videoLabels.Contains).ToList();

        var classIndex = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var labelled = test.Where(t => t.Video.Label is not null && classIndex.ContainsKey(t.Video.Label)).Select(t => new LabelledVideo(t.Frames, classIndex[t.Video.Label!])).ToList();
        if (labelled.Count == 0)
        {
            notes.Add("actions: no labelled videos in the evaluated split");
            return [];
        }

        int unknown = test.Count(t => t.Video.Label is not null && !classIndex.ContainsKey(t.Video.Label));
        if (unknown > 0)
        {
            notes.Add($"actions: {unknown} videos have a label outside the class list and were left out");
        }

        var prompts = new PromptEnsemble(options.PromptTemplates);
        var classEmbeddings = context.EncodePrompts(prompts, classes);
        var results = new List<ClassificationResult> { ActionRecognition.ZeroShot(options.Head, labelled, classEmbeddings) };

        var trainVideos = dataset.Videos.Where(v => v.Split == "train" && v.Exists && v.Label is not null && classIndex.ContainsKey(v.Label)).ToList();
        if (trainVideos.Count == 0)
        {
            notes.Add("actions: few-shot and open-set skipped (no labelled training videos)");
            return results;
        }

        var (trainEmbedded, trainFailed) = context.EmbedVideos(trainVideos, "embed train videos");
        if (trainFailed.Count > 0)
        {
            notes.Add($"actions: {trainFailed.Count} training videos failed to decode ({string.Join(", ", trainFailed.Take(5).Select(f => f.Id))})");
        }

        var train = trainEmbedded.Select(t => new LabelledVideo(t.Frames, classIndex[t.Video.Label!])).ToList();
        foreach (int k in options.FewShotK)
        {
            var shortClass = Enumerable.Range(0, classes.Count).FirstOrDefault(c => train.Count(v => v.ClassIndex == c) < k, -1);
            if (shortClass >= 0)
            {
                notes.Add($"actions: {k}-shot skipped, class \"{classes[shortClass]}\" has fewer than {k} training videos");
                continue;
            }

            results.Add(ActionRecognition.FewShot(options.Pooler, train, labelled, classes.Count, k, options.Seed));
            if (options.LinearProbe && classes.Count >= 2)
            {
                results.Add(ActionRecognition.LinearProbeFewShot(options.Pooler, train, labelled, classes.Count, k, options.Seed, options.LinearProbeSettings));
            }
        }

        if (classes.Count >= 2)
        {
            var order = Enumerable.Range(0, classes.Count).ToArray();
            new Random(options.Seed).Shuffle(order);
            int unseenCount = Math.Clamp((int)Math.Round(options.OpenSetUnseenFraction * classes.Count), 1, classes.Count - 1);
            var unseen = order.Take(unseenCount).ToHashSet();
            try
            {
                var (seen, unseenResult) = ActionRecognition.OpenSet(options.Head, options.Pooler, train, labelled, classEmbeddings, unseen);
                results.Add(seen);
                results.Add(unseenResult with { Note = unseenResult.Note + ": " + string.Join(", ", unseen.Order().Select(c => classes[c])) });
            }
            catch (VidSearchException e)
            {
                notes.Add("actions: open-set skipped: " + e.Cause);
            }
        }

        return results;
    }

    private List<LocalizationSection> Localization(List<(VideoEntry Video, FrameEmbeddings Frames)> test, RunContext context, List<string> notes)
    {
        var withEvents = test.Where(t => t.Video.Events.Count > 0).ToList();
        if (withEvents.Count == 0)
        {
            notes.Add("localization: no videos with timed events in the evaluated split");
            return [];
        }

        var classes = withEvents.SelectMany(t => t.Video.Events.Select(e => e.Label)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var classEmbeddings = context.EncodePrompts(new PromptEnsemble(options.PromptTemplates), classes);
        var localizer = new TemporalLocalizer(options.Localization);
        var detections = new List<Detection>();
        foreach (var (video, frames) in withEvents)
        {
            detections.AddRange(localizer.Localize(video.Id, frames, classEmbeddings, classes, logitScale));
        }

        var truth = withEvents.SelectMany(t => t.Video.Events.Select(e => new GroundTruthSegment(t.Video.Id, e.Label, e.Start, e.End))).ToList();
        return
        [
            new LocalizationSection("THUMOS tIoU 0.3:0.1:0.7", DetectionMap.Evaluate(truth, detections, DetectionMap.ThumosThresholds)),
            new LocalizationSection("ActivityNet tIoU 0.5:0.05:0.95", DetectionMap.Evaluate(truth, detections, DetectionMap.ActivityNetThresholds)),
        ];
    }

    private ChoiceResult? Choice(List<(VideoEntry Video, FrameEmbeddings Frames)> test, RunContext context, List<string> notes)
    {
        var rows = test.Where(t => t.Video.Choices.Count > 0 && t.Video.Answer is not null).ToList();
        if (rows.Count == 0)
        {
            notes.Add("multiple choice: no videos with choices and an answer in the evaluated split");
            return null;
        }

        var all = context.EncodeTexts(rows.SelectMany(r => r.Video.Choices).ToList(), "encode choices");
        var questions = new List<ChoiceQuestion>();
        int offset = 0;
        foreach (var (video, frames) in rows)
        {
            questions.Add(new ChoiceQuestion(frames, all.Slice(offset, video.Choices.Count), video.Answer!.Value));
            offset += video.Choices.Count;
        }

        return MultipleChoice.Evaluate(options.Head, questions);
    }

    /// <summary>Embedding with cache and progress, shared by the tasks of one run.</summary>
    private sealed class RunContext(EvaluationRunner runner, EmbeddingCache? cache, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        public (List<(VideoEntry Video, FrameEmbeddings Frames)> Embedded, List<FailedVideo> Failed) EmbedVideos(IReadOnlyList<VideoEntry> videos, string task)
        {
            var embedded = new List<(VideoEntry, FrameEmbeddings)>();
            var failed = new List<FailedVideo>();
            for (int i = 0; i < videos.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var video = videos[i];
                progress?.Report(new WorkProgress(task, i, videos.Count, "videos", video.Id));
                if (cache is not null && cache.TryGetVideo(video.Id, out var cached))
                {
                    embedded.Add((video, cached));
                    continue;
                }

                try
                {
                    var frames = runner.embedder.Embed(video, cancellationToken);
                    if (frames.ValidCount == 0)
                    {
                        throw new VidSearchException(ErrorKind.InvalidInput, video.Path, "no frame could be sampled");
                    }

                    embedded.Add((video, frames));
                    cache?.PutVideo(video.Id, frames);
                }
                catch (VidSearchException e)
                {
                    failed.Add(new FailedVideo(video.Id, e.Message));
                }

                if (cache is not null && cache.IsDirty && i % 200 == 199)
                {
                    cache.Save();
                }
            }

            progress?.Report(new WorkProgress(task, videos.Count, videos.Count, "videos"));
            cache?.Save();
            return (embedded, failed);
        }

        /// <summary>One row per text (duplicates encoded once), in the order given.</summary>
        public EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts, string task)
        {
            if (texts.Count == 0)
            {
                return new EmbeddingMatrix(0, Dim);
            }

            var known = new Dictionary<string, float[]>(StringComparer.Ordinal);
            var todo = new List<string>();
            foreach (string text in texts.Distinct(StringComparer.Ordinal))
            {
                if (cache is not null && cache.TryGetText(text, out var e))
                {
                    known[text] = e;
                }
                else
                {
                    todo.Add(text);
                }
            }

            int batch = runner.options.TextBatchSize;
            for (int start = 0; start < todo.Count; start += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new WorkProgress(task, start, todo.Count, "texts"));
                var part = todo.GetRange(start, Math.Min(batch, todo.Count - start));
                var encoded = runner.textEncoder.EncodeTexts(part);
                if (encoded.Rows != part.Count)
                {
                    throw new VidSearchException(ErrorKind.Incompatible, runner.modelId, $"text encoder returned {encoded.Rows} rows for {part.Count} texts");
                }

                for (int i = 0; i < part.Count; i++)
                {
                    known[part[i]] = encoded.RowReadOnly(i).ToArray();
                    cache?.PutText(part[i], encoded.RowReadOnly(i));
                }
            }

            progress?.Report(new WorkProgress(task, todo.Count, todo.Count, "texts"));
            int dim = known.Values.First().Length;
            var result = new EmbeddingMatrix(texts.Count, dim);
            for (int i = 0; i < texts.Count; i++)
            {
                known[texts[i]].CopyTo(result.Row(i));
            }

            return result;
        }

        public EmbeddingMatrix EncodePrompts(PromptEnsemble prompts, IReadOnlyList<string> classes)
            => prompts.Encode(new CachedTextEncoder(this), classes);

        private sealed class CachedTextEncoder(RunContext context) : ITextEncoder
        {
            public int EmbeddingDim => context.Dim;

            public EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts) => context.EncodeTexts(texts, "encode prompts");
        }

        public int Dim => runner.textEncoder.EmbeddingDim;
    }
}
