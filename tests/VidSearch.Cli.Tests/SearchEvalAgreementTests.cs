using System.Text.Json;
using VidSearch.Eval.Datasets;
using VidSearch.Eval.Metrics;
using VidSearch.TestSupport;

namespace VidSearch.Cli.Tests;

/// <summary>
/// Issue 7's end-to-end check: a synthetic world made by `synth`, its test videos indexed with `index`, every test
/// caption run through `search --rank-by video`, t2v metrics computed from the search scores with the evaluation's
/// pessimistic tie policy; they must equal `eval --head mean` for the same model and sampling.
/// </summary>
[Collection(nameof(ConsoleCapture))]
public class SearchEvalAgreementTests(TinyWorld world)
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => EndToEndTests.Run(args);

    [Fact]
    public async Task SearchCommandGivesTheEvaluationCommandsTextToVideoFigures()
    {
        using var dir = new TempDirectory("vidsearch-agreement");
        string root = dir.File("world");
        var (code, _, error) = await Run("synth", "--out", root, "--task", "retrieval", "--clips", "12", "--seed", "5", "--size", "64",
            "--min-seconds", "2", "--max-seconds", "3", "--captions", "2", "--val-fraction", "0", "--test-fraction", "0.5");
        Assert.True(code == 0, error);
        string data = Path.Combine(root, "retrieval");
        const string strategy = "clip4clip:12";

        (code, _, error) = await Run("eval", "--data", data, "--model", world.Model, "--task", "retrieval", "--strategy", strategy, "--out", dir.File("eval"), "--json");
        Assert.True(code == 0, error);
        RetrievalMetrics evaluated;
        using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("eval"), "report.json"))))
        {
            evaluated = doc.RootElement.GetProperty("retrieval").GetProperty("textToVideo").Deserialize<RetrievalMetrics>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        }

        var dataset = DatasetFormats.Load(data);
        var tests = dataset.Videos.Where(v => v.Split == "test").ToList();
        Assert.True(tests.Count >= 4, $"{tests.Count} test videos");
        string db = dir.File("agreement.db");
        (code, _, error) = await Run(["index", .. tests.Select(v => v.Path), "--collection", db, "--model", world.Model, "--strategy", strategy, "--storage", "float32", "-j", "2"]);
        Assert.True(code == 0, error);

        var captions = tests.SelectMany(v => dataset.CaptionsByVideo[v.Id].Select(c => (Text: c.Text, Video: Path.GetFullPath(v.Path)))).ToList();
        File.WriteAllLines(dir.File("queries.txt"), captions.Select(c => c.Text));
        var videoRanks = await SearchRanks(db, dir.File("queries.txt"), captions, tests.Count, "video");
        var searched = RetrievalMetrics.FromRanks(videoRanks, tests.Count);

        Assert.Equal(evaluated.Queries, searched.Queries);
        Assert.Equal(evaluated.R1, searched.R1, 9);
        Assert.Equal(evaluated.R5, searched.R5, 9);
        Assert.Equal(evaluated.MedianRank, searched.MedianRank, 9);
        Assert.Equal(evaluated.MeanRank, searched.MeanRank, 9);
        Assert.Equal(evaluated.RecallCurve, searched.RecallCurve);
    }

    /// <summary>0-based rank of each caption's video among the search results, ties counted against it.</summary>
    private static async Task<int[]> SearchRanks(string db, string queries, List<(string Text, string Video)> captions, int videos, string rankBy)
    {
        var (code, output, error) = await Run("search", "--queries", queries, "--collection", db, "--rank-by", rankBy, "-k", videos.ToString(), "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var answers = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(captions.Count, answers.Count);
        var ranks = new int[captions.Count];
        for (int i = 0; i < captions.Count; i++)
        {
            Assert.Equal(captions[i].Text, answers[i].GetProperty("query").GetString());
            var results = answers[i].GetProperty("results").GetProperty("videos").EnumerateArray()
                .Select(v => (Path: v.GetProperty("path").GetString()!, Score: v.GetProperty("score").GetDouble())).ToList();
            Assert.Equal(videos, results.Count);
            double truth = results.Single(r => r.Path == captions[i].Video).Score;
            ranks[i] = results.Count(r => r.Path != captions[i].Video && r.Score >= truth);
        }

        return ranks;
    }
}

