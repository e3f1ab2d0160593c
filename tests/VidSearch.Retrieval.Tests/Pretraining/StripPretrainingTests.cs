using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Pretraining;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
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
        var (pairs, data) = await PretrainingWorlds.Prepared(temp, stills: 12, strips: 8, seed: 3);
        var config = PretrainingPresets.Get("micro");

        Assert.Equal(4, data.StripFrames);
        var firstStrip = pairs.FindIndex(p => p.IsStrip);
        Assert.Equal(firstStrip, data.FrameStart[firstStrip]);
        Assert.Equal(firstStrip + 4, data.FrameStart[firstStrip + 1]);
        Assert.Equal(12 + 8 * 4, data.FrameCount);

        // Frame 2 of the first strip is the third quarter of the PNG, preprocessed like any image.
        var strip = ImageFile.Read(pairs[firstStrip].ImagePath, TestContext.Current.CancellationToken);
        var expected = new float[data.ImageLength];
        new ClipPreprocessor(PreprocessConfig.Clip(config.ImageSize)).Process(strip.Crop(2 * strip.Width / 4, 0, strip.Width / 4, strip.Height), expected);
        Assert.Equal(expected, data.FramePixels(firstStrip + 2));

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
    public async Task Confuser_clusters_replace_single_stills_and_every_item_stays_in_exactly_one_unit()
    {
        using var temp = new TempDirectory();
        var (_, data) = await PretrainingWorlds.Prepared(temp, stills: 60, strips: 8, seed: 3);
        var plain = ClipPretrainer.TrainingUnits(data);
        var hard = ClipPretrainer.TrainingUnits(data, new ConfuserClusters(share: 1, clusterSize: 2, seed: 1));

        Assert.Equal(Enumerable.Range(0, data.Count), hard.SelectMany(u => u).Order());
        Assert.True(hard.Count < plain.Count);
        var clusters = hard.Where(u => u.Length == 2 && !data.Pairs[u[0]].IsStrip).ToList();
        Assert.NotEmpty(clusters);
        Assert.All(clusters, c => Assert.False(data.Pairs[c[1]].IsStrip));
        // Twin strips keep their own units.
        Assert.Equal(plain.Where(u => data.Pairs[u[0]].IsStrip).Select(u => string.Join(",", u)), hard.Where(u => data.Pairs[u[0]].IsStrip).Select(u => string.Join(",", u)));
    }

    [Fact]
    public void Mirror_twin_stills_batch_by_unit_while_a_still_group_alone_does_not_batch()
    {
        Assert.Equal("still-1", new ImageTextPair("a", "a.png", ["x"], "train", Group: "red-circle@left", Unit: "still-1").BatchKey);
        Assert.Null(new ImageTextPair("b", "b.png", ["x"], "train", Group: "red-circle").BatchKey);
        Assert.Equal("pair-1", new ImageTextPair("c", "c.png", ["x"], "train", Group: "pair-1", Frames: 4).BatchKey);
        Assert.Null(new ImageTextPair("d", "d.png", ["x"], "train").BatchKey);
    }

    [Fact]
    public async Task A_fresh_strip_pooling_is_mean_pooling_and_a_trained_one_sees_order()
    {
        using var temp = new TempDirectory();
        var (_, data) = await PretrainingWorlds.Prepared(temp, stills: 4, strips: 4, seed: 5);
        var config = PretrainingPresets.Get("micro");
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
    public void Strip_pooling_learns_to_tell_a_clip_from_its_reversed_twin_where_a_mean_cannot()
    {
        // Fixed frame embeddings of a clip and of its twin (the same frames reversed), and two caption embeddings:
        // InfoNCE on the pair trains only the pooling. Its mean term is equal for the twins; the ordered term learns.
        manual_seed(4);
        const int dim = 16;
        var clip = randn(1, 4, dim);
        var clips = cat([clip, clip.flip(1)], 0);
        var texts = nn.functional.normalize(randn(2, dim), dim: -1);
        using var pooling = new StripPooling(dim, 4);
        Tensor Scores() => nn.functional.normalize(pooling.forward(clips), dim: -1).matmul(texts.t()) * 20;
        using (no_grad())
        {
            var before = Scores();
            Assert.Equal(before[0, 0].item<float>(), before[1, 0].item<float>(), 5);
        }

        using var optimizer = optim.Adam(pooling.parameters(), 1e-2);
        var targets = tensor(new long[] { 0, 1 });
        for (int step = 0; step < 100; step++)
        {
            optimizer.zero_grad();
            var logits = Scores();
            var loss = nn.functional.cross_entropy(logits, targets) + nn.functional.cross_entropy(logits.t(), targets);
            loss.backward();
            optimizer.step();
        }

        using (no_grad())
        {
            var after = Scores();
            Assert.True(after[0, 0].item<float>() > after[1, 0].item<float>() + 1, $"caption 0: clip {after[0, 0].item<float>()}, twin {after[1, 0].item<float>()}");
            Assert.True(after[1, 1].item<float>() > after[0, 1].item<float>() + 1, $"caption 1: twin {after[1, 1].item<float>()}, clip {after[0, 1].item<float>()}");
        }
    }

    [Fact]
    public async Task A_run_with_strips_trains_the_ordered_pooling_and_reports_strip_reversal()
    {
        // Plumbing of video-text pretraining end to end (stills and strips in one loss, twins batched together,
        // the reversal metric each epoch and on the test strips). Learning the order itself takes far longer than a
        // unit test: docs/pretraining.md gives the measured figures of the tiny preset.
        using var temp = new TempDirectory();
        var pairs = await PretrainingWorlds.StillsAndStrips(temp, stills: 100, strips: 200, seed: 8, world: w => w with { MaxObjects = 1, TwoEventShare = 0, StripFrames = 2 });
        var options = new PretrainingOptions
        {
            Config = PretrainingPresets.Get("micro"),
            ValidationSize = 100,
            Trainer = PretrainingOptions.DefaultTrainer with { Epochs = 3, BatchSize = 32, LearningRate = 3e-3, Seed = 3 },
        };

        var progress = new List<WorkProgress>();
        var (model, result) = new ClipPretrainer(options).Run(pairs, Tokenizer, temp.File("run"), progress: new SyncProgress(progress.Add), cancellationToken: TestContext.Current.CancellationToken);
        model.Dispose();

        Assert.Equal(140, result.TrainStrips);
        Assert.Equal(70, result.TrainPairs);
        Assert.InRange(result.TestStripReversal!.Value, 0, 100);
        Assert.All(result.Log.Epochs, e => Assert.InRange(e.Metrics["val_strip_reversal"], 0, 100));
        Assert.Contains(progress, p => p.Task == "load val strips");
        Assert.Contains(progress, p => p.Task == "load test strips");

        // 210 items in 140 units (70 stills, 70 twin pairs): a batch of 32 items is 21 units, so 6 full batches an epoch.
        Assert.Equal(6, result.Log.Epochs[0].Step);
        Assert.True(result.Log.Epochs[^1].Loss < result.Log.Epochs[0].Loss, "loss did not fall");
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

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
