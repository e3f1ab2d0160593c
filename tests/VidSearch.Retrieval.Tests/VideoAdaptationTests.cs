using VidSearch.Core;
using VidSearch.Eval.Tasks;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Prompts;
using VidSearch.Retrieval.Video;
using VidSearch.Synthetic.Manifest;
using VidSearch.TestSupport;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

public sealed class VideoAdaptationTests
{
    private const int Frames = 6;
    private static readonly Lazy<ClipTokenizer> Tokenizer = new(() => ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary));

    private static ClipModel MicroClip(long seed = 3)
    {
        manual_seed(seed);
        var config = ClipConfig.Create(imageSize: 32, patch: 8, visionWidth: 64, visionLayers: 2, visionHeads: 2,
            textWidth: 64, textLayers: 2, textHeads: 2, embedDim: 64);
        var clip = new ClipModel(config, Tokenizer.Value);
        clip.eval();
        return clip;
    }

    private static readonly string[] Colors = ["red", "green", "blue", "yellow", "white", "purple", "orange", "black"];
    private static readonly float[][] Rgb =
    [
        [2, -1, -1], [-1, 2, -1], [-1, -1, 2], [2, 2, -1], [2, 2, 2], [1, -1, 2], [2, 0.5f, -1], [-1.5f, -1.5f, -1.5f],
    ];

    /// <summary>A square of one colour growing (or shrinking: the same frames reversed) on a noisy gray canvas.</summary>
    private static VideoClipPixels Growing(int colour, bool reversed, Random noise, string split, int pair)
    {
        const int s = 32;
        var pixels = new float[Frames * 3 * s * s];
        for (int f = 0; f < Frames; f++)
        {
            int step = reversed ? Frames - 1 - f : f;
            int half = 2 + step * 2;
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < s; y++)
                {
                    for (int x = 0; x < s; x++)
                    {
                        bool inside = Math.Abs(y - 16) < half && Math.Abs(x - 16) < half;
                        pixels[((f * 3 + c) * s + y) * s + x] = (inside ? Rgb[colour][c] : 0f) + (float)(noise.NextDouble() - 0.5) * 0.1f;
                    }
                }
            }
        }

        string verb = reversed ? "shrinks" : "grows";
        var row = new ManifestRow
        {
            Id = $"{split}-{pair}-{(reversed ? "r" : "f")}",
            Video = "none.mp4",
            Split = split,
            Captions = [$"the {Colors[colour]} square {verb}", $"a {Colors[colour]} square that {verb}"],
            Group = $"{split}-pair-{pair}",
        };
        return new VideoClipPixels(row, pixels, Enumerable.Repeat(true, Frames).ToArray());
    }

    private static List<VideoClipPixels> Pairs(int seed, string split)
    {
        var noise = new Random(seed);
        var list = new List<VideoClipPixels>();
        for (int k = 0; k < Colors.Length; k++)
        {
            list.Add(Growing(k, reversed: false, noise, split, k));
            list.Add(Growing(k, reversed: true, noise, split, k));
        }

        return list;
    }

    private static double ReversalAccuracy(VideoModel model, VideoSet set)
    {
        var (scores, captionVideo, _) = VideoHeadTrainer.EvaluateScores(model, set);
        return ReversalTest.Evaluate(scores, captionVideo, set.Rows.Select(r => r.Group).ToList()).Accuracy;
    }

    [Fact]
    public void Temporal_head_learns_the_order_that_mean_pooling_cannot_see()
    {
        using var clip = MicroClip();
        using var train = VideoSet.Encode(clip, Pairs(1, "train"), keepPixels: false, ct: TestContext.Current.CancellationToken);
        using var test = VideoSet.Encode(clip, Pairs(2, "test"), keepPixels: false, ct: TestContext.Current.CancellationToken);

        using var mean = new VideoModel(clip, Tokenizer.Value, new VideoTrainingOptions { Head = HeadFactory.Mean }, Frames);
        double meanAccuracy = ReversalAccuracy(mean, test);

        var options = new VideoTrainingOptions { Head = HeadFactory.Temporal, Epochs = 120, BatchSize = 16, LearningRate = 3e-3, Seed = 5 };
        manual_seed(5);
        using var temporal = new VideoModel(clip, Tokenizer.Value, options, Frames);
        double before = ReversalAccuracy(temporal, test);
        var result = VideoHeadTrainer.Train(temporal, train, test, null, ct: TestContext.Current.CancellationToken);
        double after = ReversalAccuracy(temporal, test);

        Assert.InRange(meanAccuracy, 0, 75);
        Assert.InRange(before, 0, 75); // a fresh temporal head is mean pooling
        Assert.True(after >= 90, $"temporal reversal accuracy {after:F1}% (mean {meanAccuracy:F1}%)");
        Assert.NotNull(result.ValidationT2vR1);
        Assert.Equal(options.Epochs, result.Log.Epochs.Count);
    }

    [Fact]
    public void Text_features_from_token_embeddings_match_the_ids_path()
    {
        using var clip = MicroClip();
        var tokens = Tokenizer.Value.EncodeBatch(["a red circle moves left", "blue"], clip.Config.ContextLength);
        int used = tokens.UsedLength;
        var ids = tensor(Enumerable.Range(0, tokens.Count).SelectMany(i => tokens.Row(i)[..used].ToArray()).ToArray(), [tokens.Count, used]);
        var ends = tensor(tokens.EndPositions.Select(p => (long)p).ToArray());
        using var _ = no_grad();
        var direct = clip.TextFeatures(ids, ends);
        var viaEmbeddings = clip.TextFeaturesFromEmbeddings(clip.TextTokenEmbeddings(ids), ends);
        Assert.True(direct.allclose(viaEmbeddings, rtol: 1e-5, atol: 1e-6));
        Assert.Throws<VidSearchException>(() => clip.TextFeaturesFromEmbeddings(zeros(1, 3, 5), ends));
    }

    [Fact]
    public void Prompts_are_inserted_after_the_start_token_and_only_they_receive_gradients()
    {
        using var clip = MicroClip();
        using var prompted = new PromptedTextEncoder(clip, 3);
        foreach (var p in clip.parameters())
        {
            p.requires_grad = false;
        }

        var embeddings = arange(2 * 4 * 64, dtype: ScalarType.Float32).reshape(2, 4, 64);
        var inserted = prompted.Insert(embeddings, [3, 2]);
        Assert.Equal([2, 7, 64], inserted.shape);
        Assert.True(inserted[.., 0].allclose(embeddings[.., 0], 0, 0));
        Assert.True(inserted[0, 1].allclose(prompted.Prompts[0], 0, 0));
        Assert.True(inserted[1, 3].allclose(prompted.Prompts[2], 0, 0));
        Assert.True(inserted[.., 4..].allclose(embeddings[.., 1..], 0, 0));

        var tokens = Tokenizer.Value.EncodeBatch(["the red square grows", "a square"], clip.Config.ContextLength);
        var features = prompted.Forward(tokens);
        Assert.Equal([2, 64], features.shape);
        features.sum().backward();
        Assert.True(prompted.Prompts.grad is { } g && g.abs().sum().item<float>() > 0);
        Assert.All(clip.parameters(), p => Assert.Null(p.grad));

        // The prompts change the text features (the end token moved by N and attends to them).
        using var plain = new VideoModel(clip, Tokenizer.Value, new VideoTrainingOptions(), Frames);
        var plainFeatures = plain.EncodeTextsNoGrad(["the red square grows"]);
        var promptedFeatures = nn.functional.normalize(prompted.Forward(Tokenizer.Value.EncodeBatch(["the red square grows"], clip.Config.ContextLength)), dim: -1).detach();
        Assert.False(plainFeatures.allclose(promptedFeatures, atol: 1e-4));
        Assert.Throws<VidSearchException>(() => new PromptedTextEncoder(clip, 0));
    }

    [Fact]
    public void Prompts_after_the_caption_go_right_before_each_rows_end_token_and_read_the_caption()
    {
        using var clip = MicroClip();
        using var after = new PromptedTextEncoder(clip, 2, PromptPlacement.After);
        using var both = new PromptedTextEncoder(clip, 2, PromptPlacement.Both);
        Assert.Equal(2, after.Inserted);
        Assert.Equal(4, both.Inserted);
        Assert.Equal([4, 64], both.Prompts.shape);

        // Row 0 ends at 3 (tokens 0..3), row 1 at 2 (then padding at 3).
        var embeddings = arange(2 * 4 * 64, dtype: ScalarType.Float32).reshape(2, 4, 64);
        var inserted = after.Insert(embeddings, [3, 2]);
        Assert.Equal([2, 6, 64], inserted.shape);
        Assert.True(inserted[0, ..3].allclose(embeddings[0, ..3], 0, 0));
        Assert.True(inserted[0, 3..5].allclose(after.Prompts, 0, 0));
        Assert.True(inserted[0, 5].allclose(embeddings[0, 3], 0, 0));
        Assert.True(inserted[1, ..2].allclose(embeddings[1, ..2], 0, 0));
        Assert.True(inserted[1, 2..4].allclose(after.Prompts, 0, 0));
        Assert.True(inserted[1, 4..].allclose(embeddings[1, 2..], 0, 0));

        var twoSided = both.Insert(embeddings, [3, 2]);
        Assert.Equal([2, 8, 64], twoSided.shape);
        Assert.True(twoSided[1, 1..3].allclose(both.Prompts[..2], 0, 0));
        Assert.True(twoSided[1, 4..6].allclose(both.Prompts[2..], 0, 0));
        Assert.True(twoSided[1, 6].allclose(embeddings[1, 2], 0, 0));

        // Through the frozen text tower: gradients reach the prompts, and the output of a prompt after the caption
        // depends on the caption's words (it attends to them), unlike a prompt before it.
        foreach (var p in clip.parameters())
        {
            p.requires_grad = false;
        }

        var features = after.Forward(Tokenizer.Value.EncodeBatch(["a red circle moves left", "a red circle moves right"], clip.Config.ContextLength));
        features.sum().backward();
        Assert.True(after.Prompts.grad is { } g && g.abs().sum().item<float>() > 0);
        Assert.False(features[0].allclose(features[1], atol: 1e-5));
        Assert.Throws<VidSearchException>(() => new PromptedTextEncoder(clip, 40, PromptPlacement.Both));
    }

    [Fact]
    public void Fresh_temporal_attention_reproduces_the_frozen_frames_and_keeps_videos_apart()
    {
        using var clip = MicroClip();
        using var adapter = new TemporalAttentionAdapter(clip, maxFrames: 4);
        manual_seed(7);
        var pixels = randn(new long[] { 2, 4, 3, 32, 32 });
        var mask = ones(2, 4, dtype: ScalarType.Bool);
        using var _ = no_grad();
        var frozen = clip.ImageFeatures(pixels.reshape(8, 3, 32, 32)).reshape(2, 4, -1);
        Assert.True(adapter.Forward(pixels, mask).allclose(frozen, atol: 1e-5));
        Assert.Equal(new float[clip.Config.Vision.NumHiddenLayers], adapter.Scales());

        adapter.get_parameter("scales")!.fill_(1f);
        var mixed = adapter.Forward(pixels, mask);
        Assert.False(mixed.allclose(frozen, atol: 1e-4));
        var changed = pixels.clone();
        changed[1].copy_(randn(4, 3, 32, 32));
        var mixed2 = adapter.Forward(changed, mask);
        Assert.True(mixed2[0].allclose(mixed[0], atol: 1e-5)); // video 0 does not see video 1
        Assert.False(mixed2[1].allclose(mixed[1], atol: 1e-4));

        // A padding frame never reaches the valid frames, whatever its pixels.
        var padded = mask.clone();
        padded[0, 3] = tensor(false);
        var withPadding = adapter.Forward(pixels, padded);
        var noisyPadding = pixels.clone();
        noisyPadding[0, 3].copy_(randn(3, 32, 32) * 5);
        Assert.True(adapter.Forward(noisyPadding, padded)[0].narrow(0, 0, 3).allclose(withPadding[0].narrow(0, 0, 3), atol: 1e-5));

        // Divided attention acts on patch tokens too: with every other frame identical, a change confined to one patch of
        // frame 3 changes frame 0's class embedding only through temporal attention at that patch position.
        var patchChanged = pixels.clone();
        patchChanged[0, 3, .., ..8, ..8].add_(3f);
        var before = adapter.Forward(pixels, mask);
        var after = adapter.Forward(patchChanged, mask);
        Assert.False(after[0, 0].allclose(before[0, 0], atol: 1e-5));
        adapter.get_parameter("scales")!.fill_(0f);
        Assert.True(adapter.Forward(patchChanged, mask)[0, 0].allclose(frozen[0, 0], atol: 1e-5));
        adapter.get_parameter("scales")!.fill_(1f);

        // Temporal positions make it order-aware: the reversed video is not just the forward frames reversed.
        var reversedPixels = pixels.flip(1);
        var reversedOut = adapter.Forward(reversedPixels, mask);
        Assert.False(reversedOut.flip(1).allclose(adapter.Forward(pixels, mask), atol: 1e-4));
        Assert.Throws<VidSearchException>(() => adapter.Forward(randn(new long[] { 1, 5, 3, 32, 32 }), ones(1, 5, dtype: ScalarType.Bool)));
        Assert.Throws<VidSearchException>(() => new TemporalAttentionAdapter(clip, 0));

        // Token reduction keeps the shapes and changes the result.
        var kept = adapter.Forward(pixels, mask, new TokenReduction(TokenKeep: 4));
        var masked = adapter.Forward(pixels, mask, new TokenReduction(MaskRatio: 0.5));
        Assert.Equal(mixed.shape, kept.shape);
        Assert.Equal(mixed.shape, masked.shape);
        Assert.False(kept.allclose(mixed, atol: 1e-4));
    }

    [Fact]
    public void Twin_batches_put_both_clips_of_a_group_in_one_training_unit()
    {
        using var clip = MicroClip();
        using var set = VideoSet.Encode(clip, Pairs(1, "train"), keepPixels: false, ct: TestContext.Current.CancellationToken);
        var single = VideoHeadTrainer.TrainingUnits(set, twinBatches: false);
        Assert.Equal(set.Count, single.Count);
        var twins = VideoHeadTrainer.TrainingUnits(set, twinBatches: true);
        Assert.Equal(set.Count / 2, twins.Count);
        Assert.All(twins, u => Assert.Equal(2, u.Length));
        Assert.All(twins, u => Assert.Equal(set.Rows[u[0]].Group, set.Rows[u[1]].Group));
        Assert.Equal(Enumerable.Range(0, set.Count), twins.SelectMany(u => u).Order());
    }

    [Fact]
    public void Temporal_head_trained_with_twin_batches_learns_the_order()
    {
        using var clip = MicroClip();
        using var train = VideoSet.Encode(clip, Pairs(1, "train"), keepPixels: false, ct: TestContext.Current.CancellationToken);
        using var test = VideoSet.Encode(clip, Pairs(2, "test"), keepPixels: false, ct: TestContext.Current.CancellationToken);
        var options = new VideoTrainingOptions { Head = HeadFactory.Temporal, TwinBatches = true, Epochs = 60, BatchSize = 8, LearningRate = 3e-3, Seed = 5 };
        manual_seed(5);
        using var temporal = new VideoModel(clip, Tokenizer.Value, options, Frames);
        var result = VideoHeadTrainer.Train(temporal, train, null, null, ct: TestContext.Current.CancellationToken);
        double after = ReversalAccuracy(temporal, test);
        Assert.True(after >= 90, $"temporal +twins reversal accuracy {after:F1}%");
        Assert.Equal(60 * 2, result.Log.Epochs[^1].Step); // 8 groups, 4 groups (8 clips) a batch
    }

    [Fact]
    public void Temporal_attention_trains_its_scales_and_the_model_round_trips()
    {
        using var clip = MicroClip();
        using var train = VideoSet.Encode(clip, Pairs(1, "train"), keepPixels: true, ct: TestContext.Current.CancellationToken);
        var options = new VideoTrainingOptions { Head = HeadFactory.Mean, TemporalAttention = true, Prompts = 2, TokenKeep = 12, TextAdapter = true, Epochs = 3, BatchSize = 8, Seed = 2 };
        manual_seed(2);
        using var model = new VideoModel(clip, Tokenizer.Value, options, Frames);
        using (var fresh = model.EncodeBaseTexts(["the red square grows"]))
        {
            Assert.True(model.AdaptTexts(fresh).allclose(fresh, atol: 1e-6)); // a fresh text adapter is the identity
        }

        VideoHeadTrainer.Train(model, train, null, null, ct: TestContext.Current.CancellationToken);
        Assert.Contains(model.TemporalAttention!.Scales(), s => s != 0);
        Assert.Contains(model.TextAdapter!.parameters(), p => p.abs().sum().item<float>() > 0);

        using var dir = new TempDirectory();
        model.Save(dir.Path, "micro-clip", "uniform:6");
        var (loaded, config) = VideoModel.Load(dir.Path, clip, Tokenizer.Value);
        using (loaded)
        {
            Assert.Equal("mean", config.Head);
            Assert.Equal("micro-clip", config.ClipModel);
            Assert.Equal(2, config.Prompts);
            var (a, _, _) = VideoHeadTrainer.EvaluateScores(model, train);
            var (b, _, _) = VideoHeadTrainer.EvaluateScores(loaded, train);
            Assert.Equal(a, b);
        }
    }

    [Fact]
    public void Bad_options_are_refused_with_the_option_named()
    {
        var e = Assert.Throws<VidSearchException>(() => new VideoTrainingOptions { MaskRatio = 0.5 }.Validate());
        Assert.Contains("--mask-ratio", e.Message);
        Assert.Contains("--head", Assert.Throws<VidSearchException>(() => new VideoTrainingOptions { Head = "nope" }.Validate()).Message);
        Assert.Contains("--epochs", Assert.Throws<VidSearchException>(() => new VideoTrainingOptions { Epochs = 0 }.Validate()).Message);
        Assert.Contains("--mask-ratio", Assert.Throws<VidSearchException>(() => new TokenReduction(MaskRatio: 1).Validate(16)).Message);
        Assert.Contains("--token-keep", Assert.Throws<VidSearchException>(() => new TokenReduction(TokenKeep: 17).Validate(16)).Message);
        using var clip = MicroClip();
        Assert.Throws<VidSearchException>(() => VideoSet.Encode(clip, [], false, ct: TestContext.Current.CancellationToken));
    }
}
