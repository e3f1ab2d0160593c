using VidSearch.Core;
using VidSearch.Retrieval.Heads;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

public class HeadTests
{
    private const int Dim = 8;
    private static readonly HeadOptions Options = new() { Dim = Dim, MaxFrames = 6, AttentionHeads = 2, Prototypes = 3, SalientFrames = 2, ClipFrames = 2, Temperature = 0.1f };

    private static IVideoHead Create(string name)
    {
        manual_seed(7);
        var head = HeadFactory.Create(name, Options);
        RandomizeParameters(head);
        return head;
    }

    /// <summary>Zero-initialised projections would hide masking bugs: give every parameter random values.</summary>
    private static void RandomizeParameters(IVideoHead head)
    {
        using var noGrad = no_grad();
        foreach (var p in head.AsModule().parameters())
        {
            p.copy_(randn_like(p) * 0.3);
        }
    }

    private static (TextInputs Text, VideoInputs Video) Inputs(long seed, bool words = true)
    {
        manual_seed(seed);
        var frames = randn(3, 6, Dim);
        var mask = tensor(new[] { true, true, true, true, true, true, true, true, true, true, false, false, true, false, false, false, false, false }, new long[] { 3, 6 });
        var sentence = randn(4, Dim);
        var text = words
            ? new TextInputs(sentence, randn(4, 5, Dim), tensor(new[] { true, true, true, true, true, true, true, false, false, false, true, true, true, true, false, true, false, false, false, false }, new long[] { 4, 5 }))
            : new TextInputs(sentence);
        return (text, new VideoInputs(frames, mask));
    }

    public static TheoryData<string> AllHeads() => new(HeadFactory.Names);

    [Fact]
    public void Factory_lists_every_head_and_rejects_unknown_names()
    {
        Assert.Equal(["mean", "temporal", "text-pool", "xclip", "prototypes", "salient", "hierarchical", "ensemble"], HeadFactory.Names);
        foreach (var name in HeadFactory.Names)
        {
            var head = HeadFactory.Create(name, Options);
            Assert.Equal(name, head.Name);
            Assert.Same(head, head.AsModule());
        }

        var e = Assert.Throws<VidSearchException>(() => HeadFactory.Create("lstm", Options));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("lstm", e.Message);
    }

