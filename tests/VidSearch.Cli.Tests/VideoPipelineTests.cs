using VidSearch.Core;
using VidSearch.Media.Decoding;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;
using VidSearch.Models.Loading;
using VidSearch.Models.Video;
using VidSearch.TestSupport;

namespace VidSearch.Cli.Tests;

/// <summary>The library side of the wiring: model opening, the video pipeline and segmenting.</summary>
[Collection(nameof(ConsoleCapture))]
public class VideoPipelineTests(TinyWorld world)
{
    private static VideoInfo Info(double duration) => new("v.mp4", duration, 8, false, 64, 64, 0, "h264", false, (long)(duration * 8));

    /// <summary>Frame i has embedding e_i (a one-hot row), so means are easy to check.</summary>
    private static EmbeddedVideo Video(double duration, SamplingPlan plan, bool[] decoded)
    {
        var frames = new EmbeddingMatrix(plan.Count, 8);
        for (int i = 0; i < plan.Count; i++)
        {
            if (decoded[i])
            {
                frames.Row(i)[i % 8] = 1;
            }
        }

        return new EmbeddedVideo(Info(duration), plan, new FrameEmbeddings(frames, plan.Timestamps, decoded), new DecodeReport());
    }

    [Fact]
    public void FramesBecomeSegmentsThatTileTheVideo()
    {
        var plan = new UniformSampling(4).Plan(Info(4));
        var segments = VideoSegmenter.Segments(Video(4, plan, [true, true, false, true]));
        Assert.Equal([(0.0, 1.0), (1.0, 2.5), (2.5, 4.0)], segments.Select(s => (s.Start, s.End)));
        Assert.Equal(1f, segments[2].Embedding[3]);

        var pairs = VideoSegmenter.Segments(Video(4, plan, [true, true, true, true]), framesPerSegment: 2);
        Assert.Equal([(0.0, 2.0), (2.0, 4.0)], pairs.Select(s => (s.Start, s.End)));
        Assert.Equal(MathF.Sqrt(0.5f), pairs[0].Embedding[0], 5);
        Assert.Equal(MathF.Sqrt(0.5f), pairs[0].Embedding[1], 5);
        Assert.Throws<VidSearchException>(() => VideoSegmenter.Segments(Video(4, plan, [true, true, true, true]), framesPerSegment: 0));
    }

    [Fact]
    public void WindowsAreTheSegmentsWhenTheSamplingMakesThem()
    {
        var plan = new SlidingWindowSampling(2, 2, 2).Plan(Info(5));
        Assert.Equal(6, plan.Count);
        var segments = VideoSegmenter.Segments(Video(5, plan, [true, true, false, false, true, true]));
        // The second window had no decoded frame: it is left out rather than given a made-up embedding.
        Assert.Equal([(0.0, 2.0), (4.0, 5.0)], segments.Select(s => (s.Start, s.End)));
        Assert.Equal(MathF.Sqrt(0.5f), segments[1].Embedding[4], 5);
    }

    [Fact]
    public void PipelineEmbedsInPlanOrderAndKeepsWhatDecodesOfATruncatedVideo()
    {
        using var opened = ModelOpener.Open(world.Model);
        var pipeline = new VideoEmbeddingPipeline(opened.Model, "fps:4", new VideoEmbeddingOptions { BatchSize = 3 });
        var whole = pipeline.Embed(world.Videos[2]);
        Assert.Null(whole.Problem);
        Assert.Equal(whole.Plan.Count, whole.FramesEncoded);
        Assert.Equal(whole.Plan.Timestamps, whole.Frames.Timestamps);

        // Frame by frame through the encoder gives the same rows: batching and the decode thread keep the order.
        var single = new VideoEmbeddingPipeline(opened.Model, "fps:4", new VideoEmbeddingOptions { BatchSize = 1 }).Embed(world.Videos[2]);
        for (int i = 0; i < whole.Frames.Frames.Data.Length; i++)
        {
            Assert.Equal(whole.Frames.Frames.Data[i], single.Frames.Frames.Data[i], tolerance: 1e-4f);
        }

        string truncated = world.Temp("pipeline-truncated.mp4");
        var bytes = File.ReadAllBytes(SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4")); // moov first: still probes when cut
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var part = new VideoEmbeddingPipeline(opened.Model, "fps:1").Embed(truncated);
        Assert.InRange(part.FramesEncoded, 1, part.Plan.Count - 1);
        Assert.Contains("could not be decoded", part.Problem);
        Assert.All(Enumerable.Range(0, part.Plan.Count).Where(i => !part.Frames.Mask[i]), i => Assert.All(part.Frames.Frames.Row(i).ToArray(), x => Assert.Equal(0f, x)));

        string garbage = world.Temp("garbage.mp4");
        File.WriteAllBytes(garbage, new byte[4000]);
        var error = Assert.Throws<VidSearchException>(() => pipeline.Embed(garbage));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
    }

    [Fact]
    public void OpenerNamesTheProblem()
    {
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ModelOpener.Open(world.Temp("missing-model"))).Kind);
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => ModelOpener.Open(world.Image)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => ModelOpener.ParseBackend("gpu")).Kind);
        Assert.Equal(Models.Clip.ClipBackend.OnnxRuntime, ModelOpener.ParseBackend("onnx"));
        using var opened = ModelOpener.Open(world.Model);
        Assert.Equal(Models.Clip.ClipBackend.TorchSharp, opened.Backend);
        Assert.Equal(5, opened.CountTokens("a red circle")); // start, a, red, circle, end
    }
}
