using VidSearch.Core;
using VidSearch.Media.Preprocessing;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Pretraining;
using VidSearch.Retrieval.Training;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;
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
    public void Misses_name_the_rival_that_beat_each_query_in_each_direction()
    {
        // Rows images, columns captions; items 0 and 2 show the same content (group 0).
        float[,] sim = { { 0.9f, 0.2f, 0.1f }, { 0.8f, 0.7f, 0.3f }, { 0.1f, 0.6f, 0.5f } };
        int[] groups = [0, 1, 0];
        var misses = ImageTextRetrieval.Misses(sim, groups);
        // image->text: image 1 scores caption 0 above its own (0.8 > 0.7); image 2's best equivalent caption (2, 0.5) is beaten
        // by caption 1 (0.6). text->image: every caption's best equivalent image wins (0.9 > 0.8, 0.7 > 0.6, 0.5 > 0.3).
        Assert.Equal(
            [new RetrievalMiss(RetrievalDirection.ImageToText, 1, 0), new RetrievalMiss(RetrievalDirection.ImageToText, 2, 1)],
            misses);
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData(48, 4)]
    public async Task A_short_run_learns_far_above_chance(int? lowResolution, int lowResolutionEpochs)
    {
        // The micro preset at a high learning rate: about 19k samples, ~35 s of CPU in all (rendering included).
        // One object per image (70 possible contents); the loss stays flat for ~4 epochs, then falls.
        // Second case, progressive resizing: epochs 1-4 on 48 px images (3x3 patches, the position grid resized); the
        // model is only ever evaluated at its own 64 px, so what it learned small must carry over.
        using var temp = new TempDirectory();
        var pairs = await StaticWorld(temp, pairs: 2000, seed: 7);
        var tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);
        var options = new PretrainingOptions
        {
            Config = PretrainingPresets.Get("micro"),
            ValidationSize = 100,
            LowResolution = lowResolution,
            LowResolutionEpochs = lowResolutionEpochs,
            Trainer = PretrainingOptions.DefaultTrainer with { Epochs = 12, BatchSize = 64, LearningRate = 2e-3, Seed = 3 },
        };

        var (model, result) = new ClipPretrainer(options).Run(pairs, tokenizer, temp.File("run"), cancellationToken: TestContext.Current.CancellationToken);
        model.Dispose();

        // Gallery of 100 held-out images with about 60 distinct contents: chance R@1 is under 2%.
        Assert.True(result.Test.TextToImageR1 >= 10, $"text->image {result.Test}");
        Assert.True(result.Test.ImageToTextR1 >= 10, $"image->text {result.Test}");
        Assert.True(result.Log.Epochs[^1].Loss < result.Log.Epochs[0].Loss * 0.8, "loss did not fall");
        Assert.True(File.Exists(Path.Combine(temp.File("run"), Trainer.LogFile)));
    }

    [Theory]
    [InlineData(40, 6, "--low-res")]
    [InlineData(64, 6, "--low-res")]
    [InlineData(32, 12, "--low-res-epochs")]
    [InlineData(32, 0, "--low-res-epochs")]
    [InlineData(null, 3, "--low-res-epochs")]
    public void Absurd_progressive_resizing_is_a_clear_error(int? size, int epochs, string option)
    {
        var options = new PretrainingOptions
        {
            Config = PretrainingPresets.Get("micro"),
            LowResolution = size,
            LowResolutionEpochs = epochs,
            Trainer = PretrainingOptions.DefaultTrainer with { Epochs = 12 },
        };
        var error = Assert.Throws<VidSearchException>(options.Validate);
        Assert.Contains(option, error.Message);
    }

    [Theory]
    [InlineData(1.5, 8, 0, "--hard-batches")]
    [InlineData(-0.5, 8, 0, "--hard-batches")]
    [InlineData(0.5, 1, 0, "--hard-batch-cluster")]
    [InlineData(0.5, 1000, 0, "--hard-batch-cluster")]
    [InlineData(0, 8, -1, "--text-contrast")]
    [InlineData(0, 8, double.NaN, "--text-contrast")]
    [InlineData(0, 8, 0, "--shards", 0)]
    [InlineData(0, 8, 0, "--shards", 65)]
    public void Absurd_hard_batches_text_contrast_and_shards_are_clear_errors(double share, int cluster, double textContrast, string option, int shards = 1)
    {
        var options = new PretrainingOptions
        {
            Config = PretrainingPresets.Get("micro"),
            HardBatches = share,
            HardBatchClusterSize = cluster,
            TextContrast = textContrast,
            Shards = shards,
        };
        var error = Assert.Throws<VidSearchException>(options.Validate);
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public async Task The_logit_scale_starts_from_the_given_temperature()
    {
        using var temp = new TempDirectory();
        var pairs = await StaticWorld(temp, pairs: 400, seed: 9);
        var tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);
        PretrainingOptions Options(double? temperature) => new()
        {
            Config = PretrainingPresets.Get("micro"),
            ValidationSize = 40,
            InitialTemperature = temperature,
            Trainer = PretrainingOptions.DefaultTrainer with { Epochs = 1, BatchSize = 32, Seed = 5 },
        };

        // One short epoch moves the logit (a log) by at most about steps x learning rate = 10 x 1e-3.
        foreach (var (temperature, scale) in new[] { ((double?)null, 1 / 0.07), (0.02, 50.0) })
        {
            var (model, result) = new ClipPretrainer(Options(temperature)).Run(pairs, tokenizer, temp.File($"t{temperature}"), cancellationToken: TestContext.Current.CancellationToken);
            model.Dispose();
            Assert.InRange(result.Log.Epochs[0].Metrics["logit_scale"], scale * 0.97, scale * 1.03);
        }

        var error = Assert.Throws<VidSearchException>(Options(0.001).Validate);
        Assert.Contains("--init-temperature", error.Message);
    }

    [Fact]
    public async Task The_caption_caption_term_separates_mirror_captions_that_image_text_training_leaves_together()
    {
        // Stills with mirror twins (one object, "... on the left" / "... on the right"), batched together. The same short
        // run with and without the caption-caption term; then the text embeddings of each training pair's first captions.
        using var temp = new TempDirectory();
        var world = new WorldOptions { Seed = 4, StaticPairs = 500, MaxObjects = 1, StillMirrors = 1, ValFraction = 0.1, TestFraction = 0.1 };
        await new DatasetWriter(world).WriteTaskAsync(temp.File("static"), SyntheticTask.Static, cancellationToken: TestContext.Current.CancellationToken);
        var pairs = PretrainingPairs.Load(temp.File("static")).ToList();
        var mirrorCaptions = pairs.Where(p => p.Split == "train").GroupBy(p => p.Unit)
            .Select(g => g.Select(p => p.Captions[0]).ToArray())
            .Where(c => c.Length == 2 && c[0] != c[1])
            .Take(40)
            .ToList();
        Assert.True(mirrorCaptions.Count >= 20);
        var tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);

        double MeanMirrorCosine(double textContrast)
        {
            var options = new PretrainingOptions
            {
                Config = PretrainingPresets.Get("micro"),
                ValidationSize = 40,
                TextContrast = textContrast,
                Trainer = PretrainingOptions.DefaultTrainer with { Epochs = 4, BatchSize = 32, LearningRate = 2e-3, Seed = 3 },
            };
            var (model, _) = new ClipPretrainer(options).Run(pairs, tokenizer, temp.File($"run-{textContrast}"), cancellationToken: TestContext.Current.CancellationToken);
            using (model)
            {
                var first = model.EncodeTexts(mirrorCaptions.Select(c => c[0]).ToList());
                var second = model.EncodeTexts(mirrorCaptions.Select(c => c[1]).ToList());
                return Enumerable.Range(0, mirrorCaptions.Count)
                    .Average(i => first.RowReadOnly(i).ToArray().Zip(second.RowReadOnly(i).ToArray(), (a, b) => (double)a * b).Sum());
            }
        }

        double plain = MeanMirrorCosine(0);
        double contrast = MeanMirrorCosine(1);
        Assert.True(contrast < plain - 0.2, $"mean cosine of mirror captions: {contrast:F3} with the caption-caption term, {plain:F3} without");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Runs_with_the_same_seed_are_identical(int shards)
    {
        using var temp = new TempDirectory();
        var pairs = await StaticWorld(temp, pairs: 400, seed: 9);
        var tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);
        var options = new PretrainingOptions
        {
            Config = PretrainingPresets.Get("micro"),
            ValidationSize = 40,
            Shards = shards,
            Trainer = PretrainingOptions.DefaultTrainer with { Epochs = 2, BatchSize = 32, Seed = 5 },
        };

        var (a, first) = new ClipPretrainer(options).Run(pairs, tokenizer, temp.File("a"), cancellationToken: TestContext.Current.CancellationToken);
        a.Dispose();
        var (b, second) = new ClipPretrainer(options).Run(pairs, tokenizer, temp.File("b"), cancellationToken: TestContext.Current.CancellationToken);
        b.Dispose();

        Assert.Equal(first.Log.Epochs.Select(e => e.Loss), second.Log.Epochs.Select(e => e.Loss));
        Assert.Equal(first.Test, second.Test);
    }

    [Fact]
    public async Task A_resumed_run_ends_like_an_uninterrupted_one()
    {
        // The trained token rows live outside the model while training: the checkpoint must carry them.
        using var temp = new TempDirectory();
        var pairs = await StaticWorld(temp, pairs: 400, seed: 9);
        var tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary);
        PretrainingOptions Options(int epochs) => new()
        {
            Config = PretrainingPresets.Get("micro"),
            ValidationSize = 40,
            Trainer = PretrainingOptions.DefaultTrainer with { Epochs = epochs, BatchSize = 32, LearningRate = 2e-3, Seed = 5 },
        };

        var (whole, uninterrupted) = new ClipPretrainer(Options(2)).Run(pairs, tokenizer, temp.File("whole"), cancellationToken: TestContext.Current.CancellationToken);
        whole.Dispose();
        long stepsPerEpoch = uninterrupted.Log.Epochs[0].Step;

        // Interrupted in the middle of the second epoch, after the first epoch's checkpoint.
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stopMidway = new SynchronousProgress(p =>
        {
            if (p.Task == "train" && p.Done == stepsPerEpoch + 2)
            {
                interrupt.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => new ClipPretrainer(Options(2)).Run(pairs, tokenizer, temp.File("split"), progress: stopMidway, cancellationToken: interrupt.Token));
        var (resumedModel, resumed) = new ClipPretrainer(Options(2)).Run(pairs, tokenizer, temp.File("split"), cancellationToken: TestContext.Current.CancellationToken);
        resumedModel.Dispose();

        Assert.Equal(uninterrupted.Log.Epochs.Select(e => e.Loss), resumed.Log.Epochs.Select(e => e.Loss));
        Assert.Equal(uninterrupted.Log.Epochs.Select(e => e.Metrics["val_t2i_r1"]), resumed.Log.Epochs.Select(e => e.Metrics["val_t2i_r1"]));
        Assert.Equal(uninterrupted.Test, resumed.Test);
    }

    private static async Task<List<ImageTextPair>> StaticWorld(TempDirectory temp, int pairs, long seed)
    {
        var world = new WorldOptions { Seed = seed, StaticPairs = pairs, MaxObjects = 1, ValFraction = 0.1, TestFraction = 0.1 };
        await new DatasetWriter(world).WriteTaskAsync(temp.File("static"), SyntheticTask.Static, cancellationToken: TestContext.Current.CancellationToken);
        return [.. PretrainingPairs.Load(temp.File("static"))];
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
    public void The_vision_position_embeddings_can_start_larger()
    {
        manual_seed(2);
        using var model = new VidSearch.Models.Clip.ClipModel(PretrainingPresets.Get("micro"), ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary), "test");
        Tensor Positions() => model.named_parameters().Single(p => p.name == "vision_model.embeddings.position_embedding.weight").parameter;
        Assert.InRange(Positions().std().item<float>(), 0.015, 0.025);
        var textPositions = model.named_parameters().Single(p => p.name == "text_model.embeddings.position_embedding.weight").parameter.clone();
        ClipPretrainer.ReinitialiseVisionPositions(model, 0.125);
        Assert.InRange(Positions().std().item<float>(), 0.11, 0.14);
        Assert.True(textPositions.eq(model.named_parameters().Single(p => p.name == "text_model.embeddings.position_embedding.weight").parameter).all().item<bool>());

        var error = Assert.Throws<VidSearchException>(() => new PretrainingOptions { Config = PretrainingPresets.Get("micro"), VisionPositionInitStd = 0 }.Validate());
        Assert.Contains("--position-init-std", error.Message);
    }

    [Fact]
    public void More_pixels_than_memory_holds_is_a_clear_error_naming_the_limit()
    {
        // 24000 stills of 2048 px would need 24000 x 3 x 2048 x 2048 bytes (281 GiB); refused before reading any image.
        var pairs = Enumerable.Range(0, 24000).Select(i => new ImageTextPair($"s{i}", "/nonexistent.png", ["a red circle"], "train")).ToList();
        var error = Assert.Throws<VidSearchException>(() => PreparedPairs.Load(pairs, PreprocessConfig.Clip(2048), ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary), 32,
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("24000 images of 2048x2048 pixels need 281.2 GiB", error.Message);
        Assert.Contains("--max-pairs", error.Message);
    }

    [Fact]
    public void Unknown_preset_names_the_known_ones()
    {
        var error = Assert.Throws<VidSearchException>(() => PretrainingPresets.Get("huge"));
        Assert.Contains("tiny", error.Message);
    }

    private sealed class SynchronousProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