    [Fact]
    public void Absurd_options_are_rejected_by_name()
    {
        var e = Assert.Throws<VidSearchException>(() => HeadFactory.Create("temporal", Options with { AttentionHeads = 3 }));
        Assert.Contains("AttentionHeads", e.Message);
        e = Assert.Throws<VidSearchException>(() => HeadFactory.Create("text-pool", Options with { Temperature = 0 }));
        Assert.Contains("Temperature", e.Message);
        e = Assert.Throws<VidSearchException>(() => HeadFactory.Create("mean", Options with { Dim = 0 }));
        Assert.Contains("Dim", e.Message);
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void Every_head_gives_query_by_video_scores_and_unit_embeddings(string name)
    {
        var head = Create(name);
        var (text, video) = Inputs(1);
        using var scores = head.Score(text, video);
        Assert.Equal(new long[] { 4, 3 }, scores.shape);
        Assert.All(TensorAssert.Values(scores), v => Assert.True(float.IsFinite(v) && v is >= -1.0001f and <= 1.0001f, $"score {v}"));

        using var sentenceOnly = head.Score(new TextInputs(text.Sentence), video);
        Assert.Equal(new long[] { 4, 3 }, sentenceOnly.shape);

        using var embedding = head.VideoEmbedding(video.Frames, video.Mask);
        Assert.Equal(new long[] { 3, Dim }, embedding.shape);
        TensorAssert.Close(ones(3), embedding.norm(1));
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void Padding_frames_and_padding_words_do_not_change_scores(string name)
    {
        var head = Create(name);
        var (text, video) = Inputs(2);
        using var before = head.Score(text, video);
        using var embeddingBefore = head.VideoEmbedding(video.Frames, video.Mask);

        var noisyFrames = where(video.Mask.unsqueeze(-1), video.Frames, randn_like(video.Frames) * 5);
        var noisyWords = where(text.WordMask!.unsqueeze(-1), text.Words!, randn_like(text.Words!) * 5);
        using var after = head.Score(text with { Words = noisyWords }, video with { Frames = noisyFrames });
        using var embeddingAfter = head.VideoEmbedding(noisyFrames, video.Mask);

        TensorAssert.Close(before, after, 1e-5f);
        TensorAssert.Close(embeddingBefore, embeddingAfter, 1e-5f);
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void Scores_do_not_depend_on_the_other_videos_of_the_batch(string name)
    {
        var head = Create(name);
        var (text, video) = Inputs(3);
        using var all = head.Score(text, video);
        using var second = head.Score(text, video.Select(tensor(new long[] { 1 })));
        TensorAssert.Close(all.narrow(1, 1, 1), second, 1e-5f);
    }

    [Fact]
    public void Mean_head_equals_hand_computed_mean_pooling()
    {
        var head = HeadFactory.Create("mean", new HeadOptions { AttentionHeads = 1, Dim = 2 });
        Assert.False(head.IsQueryConditioned);
        var frames = tensor(new float[] { 3, 4, 0, 2, 9, 9 }, new long[] { 1, 3, 2 });
        var mask = tensor(new[] { true, true, false }, new long[] { 1, 3 });
        // normalised frames (0.6, 0.8) and (0, 1): mean (0.3, 0.9), normalised (1, 3) / sqrt(10).
        float s = (float)Math.Sqrt(10);
        TensorAssert.Close([1 / s, 3 / s], TensorAssert.Values(head.VideoEmbedding(frames, mask)));
        var score = head.Score(new TextInputs(tensor(new float[] { 0, 5 }, new long[] { 1, 2 })), new VideoInputs(frames, mask));
        TensorAssert.Close([3 / s], TensorAssert.Values(score));

        var expected = VectorMath.MeanNormalized(new EmbeddingMatrix([3, 4, 0, 2, 9, 9], 3, 2), [true, true, false]);
        TensorAssert.Close(expected, TensorAssert.Values(head.VideoEmbedding(frames, mask)));
    }

    [Fact]
    public void Text_pool_with_equal_similarities_equals_mean_pooling()
    {
        var options = new HeadOptions { AttentionHeads = 1, Dim = 4, Temperature = 0.01f };
        var textPool = HeadFactory.Create("text-pool", options);
        var mean = HeadFactory.Create("mean", options);
        Assert.True(textPool.IsQueryConditioned);
        // Every frame has cosine 1/sqrt(2) with the query e0.
        var frames = tensor(new float[] { 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1 }, new long[] { 1, 3, 4 });
        var video = VideoInputs.Unmasked(frames);
        var text = new TextInputs(tensor(new float[] { 2, 0, 0, 0 }, new long[] { 1, 4 }));
        TensorAssert.Close(mean.Score(text, video), textPool.Score(text, video));
    }

    [Fact]
    public void Text_pool_concentrates_on_the_frame_matching_the_query()
    {
        var textPool = HeadFactory.Create("text-pool", new HeadOptions { AttentionHeads = 1, Dim = 2, Temperature = 0.01f });
        var frames = tensor(new float[] { 1, 0, 0, 1 }, new long[] { 1, 2, 2 });
        var score = textPool.Score(new TextInputs(tensor(new float[] { 1, 0 }, new long[] { 1, 2 })), VideoInputs.Unmasked(frames));
        Assert.True(TensorAssert.Values(score)[0] > 0.99f);
    }

    [Fact]
    public void Ensemble_equals_mean_of_per_frame_cosines()
    {
        var head = HeadFactory.Create("ensemble", new HeadOptions { AttentionHeads = 1, Dim = 2 });
        var frames = tensor(new float[] { 1, 0, 0, 3, 1, 1, 7, 7 }, new long[] { 1, 4, 2 });
        var mask = tensor(new[] { true, true, true, false }, new long[] { 1, 4 });
        var text = new TextInputs(tensor(new float[] { 1, 0 }, new long[] { 1, 2 }));
        float expected = (1f + 0f + (1f / MathF.Sqrt(2))) / 3;
        TensorAssert.Close([expected], TensorAssert.Values(head.Score(text, new VideoInputs(frames, mask))));
    }

    [Fact]
    public void Salient_scores_only_the_most_query_relevant_frames()
    {
        var head = HeadFactory.Create("salient", new HeadOptions { AttentionHeads = 1, Dim = 2, SalientFrames = 2 });
        // Frames at cosines 1, 0.8, -1 to the query; the two best are (1,0) and (0.8,0.6).
        var frames = tensor(new float[] { -1, 0, 1, 0, 0.8f, 0.6f }, new long[] { 1, 3, 2 });
        var text = new TextInputs(tensor(new float[] { 1, 0 }, new long[] { 1, 2 }));
        float expected = 0.9f / MathF.Sqrt((0.9f * 0.9f) + (0.3f * 0.3f));
        TensorAssert.Close([expected], TensorAssert.Values(head.Score(text, VideoInputs.Unmasked(frames))));
    }

    [Theory]
    [InlineData("temporal")]
    [InlineData("hierarchical")]
    [InlineData("xclip")]
    public void Fresh_temporal_encoders_start_as_mean_pooling(string name)
    {
        manual_seed(3);
        var head = HeadFactory.Create(name, Options);
        var mean = HeadFactory.Create("mean", Options);
        var (text, video) = Inputs(4, words: false);
        if (name == "temporal")
        {
            TensorAssert.Close(mean.Score(text, video), head.Score(text, video), 1e-5f);
        }
        else
        {
            Assert.True(head.IsQueryConditioned);
        }

        TensorAssert.Close(mean.VideoEmbedding(video.Frames, video.Mask), head.VideoEmbedding(video.Frames, video.Mask), 1e-5f);
    }

    [Fact]
    public void Prototype_diversity_loss_is_zero_for_orthogonal_prototypes_and_positive_for_equal_ones()
    {
        manual_seed(5);
        var head = (PrototypeHead)HeadFactory.Create("prototypes", Options);
        var (text, video) = Inputs(5);
        var prototypes = head.PrototypeEmbeddings(video);
        Assert.Equal(new long[] { 3, 3, Dim }, prototypes.shape);
        // A fresh head's prototypes are all close to the mean of the frames: the loss is near its maximum.
        float fresh = head.RegularizationLoss(video).item<float>();
        Assert.True(fresh > 0.5f * Options.DiversityWeight, $"fresh loss {fresh}");

        // One valid frame per video and one-hot frames: prototypes can only be that frame -> cos 1 -> maximal loss.
        var single = VideoInputs.Unmasked(eye(Dim).narrow(0, 0, 1).unsqueeze(0));
        Assert.Equal(Options.DiversityWeight, head.RegularizationLoss(single).item<float>(), 4);

        var scores = head.Score(text, video);
        var manual = einsum("qd,bkd->qbk", nn.functional.normalize(text.Sentence, dim: -1), prototypes).max(-1).values;
        TensorAssert.Close(manual, scores);
    }

    [Fact]
    public void Bad_inputs_give_clear_errors()
    {
        var head = HeadFactory.Create("temporal", Options);
        var e = Assert.Throws<VidSearchException>(() => head.VideoEmbedding(zeros(2, 3, Dim + 1), ones(2, 3, dtype: ScalarType.Bool)));
        Assert.Contains("video.Frames", e.Message);
        e = Assert.Throws<VidSearchException>(() => head.VideoEmbedding(zeros(2, 3, Dim), ones(2, 3)));
        Assert.Contains("video.Mask", e.Message);
        e = Assert.Throws<VidSearchException>(() => head.VideoEmbedding(zeros(1, 9, Dim), ones(1, 9, dtype: ScalarType.Bool)));
        Assert.Contains("MaxFrames", e.Message);
        e = Assert.Throws<VidSearchException>(() => head.VideoEmbedding(randn(1, 3, Dim), zeros(1, 3, dtype: ScalarType.Bool)));
        Assert.Contains("no valid frame", e.Message);
        e = Assert.Throws<VidSearchException>(() => head.Score(new TextInputs(zeros(2, Dim), zeros(2, 3, Dim)), VideoInputs.Unmasked(randn(1, 3, Dim))));
        Assert.Contains("WordMask", e.Message);
    }
}
