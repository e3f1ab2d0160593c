using VidSearch.Core;
using VidSearch.Eval.Datasets;
using VidSearch.Eval.Reports;
using VidSearch.Eval.Running;
using VidSearch.TestSupport;
using static VidSearch.Eval.Tests.ManifestAdapterTests;

namespace VidSearch.Eval.Tests;

/// <summary>End to end on a tiny manifest world: bag-of-words "frames" stand in for an image encoder.</summary>
public class EvaluationRunnerTests
{
    private const int Dim = 256;

    private static VideoDataset World(TempDirectory dir)
    {
        foreach (string id in new[] { "a", "b", "c", "d", "broken", "t1", "t2", "t3", "t4" })
        {
            Touch(dir, $"videos/{id}.mp4");
        }

        WriteManifest(dir,
            """{"id": "a", "video": "videos/a.mp4", "split": "test", "captions": ["red circle slides left", "crimson disc drifts leftward"], "label": "moving left", "group": "g1", "choices": ["red circle slides left", "red circle slides right", "blue square grows"], "answer": 0}""",
            """{"id": "b", "video": "videos/b.mp4", "split": "test", "captions": ["red circle slides right", "crimson disc drifts rightward"], "label": "moving right", "group": "g1", "choices": ["blue square grows", "red circle slides right"], "answer": 1}""",
            """{"id": "c", "video": "videos/c.mp4", "split": "test", "captions": ["blue square grows"], "events": [{"label": "moving left", "start": 0, "end": 4}, {"label": "growing", "start": 4, "end": 8}]}""",
            """{"id": "d", "video": "videos/d.mp4", "split": "test", "captions": ["yellow cross shrinks"], "label": "shrinking"}""",
            """{"id": "m", "video": "videos/m.mp4", "split": "test", "captions": ["purple diamond appears"]}""",
            """{"id": "broken", "video": "videos/broken.mp4", "split": "test", "captions": ["green triangle stays"]}""",
            """{"id": "t1", "video": "videos/t1.mp4", "split": "train", "captions": ["white circle slides left"], "label": "moving left"}""",
            """{"id": "t2", "video": "videos/t2.mp4", "split": "train", "captions": ["white circle slides right"], "label": "moving right"}""",
            """{"id": "t3", "video": "videos/t3.mp4", "split": "train", "captions": ["white square grows"], "label": "growing"}""",
            """{"id": "t4", "video": "videos/t4.mp4", "split": "train", "captions": ["white cross shrinks"], "label": "shrinking"}""");
        return DatasetFormats.Load(dir.Path);
    }

    private sealed class WorldEmbedder(VideoDataset dataset) : IVideoEmbedder
    {
        public int Calls { get; private set; }

        public string Sampling => "test-8-frames";

        public FrameEmbeddings Embed(VideoEntry video, CancellationToken cancellationToken)
        {
            Calls++;
            if (video.Id == "broken")
            {
                throw new VidSearchException(ErrorKind.InvalidInput, video.Path, "moov atom not found");
            }

            var texts = video.Events.Count > 0
                ? Enumerable.Range(0, 8).Select(t => video.Events.First(e => t >= e.Start && t < e.End).Label + " " + dataset.CaptionsByVideo[video.Id].First().Text).ToList()
                : Enumerable.Range(0, 8).Select(t => dataset.CaptionsByVideo[video.Id].ElementAt(t % dataset.CaptionsByVideo[video.Id].Count()).Text + " " + video.Label).ToList();
            return Frames.Of(texts.Select(t => BagOfWordsEncoder.Vector(t, Dim)).ToArray());
        }
    }

