using System.CommandLine;
using System.Text.Json;
using VidSearch.Cli.Commands;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
using VidSearch.TestSupport;

[assembly: AssemblyFixture(typeof(VidSearch.Cli.Tests.TinyWorld))]

namespace VidSearch.Cli.Tests;

/// <summary>A tiny random CLIP in a model folder and a tiny synthetic world, made once for the end-to-end tests.</summary>
public sealed class TinyWorld : IDisposable
{
    private readonly TempDirectory root = new("vidsearch-e2e");

    public TinyWorld()
    {
        Model = Path.Combine(root.Path, "model");
        using (var model = new ClipModel(ClipConfig.Tiny, ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary), "tiny"))
        {
            model.eval();
            CheckpointWriter.Save(model, Model);
        }

        File.Copy(SharedData.ClipVocabulary, Path.Combine(Model, "bpe_simple_vocab_16e6.txt.gz"));
        World = Path.Combine(root.Path, "world");
        var options = new WorldOptions { Seed = 1, Clips = 6, CanvasSize = 64, Fps = 8, ClipMinSeconds = 2, ClipMaxSeconds = 3, ValFraction = 0, TestFraction = 0.5, CaptionsPerClip = 2 }.Validate();
        new DatasetWriter(options).WriteAsync(World, [SyntheticTask.Retrieval]).GetAwaiter().GetResult();
        Videos = Directory.GetFiles(Path.Combine(World, "retrieval"), "*.mp4", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        Image = Path.Combine(root.Path, "square.png");
        var pixels = new byte[32 * 32 * 3];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 7 % 256);
        }

        PngWriter.Write(Image, new RgbImage(pixels, 32, 32));
        Onnx = Path.Combine(root.Path, "model-onnx");
    }

    public string Model { get; }

    public string Onnx { get; }

    public string World { get; }

    public string[] Videos { get; }

    /// <summary>A 32x32 PNG: the tiny model's input size.</summary>
    public string Image { get; }

    public string Temp(string name) => Path.Combine(root.Path, name);

    /// <summary>A folder named <paramref name="name"/> holding copies of the first <paramref name="count"/> videos.</summary>
    public string VideoFolder(string name, int count)
    {
        string folder = Temp(name);
        Directory.CreateDirectory(folder);
        foreach (string video in Videos.Take(count))
        {
            File.Copy(video, Path.Combine(folder, Path.GetFileName(video)), overwrite: true);
        }

        return folder;
    }

    public void Dispose() => root.Dispose();
}

/// <summary>The product end to end: embed, export-onnx, index, search, eval, with a tiny model and synthetic clips.</summary>
[Collection(nameof(ConsoleCapture))]
public class EndToEndTests(TinyWorld world)
{
    private static readonly object ExportLock = new();

    internal static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var root = CommandCatalog.CreateRoot();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            int code = await root.Parse(args).RunAsync(TestContext.Current.CancellationToken);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    internal static float[] Embedding(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
    }

    private async Task<float[]> Embed(params string[] args)
    {
        var (code, output, error) = await Run(["embed", "--json", .. args]);
        Assert.True(code == 0, error);
        return Embedding(output);
    }

    private void EnsureOnnx()
    {
        lock (ExportLock)
        {
            if (!File.Exists(Path.Combine(world.Onnx, "vision_model.onnx")))
            {
                var (code, _, error) = Run("models", "export-onnx", world.Model, world.Onnx).GetAwaiter().GetResult();
                Assert.True(code == 0, error);
            }
        }
    }

    [Fact]
    public async Task EmbedGivesUnitVectorsOfTheModelsDimension()
    {
        foreach (var args in new[] { new[] { "--text", "a red circle moves left" }, ["--image", world.Image], ["--video", world.Videos[0]] })
        {
            var e = await Embed(["--model", world.Model, .. args]);
            Assert.Equal(ClipConfig.Tiny.ProjectionDim, e.Length);
            Assert.Equal(1.0, Math.Sqrt(e.Sum(x => (double)x * x)), 4);
        }

        var text = await Embed("--model", world.Model, "--text", "a red circle moves left");
        var other = await Embed("--model", world.Model, "--text", "a blue square jumps");
        Assert.NotEqual(text, other);
        var (code, plain, _) = await Run("embed", "--model", world.Model, "--text", "a red circle moves left");
        Assert.Equal(0, code);
        Assert.Equal(text.Length, plain.Trim().Split(' ').Length);
    }

