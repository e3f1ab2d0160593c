using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Media.Decoding;
using VidSearch.Media.Sampling;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

public class FrameSamplerTests
{
    [Fact]
    public void OpenAll_gives_the_videos_in_order_as_Open_does_and_goes_on_past_a_broken_file()
    {
        using var temp = new TempDirectory();
        string broken = Path.Combine(temp.Path, "notes.mp4");
        File.WriteAllText(broken, "this is not a video");
        var clips = RealClips.All().Take(4).ToList();
        var paths = new List<string> { clips[0], clips[1], broken, clips[2], clips[3] };
        var sampler = new FrameSampler(new UniformSampling(4));

        var opened = sampler.OpenAll(paths, lookahead: 2).ToList();

        Assert.Equal(paths, opened.Select(o => o.Path));
        var failure = Assert.Single(opened, o => o.Error is not null);
        Assert.Equal(broken, failure.Path);
        Assert.Null(failure.Video);
        Assert.Contains("notes.mp4", failure.Error!.Message);
        foreach (var video in opened.Where(o => o.Error is null))
        {
            var alone = sampler.Open(video.Path);
            Assert.Equal(alone.Info.Duration, video.Video!.Info.Duration);
            Assert.Equal(alone.Plan.Timestamps, video.Video.Plan.Timestamps);
        }
    }

    [Fact]
    public void Stopping_early_stops_the_probing_ahead()
    {
        var sampler = new FrameSampler(new UniformSampling(2));
        int pulled = 0;
        IEnumerable<string> Paths()
        {
            for (int i = 0; i < 200; i++)
            {
                Interlocked.Increment(ref pulled);
                yield return RealClips.Msrvtt;
            }
        }

        var first = sampler.OpenAll(Paths(), lookahead: 1).First();

        Assert.NotNull(first.Video);
        // One handed out, one waiting in the queue, one being probed when the consumer left: never the 200.
        int afterStop = Volatile.Read(ref pulled);
        Assert.InRange(afterStop, 1, 4);
        Thread.Sleep(500);
        Assert.Equal(afterStop, Volatile.Read(ref pulled));
    }

    [Fact]
    public void A_lookahead_below_one_is_refused()
    {
        var sampler = new FrameSampler(new UniformSampling(2));
        var e = Assert.Throws<VidSearchException>(() => sampler.OpenAll([RealClips.Msrvtt], lookahead: 0));
        Assert.Contains("lookahead", e.Message);
    }

    [Fact]
    public void Leaving_a_decode_after_one_frame_stops_ffmpeg_and_the_pipe_reader()
    {
        var sampler = new FrameSampler(new FixedRateSampling(8));
        var video = sampler.Open(RealClips.Msrvtt);
        Assert.True(video.Plan.ValidCount > 20);
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            var frame = video.Frames(new DecodeReport()).First();
            Assert.Equal(0, frame.Index);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        }
    }
}