    [Fact]
    public void RunsEveryTaskAndReportsMissingAndFailedVideos()
    {
        using var dir = new TempDirectory();
        var dataset = World(dir);
        var runner = new EvaluationRunner(new BagOfWordsEncoder(Dim), "bow@1", 100, new WorldEmbedder(dataset), new EvaluationOptions { FewShotK = [1, 2], Seed = 5 });
        var progress = new List<WorkProgress>();
        var report = runner.Run(dataset, new SynchronousProgress(progress.Add), TestContext.Current.CancellationToken);

        Assert.Equal(("bow@1", "mean", "test-8-frames", 5), (report.Model, report.Head, report.Sampling, report.Seed));
        Assert.Equal(dataset.Hash, report.Dataset.Hash);
        Assert.Equal((6, 4, 1), (report.Dataset.Videos, report.Dataset.Evaluated, report.Dataset.MissingCount));
        Assert.Equal(["m"], report.Dataset.Missing);
        var failed = Assert.Single(report.Dataset.Failed);
        Assert.Equal("broken", failed.Id);
        Assert.Contains("moov atom", failed.Error);

        var retrieval = report.Retrieval!;
        Assert.Equal(6, report.Dataset.Captions);
        Assert.Equal((6, 4), (retrieval.TextToVideo.Queries, retrieval.TextToVideo.Candidates));
        Assert.Equal(100, retrieval.TextToVideo.R1);
        Assert.Equal((4, 6), (retrieval.VideoToText.Queries, retrieval.VideoToText.Candidates));
        Assert.Equal(["DSL", "QB-Norm"], report.Reranked.Select(r => r.Method));
        Assert.Contains("4 training captions", report.Reranked[1].Note);
        Assert.Contains("v2t querybank of 4 training videos", report.Reranked[1].Note);
        Assert.Equal((4, 6), (report.Reranked[1].VideoToText!.Queries, report.Reranked[1].VideoToText!.Candidates));
        Assert.Equal(100, report.Reversal!.Accuracy);
        Assert.Equal(4, report.Reversal.Queries);

        var zeroShot = report.Actions.Single(a => a.Protocol == "zero-shot closed-set");
        Assert.Equal((3, 4, 100.0), (zeroShot.Videos, zeroShot.Classes, zeroShot.Top1));
        Assert.Contains(report.Actions, a => a.Protocol == "few-shot K=1");
        Assert.Contains(report.Actions, a => a.Protocol == "linear-probe K=1" && a.Videos == 3);
        Assert.Contains(report.Notes, n => n.Contains("2-shot skipped", StringComparison.Ordinal));
        Assert.Contains(report.Actions, a => a.Protocol == "open-set seen" && a.Classes == 2);
        Assert.Contains(report.Actions, a => a.Protocol.StartsWith("open-set unseen", StringComparison.Ordinal) && a.Classes == 2);

        Assert.Equal(2, report.Localization.Count);
        Assert.All(report.Localization, l => Assert.Equal(1, l.Result.AverageMap, 9));
        Assert.Equal((2, 100.0), (report.Choice!.Questions, report.Choice.Accuracy));
        Assert.Contains(progress, p => p.Task == "embed test videos" && p.Done == 5 && p.Total == 5);
        Assert.True(report.Seconds >= 0);
    }

    [Fact]
    public void CacheAvoidsReencodingAndGivesTheSameFigures()
    {
        using var dir = new TempDirectory();
        using var cacheDir = new TempDirectory();
        var dataset = World(dir);
        var options = new EvaluationOptions { CacheDirectory = cacheDir.Path, Tasks = EvaluationTasks.Retrieval | EvaluationTasks.Choice };
        var embedder = new WorldEmbedder(dataset);
        var encoder = new BagOfWordsEncoder(Dim);
        var first = new EvaluationRunner(encoder, "bow@1", 100, embedder, options).Run(dataset, null, TestContext.Current.CancellationToken);
        int embedded = embedder.Calls, encoded = encoder.TextsEncoded;
        Assert.Equal(9, embedded); // 5 test videos, 4 training videos for the v2t QB-Norm querybank

        var second = new EvaluationRunner(encoder, "bow@1", 100, embedder, options).Run(dataset, null, TestContext.Current.CancellationToken);
        Assert.Equal(embedded + 1, embedder.Calls);   // only the broken video is tried again
        Assert.Equal(encoded, encoder.TextsEncoded);
        Assert.Equal(first.Retrieval!.TextToVideo.RecallCurve, second.Retrieval!.TextToVideo.RecallCurve);
        Assert.Equal(first.Choice, second.Choice);

        var otherModel = new EvaluationRunner(encoder, "bow@2", 100, embedder, options).Run(dataset, null, TestContext.Current.CancellationToken);
        Assert.Equal(embedded + 1 + 9, embedder.Calls);
        Assert.Empty(otherModel.Actions);
    }