/// <summary>`vidsearch bench index`: encode-only and whole-pipeline throughput measured on the same frames.</summary>
[Collection(nameof(ConsoleCapture))]
public class BenchIndexTests(TinyWorld world)
{
    [Fact]
    public async Task MeasuresThePipelineAgainstEncodingTheSameFramesAlone()
    {
        var (code, output, error) = await EndToEndTests.Run("bench", "index", Path.Combine(world.World, "retrieval"), "--model", world.Model, "--max-videos", "3", "--strategy", "uniform:3", "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("videos").GetInt32());
        Assert.Equal(3, root.GetProperty("videosIndexed").GetInt32());
        var phases = root.GetProperty("phases").EnumerateArray().ToList();
        Assert.Equal(["decode (serial)", "decode, no picture skipped", "preprocess (serial)", "preprocess, scalar resize", "encode only (before)", "index pipeline", "encode only (after)"],
            phases.Select(p => p.GetProperty("phase").GetString()));
        Assert.All(phases, p => Assert.Equal(9, p.GetProperty("frames").GetInt64()));
        Assert.All(phases, p => Assert.True(p.GetProperty("seconds").GetDouble() > 0));
        double encode = root.GetProperty("encodeOnlyFramesPerSecond").GetDouble();
        double pipeline = root.GetProperty("pipelineFramesPerSecond").GetDouble();
        Assert.Equal((phases[4].GetProperty("framesPerSecond").GetDouble() + phases[6].GetProperty("framesPerSecond").GetDouble()) / 2, encode, 6);
        Assert.Equal(pipeline / encode, root.GetProperty("ratio").GetDouble(), 6);
        Assert.All(phases, p => Assert.True(p.GetProperty("cpuSeconds").GetDouble() > 0, p.GetProperty("phase").GetString()));
        double Cpu(int phase) => phases[phase].GetProperty("cpuSeconds").GetDouble();
        double Wall(int phase) => phases[phase].GetProperty("seconds").GetDouble();
        int cores = root.GetProperty("processors").GetInt32();
        Assert.Equal((Wall(4) + Wall(6)) / 2 * cores / (((Cpu(4) + Cpu(6)) / 2) + Cpu(0) + Cpu(2)), root.GetProperty("ratioCeiling").GetDouble(), 6);
        Assert.Equal(Cpu(5) / (Wall(5) * cores), root.GetProperty("pipelineCoreUse").GetDouble(), 6);
        long pictures = root.GetProperty("picturesDecoded").GetInt64(), everyPicture = root.GetProperty("picturesDecodedEveryPicture").GetInt64();
        Assert.True(pictures >= 9 && pictures <= everyPicture, $"{pictures} pictures decoded, {everyPicture} without skipping");

        (code, _, error) = await EndToEndTests.Run("bench", "index", world.Temp("no-videos-here"), "--model", world.Model);
        Assert.Equal(3, code);
        Assert.Contains("no-videos-here", error);
    }
}

/// <summary>`vidsearch index` on the shared folder of real clips: every format in it (mp4, mkv, avi, mpg, gif) is picked up.</summary>
[Collection(nameof(ConsoleCapture))]
public class RealClipsIndexTests(TinyWorld world)
{
    [Fact]
    public async Task IndexesEveryVideoFormatOfTheRealClipsFolder()
    {
        string[] formats = [".mp4", ".mkv", ".avi", ".mpg", ".gif"];
        var expected = Directory.GetFiles(SharedData.Real(), "*", SearchOption.AllDirectories)
            .Where(f => formats.Contains(Path.GetExtension(f).ToLowerInvariant())).Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
        Assert.Contains(expected, f => f.EndsWith(".gif", StringComparison.Ordinal));
        string db = world.Temp("real-clips.db");
        var (code, output, error) = await EndToEndTests.Run("index", SharedData.Real(), "--collection", db, "--model", world.Model, "--strategy", "uniform:1", "--json");
        Assert.True(code is 0 or 1, error);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(expected.Count, doc.RootElement.GetProperty("found").GetInt32());
        var failed = doc.RootElement.GetProperty("failures").EnumerateArray().Select(f => f.GetProperty("path").GetString()!).ToList();
        Assert.DoesNotContain(failed, f => f.EndsWith(".gif", StringComparison.Ordinal));
        Assert.Equal(expected.Count, doc.RootElement.GetProperty("added").GetInt32() + failed.Count);

        using var store = VidSearch.Index.Storage.CollectionStore.Open(db);
        var indexed = store.Videos().Where(v => v.Status == VidSearch.Index.Storage.VideoStatus.Done).Select(v => v.Path).ToHashSet();
        Assert.All(expected.Where(f => f.EndsWith(".gif", StringComparison.Ordinal)), gif => Assert.Contains(gif, indexed));
    }
}

/// <summary>`vidsearch eval --head DIR`: a video model written by `train video` (here an untrained X-CLIP head, saved as training saves it).</summary>
[Collection(nameof(ConsoleCapture))]
public class EvalTrainedHeadTests(TinyWorld world)
{
    [Fact]
    public async Task EvaluatesATrainedHeadFolderWithItsSamplingAndPrompts()
    {
        using var dir = new TempDirectory("vidsearch-eval-head");
        string headDir = dir.File("xclip");
        var (clip, tokenizer) = VidSearch.Cli.Commands.TrainVideoCommand.OpenClip(world.Model);
        using (clip)
        {
            TorchSharp.torch.manual_seed(3);
            using var video = new VidSearch.Retrieval.Video.VideoModel(clip, tokenizer, new VidSearch.Retrieval.Video.VideoTrainingOptions { Head = "xclip", Prompts = 2 }, frames: 4);
            video.Save(headDir, Path.GetFullPath(world.Model), "uniform:4");
        }

        string data = Path.Combine(world.World, "retrieval");
        var (code, _, error) = await EndToEndTests.Run("eval", "--data", data, "--model", world.Model, "--head", headDir, "--task", "retrieval", "--out", dir.File("out"), "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.File("out"), "report.json")));
        Assert.Equal("xclip", doc.RootElement.GetProperty("head").GetString());
        Assert.Equal("uniform:4", doc.RootElement.GetProperty("sampling").GetString());
        var reported = doc.RootElement.GetProperty("retrieval").GetProperty("textToVideo").Deserialize<RetrievalMetrics>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

        // The same figures computed here from the saved model: its head scores, its prompted text encoder.
        var (clip2, tokenizer2) = VidSearch.Cli.Commands.TrainVideoCommand.OpenClip(world.Model);
        using (clip2)
        {
            var (model, _) = VidSearch.Retrieval.Video.VideoModel.Load(headDir, clip2, tokenizer2);
            using (model)
            {
                var dataset = DatasetFormats.Load(data);
                var tests = dataset.Videos.Where(v => v.Split == "test").ToList();
                var pipeline = new VidSearch.Models.Video.VideoEmbeddingPipeline(clip2, "uniform:4");
                var frames = tests.Select(v => pipeline.Embed(v.Path).Frames).ToList();
                var captions = tests.SelectMany((v, i) => dataset.CaptionsByVideo[v.Id].Select(c => (c.Text, Video: i))).ToList();
                var texts = model.EncodeTextsNoGrad(captions.Select(c => c.Text).ToList()).contiguous();
                var textMatrix = new VidSearch.Core.EmbeddingMatrix(texts.data<float>().ToArray(), captions.Count, (int)texts.shape[1]);
                var similarity = new VidSearch.Retrieval.Video.HeadScorer(model, "xclip").Score(frames, textMatrix);
                var expected = RetrievalEvaluator.Evaluate(similarity, captions.Select(c => c.Video).ToList()).TextToVideo;
                Assert.Equal(expected.RecallCurve, reported.RecallCurve);
                Assert.Equal(expected.MeanRank, reported.MeanRank, 9);
            }
        }

        (code, _, error) = await EndToEndTests.Run("eval", "--data", data, "--model", world.Model, "--head", headDir, "--strategy", "uniform:8", "--task", "retrieval", "--out", dir.File("out2"));
        Assert.Equal(2, code);
        Assert.Contains("trained with sampling uniform:4", error);
        (code, _, error) = await EndToEndTests.Run("eval", "--data", data, "--model", world.Model, "--head", dir.File("no-such-head"), "--out", dir.File("out3"));
        Assert.Equal(3, code);
        Assert.Contains("no such head folder", error);
        (code, _, error) = await EndToEndTests.Run("eval", "--data", data, "--model", world.Model, "--head", "xclip", "--out", dir.File("out4"));
        Assert.Equal(2, code);
        Assert.Contains("train video", error);
    }
}
