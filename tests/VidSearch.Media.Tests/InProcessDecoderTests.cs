using VidSearch.Core;
using VidSearch.Media.Decoding;
using VidSearch.Media.Decoding.Native;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

/// <summary>The in-process decoder (libavcodec + libavfilter through P/Invoke) against the ffmpeg processes it replaces.</summary>
public class InProcessDecoderTests
{
    [Fact]
    public void The_in_process_engine_is_available_here_and_is_the_default()
    {
        Assert.Null(DecodeEngines.InProcessUnavailableReason);
        Assert.StartsWith("libavcodec 59.", DecodeEngines.Describe(DecodeEngine.Auto));
        Assert.Equal("ffmpeg", DecodeEngines.Describe(DecodeEngine.Ffmpeg));
    }

    [Fact]
    public void Every_real_clip_gives_the_same_frames_and_pixels_as_ffmpeg()
    {
        foreach (string clip in RealClips.All())
        {
            foreach (var strategy in new ISamplingStrategy[] { new Clip4ClipSampling(12), new FixedRateSampling(1) })
            {
                var video = new FrameSampler(strategy).Open(clip);
                AssertSameAsFfmpeg(video.Info.Path, video.Plan.ValidTimestamps, $"{strategy.Name}");
            }
        }
    }

    [Fact]
    public void Generated_videos_give_the_same_frames_and_pixels_as_ffmpeg()
    {
        using var temp = new TempDirectory();
        foreach (var (path, times) in GeneratedVideos(temp))
        {
            AssertSameAsFfmpeg(path, times, "generated");
        }
    }

    /// <summary>Decodes with both engines and checks frame for frame: the same requests answered by the same source frames with the same pixels, the same failures.</summary>
    private static void AssertSameAsFfmpeg(string path, IReadOnlyList<double> times, string what)
    {
        var (ffmpeg, ffReport) = DecodeAll(path, times, DecodeEngine.Ffmpeg);
        var (libav, report) = DecodeAll(path, times, DecodeEngine.Libav);
        string name = $"{Path.GetFileName(path)} ({what})";
        Assert.True(ffmpeg.Keys.Order().SequenceEqual(libav.Keys.Order()), $"{name}: ffmpeg decoded requests [{string.Join(",", ffmpeg.Keys.Order())}], in-process [{string.Join(",", libav.Keys.Order())}]");
        foreach (var (index, frame) in ffmpeg)
        {
            var other = libav[index];
            Assert.True(frame.FrameTime == other.FrameTime, $"{name}: request {index} at {frame.Timestamp} s: ffmpeg gave the frame at {frame.FrameTime}, in-process {other.FrameTime}");
            Assert.True(frame.Image.Pixels.AsSpan().SequenceEqual(other.Image.Pixels), $"{name}: request {index}: pixels differ ({Differences(frame.Image.Pixels, other.Image.Pixels)})");
        }

        Assert.Equal(ffReport.Failed.Select(f => f.Index).Order(), report.Failed.Select(f => f.Index).Order());
        Assert.Equal(ffReport.DecoderErrors.Count > 0, report.DecoderErrors.Count > 0);
    }

    private static string Differences(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
        {
            return $"{a.Length} bytes against {b.Length}";
        }

        int count = 0, max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int d = Math.Abs(a[i] - b[i]);
            count += d > 0 ? 1 : 0;
            max = Math.Max(max, d);
        }

        return $"{count} of {a.Length} bytes, by up to {max}";
    }

    private static (Dictionary<int, DecodedFrame> Frames, DecodeReport Report) DecodeAll(string path, IReadOnlyList<double> times, DecodeEngine engine)
    {
        var report = new DecodeReport();
        var frames = new FrameDecoder { Engine = engine }.Decode(path, times, report).ToDictionary(f => f.Index);
        return (frames, report);
    }

    /// <summary>Small videos of the kinds the decoder must get right, with the times to request from each.</summary>
    private static List<(string Path, double[] Times)> GeneratedVideos(TempDirectory temp)
    {
        const string Source = "testsrc2=size=64x48:rate=10:duration=2";
        double[] every = Enumerable.Range(0, 21).Select(i => i * 0.1).ToArray();
        string plain = RealClips.Generate(temp.Path, "plain.mp4", "-f", "lavfi", "-i", Source, "-pix_fmt", "yuv420p");
        var videos = new List<(string, double[])>
        {
            (RealClips.Generate(temp.Path, "bframes.mp4", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=40", "-c:v", "libx264", "-g", "25", "-bf", "2", "-pix_fmt", "yuv420p"),
                [0.5, 3.0, 17.52, 17.6, 31.0, 39.9]),
            (RealClips.Generate(temp.Path, "bt709.mp4", "-f", "lavfi", "-i", "testsrc2=size=66x50:rate=10:duration=1", "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"), every),
            (RealClips.Generate(temp.Path, "vfr.mkv", "-f", "lavfi", "-i", Source, "-vf", "setpts='if(lt(N,10),N*0.1,1+(N-10)*0.03)/TB'", "-fps_mode", "vfr", "-pix_fmt", "yuv420p"), every),
            (RealClips.Generate(temp.Path, "packed.avi", "-f", "lavfi", "-i", Source, "-c:v", "mpeg4", "-bf", "2", "-vtag", "DX50"), every),
            (RealClips.Generate(temp.Path, "anim.gif", "-f", "lavfi", "-i", Source), every),
            (RealClips.Generate(temp.Path, "motion.avi", "-f", "lavfi", "-i", Source, "-c:v", "mjpeg"), every),
            (RealClips.Generate(temp.Path, "stream.ts", "-f", "lavfi", "-i", Source, "-c:v", "mpeg2video"), every),
            (RealClips.Generate(temp.Path, "raw.h264", "-f", "lavfi", "-i", Source, "-c:v", "libx264", "-pix_fmt", "yuv420p"), every),
            (RealClips.Generate(temp.Path, "odd.mp4", "-f", "lavfi", "-i", "testsrc2=size=65x47:rate=10:duration=1", "-pix_fmt", "yuv444p"), every),
        };
        foreach (int angle in new[] { 90, 180, 270 })
        {
            string rotated = temp.File($"rotated{angle}.mp4");
            RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-i", plain, "-c", "copy", "-metadata:s:v:0", $"rotate={angle}", rotated);
            videos.Add((rotated, every));
        }

        // A file cut in half with its index first (probes, frames missing), and one with noise in the middle.
        var bytes = File.ReadAllBytes(SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4"));
        double[] halfSeconds = Enumerable.Range(0, 28).Select(i => i * 0.5).ToArray();
        string halved = temp.File("halved.mp4");
        File.WriteAllBytes(halved, bytes[..(bytes.Length / 2)]);
        var noisy = bytes.ToArray();
        BadVideoFiles.RandomBytes(bytes.Length / 5, 7).CopyTo(noisy, bytes.Length * 2 / 5);
        string corrupt = temp.File("corrupt.mp4");
        File.WriteAllBytes(corrupt, noisy);
        videos.Add((halved, halfSeconds));
        videos.Add((corrupt, halfSeconds));
        return videos;
    }
}
