using VidSearch.Media.Decoding;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

/// <summary>
/// The in-process decoder leaves undecoded the pictures that no wanted frame needs and no other picture refers to
/// (non-reference B-frames): fewer pictures decoded, the same frames and pixels.
/// </summary>
public class UnwantedPictureSkippingTests
{
    [Fact]
    public void B_frame_videos_give_the_same_frames_and_pixels_from_fewer_pictures()
    {
        using var temp = new TempDirectory();
        const string Source = "testsrc2=size=96x64:rate=30:duration=12";
        string[] videos =
        [
            RealClips.Generate(temp.Path, "h264.mp4", "-f", "lavfi", "-i", Source, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"),
            RealClips.Generate(temp.Path, "h264.mkv", "-f", "lavfi", "-i", Source, "-c:v", "libx264", "-bf", "3", "-b_strategy", "0", "-g", "60", "-pix_fmt", "yuv420p"),
            RealClips.Generate(temp.Path, "hevc.mp4", "-f", "lavfi", "-i", Source, "-c:v", "libx265", "-preset", "veryfast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p"),
            RealClips.Generate(temp.Path, "mpeg2.ts", "-f", "lavfi", "-i", Source, "-c:v", "mpeg2video", "-bf", "2"),
            RealClips.Generate(temp.Path, "mpeg4.mp4", "-f", "lavfi", "-i", Source, "-c:v", "mpeg4", "-bf", "2", "-q:v", "4"),
            RealClips.Generate(temp.Path, "mpeg4-dx50.avi", "-f", "lavfi", "-i", Source, "-c:v", "mpeg4", "-bf", "2", "-q:v", "4", "-vtag", "DX50"),
            RealClips.Generate(temp.Path, "h264.ts", "-f", "lavfi", "-i", Source, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"),
            RealClips.Generate(temp.Path, "hevc.mkv", "-f", "lavfi", "-i", Source, "-c:v", "libx265", "-preset", "veryfast", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p"),
        ];
        foreach (string video in videos)
        {
            var (info, timeline) = VideoProbe.ProbeWithTimeline(video, readTimeline: true);
            var times = new FixedRateSampling(1).Plan(info).ValidTimestamps.Concat(new Clip4ClipSampling(12).Plan(info).ValidTimestamps).ToArray();
            var (all, allReport) = Decode(info, timeline!, times, skip: false);
            var (skipped, skipReport) = Decode(info, timeline!, times, skip: true);
            string name = Path.GetFileName(video);
            AssertSameFrames(name, all, skipped);
            Assert.True(allReport.IsComplete && skipReport.IsComplete, name);
            Assert.True(
                skipReport.PicturesDecoded <= 0.8 * allReport.PicturesDecoded,
                $"{name}: {skipReport.PicturesDecoded} pictures decoded with skipping, {allReport.PicturesDecoded} without");
        }
    }

    [Fact]
    public void Real_clips_give_the_same_frames_and_pixels_with_skipping()
    {
        foreach (string clip in RealClips.All())
        {
            var (info, timeline) = VideoProbe.ProbeWithTimeline(clip, readTimeline: true);
            var times = new Clip4ClipSampling(12).Plan(info).ValidTimestamps.Concat(new FixedRateSampling(1).Plan(info).ValidTimestamps).ToArray();
            var (all, allReport) = Decode(info, timeline!, times, skip: false);
            var (skipped, skipReport) = Decode(info, timeline!, times, skip: true);
            AssertSameFrames(Path.GetFileName(clip), all, skipped);
            Assert.Equal(allReport.Failed.Select(f => f.Index), skipReport.Failed.Select(f => f.Index));
            Assert.True(skipReport.PicturesDecoded <= allReport.PicturesDecoded, clip);
        }
    }

    [Fact]
    public void When_every_picture_is_wanted_none_is_skipped()
    {
        using var temp = new TempDirectory();
        string video = RealClips.Generate(temp.Path, "every.mp4", "-f", "lavfi", "-i", "testsrc2=size=64x48:rate=10:duration=3", "-c:v", "libx264", "-bf", "3", "-pix_fmt", "yuv420p");
        var (info, timeline) = VideoProbe.ProbeWithTimeline(video, readTimeline: true);
        var times = Enumerable.Range(0, timeline!.Count).Select(i => timeline.Times[i] - timeline.Start).ToArray();
        var (all, allReport) = Decode(info, timeline, times, skip: false);
        var (skipped, skipReport) = Decode(info, timeline, times, skip: true);
        AssertSameFrames("every.mp4", all, skipped);
        Assert.Equal(timeline.Count, skipped.Count);
        Assert.Equal(allReport.PicturesDecoded, skipReport.PicturesDecoded);
    }

    [Fact]
    public void A_picture_may_be_wanted_when_it_or_a_neighbour_is_a_wanted_frame()
    {
        var timeline = FrameTimeline.FromPackets([.. Enumerable.Range(0, 20).Select(i => new PacketTimes(10 + (i * 0.1), null, 0.1, i % 10 == 0))], 10);
        var run = new DecodeRun(-1, [5, 12]);
        bool[] expected = [.. Enumerable.Range(0, 20).Select(i => i is >= 4 and <= 6 or >= 11 and <= 13)];
        Assert.Equal(expected, Enumerable.Range(0, 20).Select(i => FrameSelection.MayBeWanted(timeline, run, timeline.Times[i])));
        Assert.True(FrameSelection.MayBeWanted(timeline, run, 10.65), "between frames 6 and 7: frame 6 is on screen");
        Assert.False(FrameSelection.MayBeWanted(timeline, run, 10.75), "between frames 7 and 8");
    }

    private static (Dictionary<int, DecodedFrame> Frames, DecodeReport Report) Decode(VideoInfo info, FrameTimeline timeline, double[] times, bool skip)
    {
        var report = new DecodeReport();
        var frames = new FrameDecoder { Engine = DecodeEngine.Libav, SkipUnwantedPictures = skip }.Decode(info, timeline, times, report).ToDictionary(f => f.Index);
        return (frames, report);
    }

    private static void AssertSameFrames(string name, Dictionary<int, DecodedFrame> expected, Dictionary<int, DecodedFrame> actual)
    {
        Assert.True(expected.Keys.Order().SequenceEqual(actual.Keys.Order()), $"{name}: requests [{string.Join(",", expected.Keys.Order())}] against [{string.Join(",", actual.Keys.Order())}]");
        foreach (var (index, frame) in expected)
        {
            Assert.True(frame.FrameTime == actual[index].FrameTime, $"{name}: request {index}: frame at {frame.FrameTime} s against {actual[index].FrameTime} s");
            Assert.True(frame.Image.Pixels.AsSpan().SequenceEqual(actual[index].Image.Pixels), $"{name}: request {index} at {frame.FrameTime} s: pixels differ");
        }
    }
}
