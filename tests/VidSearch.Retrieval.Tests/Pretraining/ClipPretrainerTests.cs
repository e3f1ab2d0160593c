using VidSearch.Core;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Pretraining;
using VidSearch.Retrieval.Training;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
using VidSearch.Synthetic.Manifest;
using VidSearch.TestSupport;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests.Pretraining;

public class ClipPretrainerTests
{
    [Fact]
    public void Multi_positive_cross_entropy_matches_a_hand_computation()
    {
        // Row 0: positives {0, 1}; row 1: positive {1}. logits [[1, 2, 0], [0, 1, 3]].
        var logits = tensor(new float[] { 1, 2, 0, 0, 1, 3 }, [2, 3]);
        var positives = tensor(new[] { true, true, false, false, true, false }, [2, 3]);
        double row0 = -Math.Log((Math.Exp(1) + Math.Exp(2)) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(0)));
        double row1 = -Math.Log(Math.Exp(1) / (Math.Exp(0) + Math.Exp(1) + Math.Exp(3)));
        float loss = ClipPretrainer.MultiPositiveCrossEntropy(logits, positives).item<float>();
        Assert.Equal((row0 + row1) / 2, loss, 5);
    }

    [Fact]
    public void Rank_counts_only_non_equivalent_candidates_and_ties_pessimistically()
    {
        float[] scores = [0.5f, 0.9f, 0.7f, 0.7f];
        int[] groups = [0, 1, 0, 2];
        // truth 0 shares group 0 with candidate 2 (0.7): best equivalent 0.7; ahead: 1 (0.9) and 3 (0.7, a tie).
        Assert.Equal(2, ImageTextRetrieval.Rank(j => scores[j], groups, truth: 0, count: 4));
        Assert.Equal(0, ImageTextRetrieval.Rank(j => scores[j], groups, truth: 1, count: 4));
    }

    [Fact]
    public async Task A_short_run_learns_far_above_chance_and_is_deterministic()
    {
        using var temp = new TempDirectory();
        // One object per image (70 possible contents) keeps the run short; the full world has 1-3 objects.
        var world = new WorldOptions { Seed = 7, StaticPairs = 900, MaxObjects = 1, ValFraction = 0.12, TestFraction = 0.12 };
        await new DatasetWriter(world).WriteTaskAsync(temp.File("static"), SyntheticTask.Static, cancellationToken: TestContext.Current.CancellationToken);
        var dataset = ManifestReader.Read(temp.File("static"));
        var pairs = dataset.Rows.Select(r => new ImageTextPair(r.Id, dataset.MediaPath(r), r.Captions!, r.Split, r.Group)).ToList();
        var tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);
        var options = new PretrainingOptions
        {
            Config = PretrainingPresets.Get("micro"),
            ValidationSize = 100,
            Trainer = PretrainingOptions.DefaultTrainer with { Epochs = 16, BatchSize = 32, LearningRate = 3e-3, Seed = 3 },
        };

        var (model, first) = new ClipPretrainer(options).Run(pairs, tokenizer, temp.File("run1"), cancellationToken: TestContext.Current.CancellationToken);
        model.Dispose();
        var (again, second) = new ClipPretrainer(options).Run(pairs, tokenizer, temp.File("run2"), cancellationToken: TestContext.Current.CancellationToken);
        again.Dispose();

        // Gallery of 100 with about 60 distinct contents: chance R@1 is under 2%.
        Assert.True(first.Test.TextToImageR1 >= 15, $"text->image R@1 {first.Test.TextToImageR1}");
        Assert.True(first.Test.ImageToTextR1 >= 15, $"image->text R@1 {first.Test.ImageToTextR1}");
        Assert.True(first.Log.Epochs[^1].Loss < first.Log.Epochs[0].Loss * 0.8, "loss did not fall");
        Assert.Equal(first.Log.Epochs.Select(e => e.Loss), second.Log.Epochs.Select(e => e.Loss));
        Assert.Equal(first.Test, second.Test);
        Assert.True(File.Exists(Path.Combine(temp.File("run1"), Trainer.LogFile)));
    }

    [Fact]
    public void Too_little_data_is_a_clear_error()
    {
        var pairs = new[] { new ImageTextPair("a", "/nonexistent.png", ["a red circle"], "train") };
        var options = new PretrainingOptions { Config = PretrainingPresets.Get("micro") };
        var error = Assert.Throws<VidSearchException>(() => new ClipPretrainer(options).Run(pairs, ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary), "/tmp/unused", cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("training pairs", error.Message);
    }

    [Fact]
    public void Unknown_preset_names_the_known_ones()
    {
        var error = Assert.Throws<VidSearchException>(() => PretrainingPresets.Get("huge"));
        Assert.Contains("tiny", error.Message);
    }
}
