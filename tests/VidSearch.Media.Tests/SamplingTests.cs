using VidSearch.Core;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;
using VidSearch.Media.Shots;

namespace VidSearch.Media.Tests;

public class SamplingTests
{
    private static VideoInfo Video(double duration, double fps = 30)
        => new("v.mp4", duration, fps, false, 320, 240, 0, "h264", false, (long)(duration * fps));

    [Fact]
    public void Clip4clip_takes_one_frame_a_second_then_linspace_indices_rounded_down()
    {
        // 30 s: 30 candidates at 0..29 s; numpy.linspace(0, 29, 12).astype(int) = 0 2 5 7 10 13 15 18 21 23 26 29.
        var plan = new Clip4ClipSampling(12).Plan(Video(30));
        Assert.Equal(new double[] { 0, 2, 5, 7, 10, 13, 15, 18, 21, 23, 26, 29 }, plan.Timestamps);
        Assert.All(plan.Mask, Assert.True);

        // 10.2 s: 11 candidates (0..10 s), all kept, one padded slot masked out.
        var short10 = new Clip4ClipSampling(12).Plan(Video(10.2));
        Assert.Equal(11, short10.ValidCount);
        Assert.False(short10.Mask[11]);
        Assert.Equal(Enumerable.Range(0, 11).Select(i => (double)i), short10.ValidTimestamps);

        // Exactly 10 s has no frame at 10 s; a 0.02 s clip has one frame.
        Assert.Equal(10, new Clip4ClipSampling(12).Plan(Video(10)).ValidCount);
        Assert.Equal(1, new Clip4ClipSampling(12).Plan(Video(0.02)).ValidCount);
        Assert.Equal(new[] { 0, 1, 3, 4, 6, 7, 9 }, Clip4ClipSampling.LinspaceFloor(9, 7));
    }

    [Fact]
    public void Uniform_fixed_rate_and_windows()
    {
        Assert.Equal(new[] { 1.0, 3.0, 5.0, 7.0 }, new UniformSampling(4).Plan(Video(8)).Timestamps);
        Assert.Equal(new[] { 0, 0.5, 1.0, 1.5 }, new FixedRateSampling(2).Plan(Video(2)).Timestamps);

        var windows = new SlidingWindowSampling(4, 2, 2);
        var plan = windows.Plan(Video(9));
        Assert.Equal(new TimeSegment[] { new(0, 4), new(2, 6), new(4, 8), new(6, 9) }, plan.Segments);
        Assert.Equal(new[] { 1.0, 3.0, 3.0, 5.0, 5.0, 7.0, 6.75, 8.25 }, plan.Timestamps);
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2, 3, 3 }, plan.FrameSegments);

        // A video shorter than one window is one (clipped) window.
        Assert.Equal(new TimeSegment[] { new(0, 3) }, windows.Windows(Video(3)));
    }

    [Fact]
    public void Shots_become_segments_with_frames_inside_each()
    {
        var shots = ShotDetector.Segments([2.0, 2.2, 5.0, 9.8], duration: 10, minShotSeconds: 0.5);
        Assert.Equal(new TimeSegment[] { new(0, 2), new(2, 5), new(5, 10) }, shots);
        var plan = new ShotSampling(framesPerShot: 1).Plan(Video(10), shots);
        Assert.Equal(new[] { 1.0, 3.5, 7.5 }, plan.Timestamps);
        Assert.Equal(new[] { 0, 1, 2 }, plan.FrameSegments);
    }

    [Fact]
    public void Specs_parse_to_strategies_and_bad_specs_are_refused()
    {
        Assert.Equal("clip4clip:12", SamplingStrategies.Parse("clip4clip").Name);
        Assert.Equal("clip4clip:8", SamplingStrategies.Parse("CLIP4Clip:8").Name);
        Assert.Equal("uniform:8", SamplingStrategies.Parse("uniform:8").Name);
        Assert.Equal("fps:0.5", SamplingStrategies.Parse("fps:0.5").Name);
        Assert.Equal("windows:4:2:4", SamplingStrategies.Parse("windows:4:2").Name);
        Assert.IsType<ShotSampling>(SamplingStrategies.Parse("shots"));
        Assert.Equal(2, ((ShotSampling)SamplingStrategies.Parse("shots:2:0.4")).FramesPerShot);

        foreach (string bad in new[] { "", "nearest", "uniform", "uniform:0", "uniform:x", "fps:-1", "fps:0", "windows:4", "windows:0:1", "clip4clip:100000", "shots:1:2", "fps:NaN" })
        {
            var e = Assert.Throws<VidSearchException>(() => SamplingStrategies.Parse(bad));
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
            Assert.Equal("--strategy", e.Subject);
        }

        Assert.Throws<VidSearchException>(() => new FixedRateSampling(1000).Plan(Video(3600 * 10)));
    }
}