    [Fact]
    public async Task EmbedRefusesBadInputWithOneLineErrors()
    {
        var (code, _, error) = await Run("embed", "--model", world.Model);
        Assert.Equal(2, code);
        Assert.StartsWith("error: --text/--image/--video:", error.Trim());

        (code, _, error) = await Run("embed", "--model", world.Temp("no-such-model"), "--text", "x");
        Assert.Equal(3, code);
        Assert.Contains("no such model folder", error);

        (code, _, error) = await Run("embed", "--model", world.Model, "--video", world.Temp("none.mp4"));
        Assert.Equal(3, code);
        Assert.Contains("file not found", error);

        (code, _, error) = await Run("embed", "--model", world.Model, "--text", "x", "--backend", "cuda");
        Assert.Equal(2, code);
        Assert.Contains("--backend", error);

        string noTokenizer = world.Temp("no-tokenizer");
        Directory.CreateDirectory(noTokenizer);
        foreach (string f in Directory.GetFiles(world.Model).Where(f => !f.EndsWith(".gz", StringComparison.Ordinal)))
        {
            File.Copy(f, Path.Combine(noTokenizer, Path.GetFileName(f)), overwrite: true);
        }

        (code, _, error) = await Run("embed", "--model", noTokenizer, "--text", "x");
        Assert.Equal(3, code);
        Assert.Contains("ships no tokenizer", error);
    }

