using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Pretraining;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
using VidSearch.Synthetic.Manifest;
using VidSearch.TestSupport;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests.Pretraining;

/// <summary>Video-text pretraining on film strips (the motion task) next to still image-text pairs.</summary>
public class StripPretrainingTests
{
    private static readonly ClipTokenizer Tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);

    [Fact]
    public async Task Strips_load_as_their_frames_and_twins_form_one_training_unit()
    {
        using var temp = new TempDirectory();
        var pairs = await World(temp, stills: 12, strips: 8, seed: 3);
        var config = PretrainingPresets.Get("micro");
        var data = PreparedPairs.Load(pairs, PreprocessConfig.Clip(config.ImageSize), Tokenizer, 32, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4, data.StripFrames);
        var firstStrip = pairs.FindIndex(p => p.IsStrip);
        Assert.Equal(firstStrip, data.FrameStart[firstStrip]);
        Assert.Equal(firstStrip + 4, data.FrameStart[firstStrip + 1]);
        Assert.Equal(12 + 8 * 4, data.Pixels.Length / data.ImageLength);

        // Frame 2 of the first strip is the third quarter of the PNG, preprocessed like any image.
        var strip = ImageFile.Read(pairs[firstStrip].ImagePath, TestContext.Current.CancellationToken);
        var expected = new float[data.ImageLength];
        new ClipPreprocessor(PreprocessConfig.Clip(config.ImageSize)).Process(strip.Crop(2 * strip.Width / 4, 0, strip.Width / 4, strip.Height), expected);
        Assert.Equal(expected, data.Pixels.AsSpan((firstStrip + 2) * data.ImageLength, data.ImageLength).ToArray());

        // Stills of one content share a positive id; a strip is positive only to itself, even with its twin's group.
        Assert.NotEqual(data.GroupIds[firstStrip], data.GroupIds[firstStrip + 1]);
        var units = ClipPretrainer.TrainingUnits(data);
        Assert.Equal(12 + 4, units.Count);
        foreach (var unit in units.Where(u => data.Pairs[u[0]].IsStrip))
        {
            Assert.Equal(2, unit.Length);
            Assert.Equal(data.Pairs[unit[0]].Group, data.Pairs[unit[1]].Group);
        }

        Assert.All(units.Where(u => !data.Pairs[u[0]].IsStrip), u => Assert.Single(u));
    }

    [Fact]
    public async Task A_fresh_strip_pooling_is_mean_pooling_and_a_trained_one_sees_order()
    {
        using var temp = new TempDirectory();
        var pairs = await World(temp, stills: 4, strips: 4, seed: 5);
        var config = PretrainingPresets.Get("micro");
        var data = PreparedPairs.Load(pairs, PreprocessConfig.Clip(config.ImageSize), Tokenizer, 32, cancellationToken: TestContext.Current.CancellationToken);
        manual_seed(1);
        using var model = new ClipModel(config, Tokenizer, "test");
        using var pooling = new StripPooling(model.EmbeddingDim, 4);
        using var _ = no_grad();
        var items = Enumerable.Range(0, data.Count).ToArray();
        var features = ClipPretrainer.VisualFeatures(model, data, items, pooling);
        var frames = model.ImageFeatures(ClipPretrainer.Pixels(data, items));

        for (int i = 0; i < data.Count; i++)
        {
            var own = data.Pairs[i].IsStrip
                ? frames.narrow(0, data.FrameStart[i], 4).mean([0])
                : frames[data.FrameStart[i]];
            TensorAssert.Close(own, features[i], 1e-5f);
        }

        // Once the ordered term is non-zero, a strip and the same frames reversed pool differently.
        foreach (var p in pooling.parameters())
        {
            p.normal_(0, 0.1);
        }

        var strip = frames.narrow(0, data.FrameStart[4], 4).unsqueeze(0);
        var reversed = strip.flip(1);
        Assert.True(pooling.forward(strip).sub(pooling.forward(reversed)).abs().max().item<float>() > 1e-3);
        Assert.Throws<ArgumentException>(() => pooling.forward(strip.narrow(1, 0, 3)));
    }

    [Fact]
    public async Task A_short_run_on_strips_learns_the_order_of_motion()
    {
        // One object, one move per clip: the caption says which way; the twin moves the other way. The micro preset
        // has to encode where the object is in each frame and tell "left" from "right" in the text to beat 50 %.
        using var temp = new TempDirectory();
        var pairs = await World(temp, stills: 400, strips: 800, seed: 8, world: w => w with { MaxObjects = 1, TwoEventShare = 0 });
        var options = new PretrainingOptions
        {
            Config = PretrainingPresets.Get("micro"),
            ValidationSize = 100,
            Trainer = PretrainingOptions.DefaultTrainer with { Epochs = 10, BatchSize = 64, LearningRate = 2e-3, Seed = 3 },
        };

        var (model, result) = new ClipPretrainer(options).Run(pairs, Tokenizer, temp.File("run"), cancellationToken: TestContext.Current.CancellationToken);
        model.Dispose();

        Assert.Equal(560, result.TrainStrips);
        Assert.NotNull(result.TestStripReversal);
        Assert.True(result.TestStripReversal >= 70, $"test strip reversal {result.TestStripReversal:F1} %");
        Assert.True(result.Log.Epochs[^1].Metrics["val_strip_reversal"] >= 65, $"val strip reversal {result.Log.Epochs[^1].Metrics["val_strip_reversal"]:F1} %");
    }

    [Fact]
    public async Task A_strip_whose_width_is_not_a_multiple_of_its_frames_is_refused_by_name()
    {
        using var temp = new TempDirectory();
        string path = temp.File("odd.png");
        PngWriter.Write(path, new byte[10 * 4 * 3], 10, 4);
        var pair = new ImageTextPair("odd", path, ["a red circle moves left"], "train", "pair-1", Frames: 4);
        var error = Assert.Throws<VidSearchException>(() => PreparedPairs.Load([pair], PreprocessConfig.Clip(64), Tokenizer, 32, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("odd.png", error.Message);
        Assert.Contains("multiple of 4", error.Message);
    }

    private static async Task<List<ImageTextPair>> World(TempDirectory temp, int stills, int strips, long seed, Func<WorldOptions, WorldOptions>? world = null)
    {
        var options = new WorldOptions { Seed = seed, StaticPairs = stills, MotionClips = strips, ValFraction = 0.1, TestFraction = 0.2, ClipMaxSeconds = 4 };
        options = world?.Invoke(options) ?? options;
        var writer = new DatasetWriter(options);
        await writer.WriteTaskAsync(temp.File("static"), SyntheticTask.Static, cancellationToken: TestContext.Current.CancellationToken);
        await writer.WriteTaskAsync(temp.File("motion"), SyntheticTask.Motion, cancellationToken: TestContext.Current.CancellationToken);
        var pairs = new List<ImageTextPair>();
        foreach (string folder in new[] { "static", "motion" })
        {
            var dataset = ManifestReader.Read(temp.File(folder));
            pairs.AddRange(dataset.Rows.Select(r => new ImageTextPair(r.Id, dataset.MediaPath(r), r.Captions!, r.Split, r.Group, r.Frames ?? 1)));
        }

        return pairs;
    }
}