    [Fact]
    public void ShufflingTheFramesBreaksRetrieval()
    {
        using var dir = new TempDirectory();
        var dataset = World(dir);
        var good = new WorldEmbedder(dataset);
        var ids = dataset.VideosOf("test").Select(v => v.Id).Where(id => id != "broken").ToList();
        var shifted = new DelegateVideoEmbedder("shifted", v => good.Embed(dataset.Videos.Single(x => x.Id == ids[(ids.IndexOf(v.Id) + 1) % ids.Count]), default));
        var report = new EvaluationRunner(new BagOfWordsEncoder(Dim), "bow", 100, shifted, new EvaluationOptions { Tasks = EvaluationTasks.Retrieval }).Run(dataset, null, TestContext.Current.CancellationToken);
        Assert.True(report.Retrieval!.TextToVideo.R1 < 50, $"R@1 {report.Retrieval.TextToVideo.R1}");
    }

    [Fact]
    public void RealMsrvtt1kAEvaluatesTheOneClipThatExistsAndSays999Missing()
    {
        var dataset = DatasetFormats.Load(SharedData.Real("msrvtt"));
        var embedder = new DelegateVideoEmbedder("fake", v => Frames.Of(BagOfWordsEncoder.Vector(dataset.CaptionsByVideo[v.Id].First().Text, Dim)));
        var report = new EvaluationRunner(new BagOfWordsEncoder(Dim), "bow", 100, embedder).Run(dataset, null, TestContext.Current.CancellationToken);
        Assert.Equal((1000, 1, 999), (report.Dataset.Videos, report.Dataset.Evaluated, report.Dataset.MissingCount));
        Assert.Equal(999, report.Dataset.Missing.Count);
        Assert.DoesNotContain("video9770", report.Dataset.Missing);
        Assert.Equal((1, 1), (report.Retrieval!.TextToVideo.Queries, report.Retrieval.TextToVideo.Candidates));
        Assert.Contains(report.Notes, n => n.StartsWith("QB-Norm: skipped", StringComparison.Ordinal));
        Assert.Contains("999 videos missing", ReportWriter.ToMarkdown(report));
    }

    [Fact]
    public void AnExplicitClassListWidensZeroShotRecognition()
    {
        using var dir = new TempDirectory();
        var dataset = World(dir).WithClassList(["moving left", "moving right", "growing", "shrinking", "appearing", "disappearing"]);
        var report = new EvaluationRunner(new BagOfWordsEncoder(Dim), "bow", 100, new WorldEmbedder(dataset), new EvaluationOptions { Tasks = EvaluationTasks.Actions, FewShotK = [] })
            .Run(dataset, null, TestContext.Current.CancellationToken);
        Assert.Equal(6, report.Actions.Single(a => a.Protocol == "zero-shot closed-set").Classes);
        Assert.Contains(report.Notes, n => n.Contains("few-shot", StringComparison.Ordinal) || n.Contains("open-set", StringComparison.Ordinal));
    }

    [Fact]
    public void UnusableSplitsAreClearErrors()
    {
        using var dir = new TempDirectory();
        var dataset = World(dir);
        var embedder = new WorldEmbedder(dataset);
        var e = Assert.Throws<VidSearchException>(() => new EvaluationRunner(new BagOfWordsEncoder(Dim), "bow", 100, embedder, new EvaluationOptions { Split = "val" }).Run(dataset, null, TestContext.Current.CancellationToken));
        Assert.Contains("test, train", e.Cause);
        using var empty = new TempDirectory();
        WriteManifest(empty, """{"id": "x", "video": "x.mp4", "split": "test", "captions": ["c"]}""");
        var none = DatasetFormats.Load(empty.Path);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => new EvaluationRunner(new BagOfWordsEncoder(Dim), "bow", 100, embedder).Run(none, null, TestContext.Current.CancellationToken)).Kind);
        Assert.Throws<VidSearchException>(() => new EvaluationRunner(new BagOfWordsEncoder(Dim), "bow", 100, embedder, new EvaluationOptions { FewShotK = [0] }));
    }

    private sealed class SynchronousProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
