using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Media.Decoding;
using VidSearch.Media.Decoding.Native;
using VidSearch.Media.Probing;
using VidSearch.Media.Probing.Native;
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
            // The times of both usual plans at once: clip4clip:12 (between frames) and fps:1.
            var (info, timeline) = VideoProbe.ProbeWithTimeline(clip, readTimeline: true);
            var times = new Clip4ClipSampling(12).Plan(info).ValidTimestamps.Concat(new FixedRateSampling(1).Plan(info).ValidTimestamps).ToArray();
            AssertSameAsFfmpeg(clip, times, "clip4clip:12 + fps:1", (info, timeline!));
        }
    }

    [Fact]
    public void Generated_videos_give_the_same_frames_and_pixels_as_ffmpeg()
    {
        using var temp = new TempDirectory();
        foreach (var (path, times) in GeneratedVideos(temp))
        {
            AssertSameAsFfmpeg(path, times, "generated", damaged: path.EndsWith("corrupt.mp4", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Bad_inputs_are_refused_with_the_same_error_by_both_engines()
    {
        using var temp = new TempDirectory();
        var (empty, truncated, random, text, image, audio) = BadVideoFiles.Write(temp);
        foreach (string path in new[] { temp.File("missing.mp4"), temp.Path, empty, truncated, random, text, image, audio })
        {
            var inProcess = Assert.Throws<VidSearchException>(() => new FrameDecoder { Engine = DecodeEngine.Libav }.Decode(path, [0.5]).ToList());
            var ffmpeg = Assert.Throws<VidSearchException>(() => new FrameDecoder { Engine = DecodeEngine.Ffmpeg }.Decode(path, [0.5]).ToList());
            Assert.Equal(path, inProcess.Subject);
            Assert.DoesNotContain('\n', inProcess.Message);
            Assert.Equal((ffmpeg.Kind, ffmpeg.Subject, ffmpeg.Cause), (inProcess.Kind, inProcess.Subject, inProcess.Cause));
        }
    }

    [Fact]
    public void Parallel_decodes_give_the_sequential_frames_and_complaints_stay_with_their_video()
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4"));
        BadVideoFiles.RandomBytes(bytes.Length / 5, 7).CopyTo(bytes, bytes.Length * 2 / 5);
        string corrupt = temp.File("corrupt.mp4");
        File.WriteAllBytes(corrupt, bytes);
        string[] videos = [.. RealClips.All().Take(6), corrupt, RealClips.Msrvtt];
        double[] times = [0, 0.5, 1, 2, 3, 5, 8];

        (string Pixels, bool Complained) Outcome(string path)
        {
            var report = new DecodeReport();
            var frames = new FrameDecoder { Engine = DecodeEngine.Libav }.Decode(path, times, report).OrderBy(f => f.Index);
            // Concealed pictures of the damaged file may vary by a few values from run to run (see AssertSameAsFfmpeg): only their requests count there.
            string pixels = string.Join(",", frames.Select(f => path == corrupt ? $"{f.Index}" : $"{f.Index}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(f.Image.Pixels))[..12]}"));
            return (pixels, report.DecoderErrors.Count > 0);
        }

        var sequential = videos.Select(Outcome).ToList();
        var parallel = videos.AsParallel().AsOrdered().WithDegreeOfParallelism(4).Select(Outcome).ToList();
        Assert.Equal(sequential.Select(o => o.Pixels), parallel.Select(o => o.Pixels));
        Assert.Equal(sequential.Select(o => o.Complained), parallel.Select(o => o.Complained));
        Assert.Equal(videos.Select(v => v == corrupt), sequential.Select(o => o.Complained));
    }

    [Fact]
    public void Repeated_decodes_do_not_leak_native_memory()
    {
        var (info, timeline) = VideoProbe.ProbeWithTimeline(RealClips.Msrvtt, readTimeline: true);
        var decoder = new FrameDecoder { Engine = DecodeEngine.Libav };
        double[] times = [0.5, 5.0, 10.5];
        void DecodeOnce() => Assert.Equal(3, decoder.Decode(info, timeline!, times, new DecodeReport()).Count());
        for (int i = 0; i < 5; i++)
        {
            DecodeOnce();
        }

        // As for the probe: other tests move the resident size too, a leak grows it in every round. Each decode opens
        // the file, a frame-threaded decoder and a filter graph (several MB if they were left behind).
        long smallest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = ResidentBytes();
            for (int i = 0; i < 20; i++)
            {
                DecodeOnce();
            }

            smallest = Math.Min(smallest, ResidentBytes() - before);
        }

        Assert.True(smallest < 15_000_000, $"resident memory grew by at least {smallest / 1_000_000} MB in each round of 20 decodes");
    }

    [Fact]
    public void Engine_names_are_read_from_VIDSEARCH_DECODE_values_and_an_unavailable_engine_asked_for_by_name_is_an_error()
    {
        Assert.Equal(DecodeEngine.Auto, DecodeEngines.Parse(null));
        Assert.Equal(DecodeEngine.Auto, DecodeEngines.Parse(" AUTO "));
        Assert.Equal(DecodeEngine.Libav, DecodeEngines.Parse("libav"));
        Assert.Equal(DecodeEngine.Libav, DecodeEngines.Parse("in-process"));
        Assert.Equal(DecodeEngine.Ffmpeg, DecodeEngines.Parse("FFmpeg"));
        var e = Assert.Throws<VidSearchException>(() => DecodeEngines.Parse("gstreamer"));
        Assert.Equal((ErrorKind.InvalidArgument, "VIDSEARCH_DECODE"), (e.Kind, e.Subject));
        Assert.Equal("--decode", Assert.Throws<VidSearchException>(() => DecodeEngines.Parse("x", "--decode")).Subject);

        var library = LibavDecodeLibrary.Shared(out _)!;
        Assert.Same(library, DecodeEngines.Resolve(DecodeEngine.Auto, library, null));
        Assert.Same(library, DecodeEngines.Resolve(DecodeEngine.Libav, library, null));
        Assert.Null(DecodeEngines.Resolve(DecodeEngine.Ffmpeg, library, null));
        string reason = "unsupported FFmpeg libraries: libavfilter 9.3.100 (needs 8.x)";
        Assert.Null(DecodeEngines.Resolve<LibavDecodeLibrary>(DecodeEngine.Auto, null, reason));
        var unavailable = Assert.Throws<VidSearchException>(() => DecodeEngines.Resolve<LibavDecodeLibrary>(DecodeEngine.Libav, null, reason));
        Assert.Equal(ErrorKind.External, unavailable.Kind);
        Assert.Contains(reason, unavailable.Cause);
        Assert.Contains("VIDSEARCH_DECODE=ffmpeg", unavailable.Cause);
    }

    [Fact]
    public void Only_libavfilter_8_and_libswscale_6_pass_the_version_gate_and_the_installed_ones_load()
    {
        Assert.Null(LibavDecodeLibrary.VersionRefusal(new(8, 44, 100), new(6, 7, 100)));
        Assert.Contains("libavfilter 9.3.100 (needs 8.x)", LibavDecodeLibrary.VersionRefusal(new(9, 3, 100), new(6, 7, 100)));
        Assert.Contains("libswscale 7.1.100 (needs 6.x)", LibavDecodeLibrary.VersionRefusal(new(8, 44, 100), new(7, 1, 100)));

        var library = LibavDecodeLibrary.TryLoad(LibavLibrary.Shared(out _)!, null, out string? refusal);
        Assert.Null(refusal);
        Assert.Equal((8, 6), (library!.AvfilterVersion.Major, library.SwscaleVersion.Major));
        using var temp = new TempDirectory();
        Assert.Null(LibavDecodeLibrary.TryLoad(LibavLibrary.Shared(out _)!, temp.Path, out string? missing));
        Assert.StartsWith("cannot load ", missing);
    }

    [Fact]
    public void Display_matrices_rotate_as_ffmpeg_5_autorotates()
    {
        // av_display_rotation_get gives counter-clockwise degrees: -90 is a quarter turn clockwise.
        Assert.Empty(LibavRgbConverter.RotationFilters(null));
        Assert.Empty(LibavRgbConverter.RotationFilters(double.NaN));
        Assert.Empty(LibavRgbConverter.RotationFilters(0.4));
        Assert.Equal([("transpose", "clock")], LibavRgbConverter.RotationFilters(-90));
        Assert.Equal([("transpose", "cclock")], LibavRgbConverter.RotationFilters(90));
        Assert.Equal([("hflip", null), ("vflip", null)], LibavRgbConverter.RotationFilters(180));
        Assert.Equal([("hflip", null), ("vflip", null)], LibavRgbConverter.RotationFilters(-180));
        Assert.Equal([("rotate", "330.000000*PI/180")], LibavRgbConverter.RotationFilters(30));
    }

    [Fact]
    public void Times_are_read_as_ffmpeg_prints_and_parses_them()
    {
        // showinfo prints "%.6g"; -ss is parsed to the microsecond, truncated.
        Assert.Equal(123.457, LibavDecodeRuns.ShowinfoTime(123.456789));
        Assert.Equal(5.03333, LibavDecodeRuns.ShowinfoTime(5.0333333333));
        Assert.Equal(0.0001, LibavDecodeRuns.ShowinfoTime(0.0001));
        Assert.True(double.IsNaN(LibavDecodeRuns.ShowinfoTime(double.NaN)));
        Assert.Equal(12_345_678, LibavVideoDecoder.ParseMicroseconds("12.3456789"));
        Assert.Equal(3_000_000, LibavVideoDecoder.ParseMicroseconds("3"));
        Assert.Equal(500_000, LibavVideoDecoder.ParseMicroseconds("0.5"));
    }

    [Fact]
    public void Packets_get_ffmpegs_decoding_times()
    {
        // 1/90000 time base, 25 fps: a dts passes through microseconds unchanged; a packet without one gets the
        // previous time plus its duration; the first, without one, starts a B-frame delay before zero.
        var clock = new CommandLineDts(1, 90000, 25, 1, 2);
        Assert.Equal(-7200, clock.ForPacket(LibavAbi.NoTimestamp, 3600));
        Assert.Equal(-3600, clock.ForPacket(LibavAbi.NoTimestamp, 3600));
        Assert.Equal(90000, clock.ForPacket(90000, 3600));
        Assert.Equal(93600, clock.ForPacket(LibavAbi.NoTimestamp, 0));
        Assert.Equal(97200, clock.ForPacket(LibavAbi.NoTimestamp, 0));
        Assert.Equal(-2, CommandLineDts.Rescale(-3, 1, 2));
        Assert.Equal(2, CommandLineDts.Rescale(3, 1, 2));
    }

    /// <summary>
    /// Decodes with both engines and checks frame for frame: the same requests answered by the same source frames with
    /// the same pixels, the same failures. In a <paramref name="damaged"/> stream, pictures from 1 s before the first
    /// failed request on are not compared: H.264 error concealment there depends on the frame threads (ffmpeg's own
    /// output for the file changes with -threads 1, 2, 3, 4) and on their timing (ffmpeg itself, the same command run
    /// 10 times at load average 9-12, gave other pictures once).
    /// </summary>
    private static void AssertSameAsFfmpeg(string path, IReadOnlyList<double> times, string what, (VideoInfo Info, FrameTimeline Timeline)? probed = null, bool damaged = false)
    {
        var (info, timeline) = probed ?? VideoProbe.ProbeWithTimeline(path, readTimeline: true) switch { var (i, t) => (i, t!) };
        var (ffmpeg, ffReport) = DecodeAll(info, timeline, times, DecodeEngine.Ffmpeg);
        var (libav, report) = DecodeAll(info, timeline, times, DecodeEngine.Libav);
        string name = $"{Path.GetFileName(path)} ({what})";
        Assert.True(ffmpeg.Keys.Order().SequenceEqual(libav.Keys.Order()), $"{name}: ffmpeg decoded requests [{string.Join(",", ffmpeg.Keys.Order())}], in-process [{string.Join(",", libav.Keys.Order())}]");
        double concealedFrom = damaged && ffReport.Failed.Count > 0 ? ffReport.Failed.Min(f => f.Timestamp) - 1 : double.PositiveInfinity;
        foreach (var (index, frame) in ffmpeg)
        {
            var other = libav[index];
            Assert.True(frame.FrameTime == other.FrameTime, $"{name}: request {index} at {frame.Timestamp} s: ffmpeg gave the frame at {frame.FrameTime}, in-process {other.FrameTime}");
            if (frame.Timestamp >= concealedFrom)
            {
                continue;
            }

            var (count, largest) = Differences(frame.Image.Pixels, other.Image.Pixels);
            Assert.True(count == 0, $"{name}: request {index}: pixels differ ({count} of {frame.Image.Pixels.Length} bytes, by up to {largest})");
        }

        Assert.Equal(ffReport.Failed.Select(f => f.Index).Order(), report.Failed.Select(f => f.Index).Order());
        Assert.Equal(ffReport.DecoderErrors.Count > 0, report.DecoderErrors.Count > 0);
    }

    /// <summary>How many bytes differ, and by how much at most.</summary>
    private static (int Count, int Largest) Differences(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
        {
            return (Math.Max(a.Length, b.Length), 255);
        }

        int count = 0, largest = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int d = Math.Abs(a[i] - b[i]);
            count += d > 0 ? 1 : 0;
            largest = Math.Max(largest, d);
        }

        return (count, largest);
    }

    private static (Dictionary<int, DecodedFrame> Frames, DecodeReport Report) DecodeAll(VideoInfo info, FrameTimeline timeline, IReadOnlyList<double> times, DecodeEngine engine)
    {
        var report = new DecodeReport();
        var frames = new FrameDecoder { Engine = engine }.Decode(info, timeline, times, report).ToDictionary(f => f.Index);
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

    private static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