    [Fact]
    public void PreprocessingOfAnImageAtTheModelSizeIsOnlyScalingAndNormalisation()
    {
        var image = ImageFile.Read(world.Image);
        var config = PreprocessConfig.Clip(32);
        var batch = new ClipPreprocessor(config).ProcessBatch([image]);
        int plane = 32 * 32;
        for (int i = 0; i < plane; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                float expected = ((image.Pixels[(i * 3) + c] / 255f) - config.Mean[c]) / config.Std[c];
                Assert.Equal(expected, batch.Data[(c * plane) + i]);
            }
        }
    }

    [Fact]
    public void OnnxThreadsSleepWhenTheyShareTheCoresWithDecodingAndSpinForQueries()
    {
        EnsureOnnx();
        using (var indexing = ModelWiring.LoadModel(world.Onnx, "onnx", threads: 1, sharesCoresWithDecoding: true))
        {
            Assert.False(Assert.IsType<VidSearch.Models.Onnx.OnnxClipModel>(indexing.Model).SpinsWhileWaiting);
        }

        using var querying = ModelWiring.LoadModel(world.Onnx, "onnx", threads: 1);
        Assert.True(Assert.IsType<VidSearch.Models.Onnx.OnnxClipModel>(querying.Model).SpinsWhileWaiting);
    }

    [Fact]
    public async Task OnnxExportGivesTheSameEmbeddingsAsTorch()
    {
        EnsureOnnx();
        Assert.True(File.Exists(Path.Combine(world.Onnx, "bpe_simple_vocab_16e6.txt.gz")));
        foreach (var args in new[] { new[] { "--text", "a green triangle spins" }, ["--image", world.Image], ["--video", world.Videos[1]] })
        {
            var torch = await Embed(["--model", world.Model, "--backend", "torch", .. args]);
            var onnx = await Embed(["--model", world.Onnx, "--backend", "onnx", .. args]);
            Assert.Equal(torch.Length, onnx.Length);
            for (int i = 0; i < torch.Length; i++)
            {
                Assert.True(Math.Abs(torch[i] - onnx[i]) < 1e-3, $"{args[0]} component {i}: torch {torch[i]}, onnx {onnx[i]}");
            }
        }

        var (code, _, error) = await Run("models", "export-onnx", world.Temp("nothing-here"), world.Temp("out"));
        Assert.Equal(3, code);
        Assert.Contains("no such model folder", error);
    }

    [Fact]
    public async Task IndexSearchAndReindex()
    {
        string folder = world.VideoFolder("library", 4);

        File.WriteAllBytes(Path.Combine(folder, "broken.mp4"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 31)).ToArray());
        var whole = File.ReadAllBytes(SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4")); // moov first: a truncated copy still probes
        File.WriteAllBytes(Path.Combine(folder, "truncated.mp4"), whole[..(whole.Length / 2)]);
        string db = world.Temp("library.db");

        var (code, output, error) = await Run("index", folder, "--collection", db, "--model", world.Model, "--json", "-j", "1");
        Assert.Equal(1, code);
        using (var doc = JsonDocument.Parse(output))
        {
            Assert.Equal(6, doc.RootElement.GetProperty("found").GetInt32());
            Assert.Equal(5, doc.RootElement.GetProperty("added").GetInt32());
            var warning = Assert.Single(doc.RootElement.GetProperty("warnings").EnumerateArray()).GetString()!;
            Assert.Contains("truncated.mp4", warning);
            Assert.Contains("indexed with the frames that decoded", warning);
            var failure = Assert.Single(doc.RootElement.GetProperty("failures").EnumerateArray());
            Assert.EndsWith("broken.mp4", failure.GetProperty("path").GetString());
            Assert.True(doc.RootElement.GetProperty("framesEncoded").GetInt64() >= 8);
        }

        // The collection keeps text queries embedded as `search` embeds them, for the approximate indexes to tune on.
        using (var store = VidSearch.Index.Storage.CollectionStore.Open(db))
        {
            var queries = store.TuningQueries();
            Assert.Equal(VidSearch.Index.Indexing.TuningQueries.Texts(store), queries.Select(q => q.Text));
            var dog = await Embed("--model", world.Model, "--text", "a dog running on the grass");
            Assert.Equal(dog, queries.Single(q => q.Text == "a dog running on the grass").Vector, (x, y) => Math.Abs(x - y) < 1e-5f);
        }

        (code, output, error) = await Run("search", "a red circle", "--collection", db, "--json", "-k", "3");
        Assert.True(code == 0, error);
        using (var doc = JsonDocument.Parse(output))
        {
            Assert.False(doc.RootElement.TryGetProperty("indexTuning", out _)); // exact search: nothing tuned
            var videos = doc.RootElement.GetProperty("videos").EnumerateArray().ToList();
            Assert.Equal(3, videos.Count);
            foreach (var v in videos)
            {
                var moments = v.GetProperty("moments").EnumerateArray().ToList();
                Assert.NotEmpty(moments);
                Assert.All(moments, m => Assert.True(m.GetProperty("end").GetDouble() > m.GetProperty("start").GetDouble()));
            }
        }

        // The second run finds nothing new: the 5 videos are unchanged and the broken one is not retried.
        (code, output, error) = await Run("index", folder, "--collection", db, "--model", world.Model);
        Assert.True(code == 0, error);
        Assert.Contains("0 added, 0 updated, 5 unchanged", output);
        Assert.Contains("1 videos that failed before were skipped", output);

        // Video -> video: the query video itself is left out; image -> video works through the image encoder.
        string queryVideo = Path.Combine(folder, Path.GetFileName(world.Videos[0]));
        (code, output, error) = await Run("search", "--video", queryVideo, "--collection", db, "--json");
        Assert.True(code == 0, error);
        using (var doc = JsonDocument.Parse(output))
        {
            var paths = doc.RootElement.GetProperty("videos").EnumerateArray().Select(v => v.GetProperty("path").GetString()).ToList();
            Assert.Equal(4, paths.Count);
            Assert.DoesNotContain(Path.GetFullPath(queryVideo), paths);
        }

        (code, output, error) = await Run("search", "--image", world.Image, "--collection", db);
        Assert.True(code == 0, error);
        Assert.Contains("  1. ", output);

        (code, _, error) = await Run("search", "x", "--image", world.Image, "--collection", db);
        Assert.Equal(2, code);
        Assert.Contains("only one", error);

        // A collection whose model folder vanished says so and how to go on.
        string moved = world.Temp("library-moved.db");
        File.Copy(db, moved, overwrite: true);
        if (File.Exists(db + "-wal"))
        {
            File.Copy(db + "-wal", moved + "-wal", overwrite: true);
        }
        using (var copy = VidSearch.Index.Storage.CollectionStore.Open(moved))
        {
            copy.SetModelSource(world.Temp("gone-model"));
        }

        (code, _, error) = await Run("search", "a red circle", "--collection", moved);
        Assert.Equal(3, code);
        Assert.Contains("which is gone", error);
        (code, _, error) = await Run("search", "a red circle", "--collection", moved, "--model", world.Model);
        Assert.True(code == 0, error);

        // A collection indexed before tuning queries existed gets them at its first approximate search, once.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={moved};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE tuning_queries";
            drop.ExecuteNonQuery();
        }

        (code, _, error) = await Run("search", "a red circle", "--collection", moved, "--model", world.Model, "--index", "ivf");
        Assert.True(code == 0, error);
        Assert.Contains("embedded the collection's tuning queries", error);
        using (var copy = VidSearch.Index.Storage.CollectionStore.Open(moved))
        {
            Assert.Equal(VidSearch.Index.Indexing.TuningQueries.Texts(copy), copy.TuningQueries().Select(q => q.Text));
        }

        (code, output, error) = await Run("search", "a red circle", "--collection", moved, "--model", world.Model, "--index", "ivf", "--json");
        Assert.True(code == 0, error);
        Assert.DoesNotContain("tuning queries", error);
        using (var doc = JsonDocument.Parse(output))
        {
            // The JSON says which setting the index searches with and the recall its tuning measured there.
            var tuning = doc.RootElement.GetProperty("indexTuning");
            Assert.StartsWith("nprobe=", tuning.GetProperty("setting").GetString());
            Assert.True(tuning.GetProperty("measured").GetProperty("tuningQueries").GetInt32() > 0);
        }

        // Searching with another model is refused; reindexing with it migrates, and search follows the new model.
        EnsureOnnx();
        (code, _, error) = await Run("search", "a red circle", "--collection", db, "--model", world.Onnx);
        Assert.Equal(4, code);
        (code, output, error) = await Run("reindex", "--collection", db, "--model", world.Onnx, "--strategy", "windows:1:1:2");
        Assert.Equal(1, code); // the broken file is tried again, and still fails
        Assert.Contains("5 added", output);
        Assert.Contains("broken.mp4", error);
        (code, output, error) = await Run("search", "a red circle", "--collection", db, "--json");
        Assert.True(code == 0, error);
        using (var doc = JsonDocument.Parse(output))
        {
            Assert.Equal(5, doc.RootElement.GetProperty("videos").GetArrayLength());
        }

        using (var store = VidSearch.Index.Storage.CollectionStore.Open(db))
        {
            var dog = await Embed("--model", world.Onnx, "--text", "a dog running on the grass");
            Assert.Equal(dog, store.TuningQueries().Single(q => q.Text == "a dog running on the grass").Vector, (x, y) => Math.Abs(x - y) < 1e-5f);
        }
    }

    [Fact]
    public async Task EvalWritesTheReports()
    {
        string output = world.Temp("eval");
        var (code, stdout, error) = await Run("eval", "--data", Path.Combine(world.World, "retrieval"), "--model", world.Model, "--task", "retrieval", "--out", output, "--strategy", "uniform:4");
        Assert.True(code == 0, error + stdout);
        foreach (string file in new[] { "report.md", "report.json", "recall.svg" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report.json")));
        var dataset = doc.RootElement.GetProperty("dataset");
        Assert.Equal(3, dataset.GetProperty("evaluated").GetInt32());
        Assert.Equal("uniform:4", doc.RootElement.GetProperty("sampling").GetString());
        Assert.Contains("wrote", stdout);

        (code, _, error) = await Run("eval", "--data", Path.Combine(world.World, "retrieval"), "--model", world.Model, "--task", "dance");
        Assert.Equal(2, code);
        Assert.Contains("--task", error);
        (code, _, error) = await Run("eval", "--model", world.Model);
        Assert.Equal(2, code);
        Assert.Contains("--data", error);
    }
}
