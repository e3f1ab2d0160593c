using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using VidSearch.Core;
using VidSearch.Media.Probing;
using VidSearch.Media.Probing.Native;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

/// <summary>The in-process probe (libavformat through P/Invoke) against the ffprobe one it replaces.</summary>
public class InProcessProbeTests
{
    [Fact]
    public void The_in_process_engine_is_available_here_and_is_the_default()
    {
        Assert.Null(ProbeEngines.InProcessUnavailableReason);
        Assert.StartsWith("libavformat 59.", ProbeEngines.Describe(ProbeEngine.Auto));
        Assert.Equal("ffprobe", ProbeEngines.Describe(ProbeEngine.Ffprobe));
    }

    [Fact]
    public void Every_real_clip_gives_the_same_info_and_timeline_as_ffprobe()
    {
        var clips = RealClips.All();
        Assert.True(clips.Count >= 19, $"expected the 19 real clips, found {clips.Count}");
        foreach (string clip in clips)
        {
            AssertSameAsFfprobe(clip);
        }
    }

    [Fact]
    public void Generated_videos_give_the_same_info_and_timeline_as_ffprobe()
    {
        using var temp = new TempDirectory();
        var videos = GeneratedVideos(temp);
        foreach (string video in videos)
        {
            AssertSameAsFfprobe(video);
        }

        // The cases the generated set is there for, as both engines see them.
        var rotated = VideoProbe.ProbeWithTimeline(temp.File("rotated.mp4"), readTimeline: false, ProbeEngine.Libavformat, default).Info;
        Assert.Contains(rotated.Rotation, new[] { 90, 270 });
        var cover = VideoProbe.ProbeWithTimeline(temp.File("cover.mkv"), readTimeline: true, ProbeEngine.Libavformat, default).Info;
        Assert.Equal((64, 48), (cover.Width, cover.Height)); // the video, not the 32x32 cover picture
        var degenerate = InProcess.Read(temp.File("zero-matrix.mp4"), readPackets: false, default).Streams[0];
        Assert.Equal((true, (double)long.MinValue), (degenerate.HasSideData, degenerate.DisplayMatrixRotation));
        Assert.Equal(0, VideoProbe.ProbeWithTimeline(temp.File("zero-matrix.mp4"), readTimeline: false, ProbeEngine.Libavformat, default).Info.Rotation);
        var elementary = VideoProbe.ProbeWithTimeline(temp.File("raw.h264"), readTimeline: false, ProbeEngine.Libavformat, default).Info;
        Assert.Equal(15, elementary.FrameCountEstimate);
    }

    [Fact]
    public void Bad_inputs_are_refused_with_the_same_error_as_ffprobe_gives()
    {
        using var temp = new TempDirectory();
        var (empty, truncated, random, text, image, audio) = BadVideoFiles.Write(temp);
        string randomBin = temp.File("random.bin");
        File.WriteAllBytes(randomBin, BadVideoFiles.RandomBytes(20_000, 2));
        string coverOnly = temp.File("cover-only.mka");
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=duration=0.5", "-attach", image, "-metadata:s:t", "mimetype=image/png", coverOnly);

        var cases = new (string Path, ErrorKind Kind, string Cause)[]
        {
            (temp.File("missing.mp4"), ErrorKind.NotFound, "no such file"),
            (temp.Path, ErrorKind.InvalidInput, "folder"),
            (empty, ErrorKind.InvalidInput, "empty file"),
            (truncated, ErrorKind.InvalidInput, "not a readable video: moov atom not found; Invalid data found when processing input"),
            (random, ErrorKind.InvalidInput, "not a readable video"),
            (randomBin, ErrorKind.InvalidInput, "not a"),
            (text, ErrorKind.InvalidInput, "not a"),
            (image, ErrorKind.InvalidInput, "a still image (png), not a video"),
            (audio, ErrorKind.InvalidInput, "no video stream (streams: audio)"),
            (coverOnly, ErrorKind.InvalidInput, "no video stream"),
        };
        foreach (var (path, kind, cause) in cases)
        {
            foreach (bool timeline in new[] { false, true })
            {
                var inProcess = Assert.Throws<VidSearchException>(() => VideoProbe.ProbeWithTimeline(path, timeline, ProbeEngine.Libavformat, default));
                var ffprobe = Assert.Throws<VidSearchException>(() => VideoProbe.ProbeWithTimeline(path, timeline, ProbeEngine.Ffprobe, default));
                Assert.Equal(kind, inProcess.Kind);
                Assert.Equal(path, inProcess.Subject);
                Assert.Contains(cause, inProcess.Cause);
                Assert.DoesNotContain('\n', inProcess.Message);
                Assert.Equal((ffprobe.Kind, ffprobe.Subject, ffprobe.Cause), (inProcess.Kind, inProcess.Subject, inProcess.Cause));
            }
        }
    }

    [Fact]
    public void Parallel_probes_give_the_sequential_results_and_errors_stay_with_their_file()
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(RealClips.Msrvtt);
        string truncated = temp.File("truncated.mp4");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 3)]);
        var files = RealClips.All().Concat(Enumerable.Repeat(truncated, 6)).ToList();
        var sequential = files.Select(Outcome).ToList();
        var parallel = new string[files.Count];
        Parallel.For(0, files.Count * 3, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => parallel[i % files.Count] = Outcome(files[i % files.Count]));
        Assert.Equal(sequential, parallel);
        Assert.Contains("moov atom not found", sequential[^1]);

        static string Outcome(string path)
        {
            try
            {
                var (info, timeline) = VideoProbe.ProbeWithTimeline(path, readTimeline: true, ProbeEngine.Libavformat, default);
                return $"{info} {timeline!.Count} {timeline.Duration.ToString("R", CultureInfo.InvariantCulture)}";
            }
            catch (VidSearchException e)
            {
                return e.Message;
            }
        }
    }

    [Fact]
    public void Repeated_probes_do_not_leak_native_memory()
    {
        string clip = RealClips.Msrvtt;
        for (int i = 0; i < 20; i++)
        {
            VideoProbe.ProbeWithTimeline(clip, readTimeline: true, ProbeEngine.Libavformat, default);
        }

        // Other tests run in parallel and move the resident size too: a leak grows in EVERY round, so the smallest
        // growth of three rounds is the one to judge. Measured: 4 MB over 300 probes as is; with the format context
        // left open (about 100 KB a probe), about 25 MB a round of 250.
        long smallest = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = ResidentBytes();
            for (int i = 0; i < 250; i++)
            {
                VideoProbe.ProbeWithTimeline(clip, readTimeline: true, ProbeEngine.Libavformat, default);
            }

            smallest = Math.Min(smallest, ResidentBytes() - before);
        }

        Assert.True(smallest < 15_000_000, $"resident memory grew by at least {smallest / 1_000_000} MB in each round of 250 probes");
    }

    [Fact]
    public void Cancellation_stops_reading_the_packets()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => VideoProbe.ProbeWithTimeline(RealClips.Msrvtt, readTimeline: true, ProbeEngine.Libavformat, cts.Token));
    }

    [Fact]
    public void Only_the_FFmpeg_5_major_versions_pass_the_version_gate()
    {
        var debian = (LibavVersion.FromPacked((59u << 16) | (27 << 8) | 100), LibavVersion.FromPacked((59u << 16) | (37 << 8) | 100), LibavVersion.FromPacked((57u << 16) | (28 << 8) | 100));
        Assert.Equal(new LibavVersion(59, 27, 100), debian.Item1);
        Assert.Equal("59.27.100", debian.Item1.ToString());
        Assert.Null(LibavVersionGate.Refusal(debian.Item1, debian.Item2, debian.Item3));
        Assert.Null(LibavVersionGate.Refusal(new(59, 16, 100), new(59, 18, 100), new(57, 17, 100))); // FFmpeg 5.0

        string? ffmpeg6 = LibavVersionGate.Refusal(new(60, 3, 100), new(60, 3, 100), new(58, 2, 100));
        Assert.NotNull(ffmpeg6);
        Assert.Contains("libavformat 60.3.100 (needs 59.x)", ffmpeg6);
        Assert.Contains("libavcodec 60.3.100 (needs 59.x)", ffmpeg6);
        Assert.Contains("libavutil 58.2.100 (needs 57.x)", ffmpeg6);
        Assert.Contains("libavformat 58.76.100", LibavVersionGate.Refusal(new(58, 76, 100), new(59, 37, 100), new(57, 28, 100)));
        Assert.Contains("libavutil 56.70.100", LibavVersionGate.Refusal(new(59, 27, 100), new(59, 37, 100), new(56, 70, 100)));
    }

    [Fact]
    public void The_installed_libraries_load_and_pass_the_layout_checks_and_a_folder_without_them_is_refused()
    {
        var library = LibavLibrary.TryLoad(null, out string? refusal);
        Assert.Null(refusal);
        Assert.NotNull(library);
        Assert.Equal(59, library.AvformatVersion.Major);

        using var temp = new TempDirectory();
        Assert.Null(LibavLibrary.TryLoad(temp.Path, out string? missing));
        Assert.Equal($"cannot load {Path.Combine(temp.Path, "libavutil.so.57")}", missing);
    }

    [Fact]
    public void Without_usable_libraries_auto_falls_back_to_ffprobe_and_an_explicit_request_is_an_error()
    {
        var inProcess = new LibavProbeReader(LibavLibrary.TryLoad(null, out _)!);
        Assert.Same(inProcess, ProbeEngines.Resolve(ProbeEngine.Auto, inProcess, null));
        Assert.Same(inProcess, ProbeEngines.Resolve(ProbeEngine.Libavformat, inProcess, null));
        Assert.IsType<FfprobeReader>(ProbeEngines.Resolve(ProbeEngine.Ffprobe, inProcess, null));

        string reason = "unsupported FFmpeg libraries: libavformat 60.3.100 (needs 59.x)";
        Assert.IsType<FfprobeReader>(ProbeEngines.Resolve(ProbeEngine.Auto, null, reason));
        var e = Assert.Throws<VidSearchException>(() => ProbeEngines.Resolve(ProbeEngine.Libavformat, null, reason));
        Assert.Equal(ErrorKind.External, e.Kind);
        Assert.Contains(reason, e.Cause);
        Assert.Contains("VIDSEARCH_PROBE=ffprobe", e.Cause);
    }

    [Fact]
    public void Libraries_laid_out_unexpectedly_are_disabled_and_auto_probes_with_ffprobe_instead()
    {
        var broken = new BrokenLayoutReader();
        string? disabled = null;
        var (info, timeline) = VideoProbe.ProbeOrFallBack(broken, ProbeEngine.Auto, RealClips.Msrvtt, readTimeline: true, reason => disabled = reason, default);
        Assert.Equal("AVStream is not what it seems", disabled);
        Assert.Equal(VideoProbe.ProbeWithTimeline(RealClips.Msrvtt, readTimeline: true, ProbeEngine.Ffprobe, default).Info, info);
        Assert.Equal(330, timeline!.Count);

        disabled = null;
        var e = Assert.Throws<VidSearchException>(() => VideoProbe.ProbeOrFallBack(broken, ProbeEngine.Libavformat, RealClips.Msrvtt, readTimeline: false, reason => disabled = reason, default));
        Assert.Equal(ErrorKind.External, e.Kind);
        Assert.Contains("AVStream is not what it seems", e.Cause);
        Assert.Contains("VIDSEARCH_PROBE=ffprobe", e.Cause);
        Assert.NotNull(disabled);
    }

    private sealed class BrokenLayoutReader : IProbeReader
    {
        public string Name => "broken";

        public ContainerFacts Read(string path, bool readPackets, CancellationToken ct) => throw new LibavLayoutException("AVStream is not what it seems");

        public IReadOnlyList<PacketTimes> ReadFirstVideoStreamPackets(string path, CancellationToken ct) => throw new LibavLayoutException("AVStream is not what it seems");
    }

    [Fact]
    public void Engine_names_are_read_from_VIDSEARCH_PROBE_values()
    {
        Assert.Equal(ProbeEngine.Auto, ProbeEngines.Parse(null));
        Assert.Equal(ProbeEngine.Auto, ProbeEngines.Parse(""));
        Assert.Equal(ProbeEngine.Auto, ProbeEngines.Parse("auto"));
        Assert.Equal(ProbeEngine.Ffprobe, ProbeEngines.Parse("FFprobe"));
        Assert.Equal(ProbeEngine.Libavformat, ProbeEngines.Parse("libavformat"));
        Assert.Equal(ProbeEngine.Libavformat, ProbeEngines.Parse(" in-process "));
        var e = Assert.Throws<VidSearchException>(() => ProbeEngines.Parse("gstreamer"));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal("VIDSEARCH_PROBE", e.Subject);
        Assert.Equal("--probe", Assert.Throws<VidSearchException>(() => ProbeEngines.Parse("x", "--probe")).Subject);
    }

    [Fact]
    public void A_sampler_probes_with_the_engine_it_is_given_and_both_plan_the_same_frames()
    {
        var strategy = new Sampling.Clip4ClipSampling(12);
        string gif = SharedData.Real("tgif", "tumblr_mdlv9v6hE91qanrf2o1_r11_500.gif");
        var viaFfprobe = new FrameSampler(strategy) { ProbeEngine = ProbeEngine.Ffprobe }.Open(gif);
        var inProcess = new FrameSampler(strategy) { ProbeEngine = ProbeEngine.Libavformat }.Open(gif);
        Assert.Equal(viaFfprobe.Info, inProcess.Info);
        Assert.Equal(viaFfprobe.Plan.Timestamps, inProcess.Plan.Timestamps);

        // The engine is really used: ffprobe that cannot start fails only the sampler that asks for it.
        var e = Assert.Throws<VidSearchException>(() => RunWithFfprobe("/nonexistent/ffprobe", () => new FrameSampler(strategy) { ProbeEngine = ProbeEngine.Ffprobe }.Open(gif)));
        Assert.Equal(ErrorKind.External, e.Kind);
        Assert.Equal(inProcess.Info, RunWithFfprobe("/nonexistent/ffprobe", () => new FrameSampler(strategy) { ProbeEngine = ProbeEngine.Libavformat }.Open(gif)).Info);
    }

    /// <summary>Runs <paramref name="action"/> with VIDSEARCH_FFPROBE pointing elsewhere (only this class probes with the ffprobe engine, one test at a time).</summary>
    private static T RunWithFfprobe<T>(string ffprobe, Func<T> action)
    {
        string? before = Environment.GetEnvironmentVariable("VIDSEARCH_FFPROBE");
        Environment.SetEnvironmentVariable("VIDSEARCH_FFPROBE", ffprobe);
        try
        {
            return action();
        }
        finally
        {
            Environment.SetEnvironmentVariable("VIDSEARCH_FFPROBE", before);
        }
    }

    [Fact]
    public void Times_are_rounded_to_the_microsecond_as_printf_rounds_them()
    {
        // Exact binary fractions, some on a tie at the seventh decimal (odd multiples of 1/128 s); printf is the oracle.
        var values = new List<double> { 0, 1, 1.5, 0.0078125, 0.0234375, 2.0078125, 1 / 3.0, 1e-7, 4.9999995e-7, 12345.6789012345, 86400.0000005, 1e10 + 0.25 };
        var random = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            int exponent = random.Next(7, 40);
            values.Add(random.NextInt64(1, 1L << 45) / Math.Pow(2, exponent));
        }

        values.AddRange(values.Select(v => -v).ToList());
        string printed = RealClips.Run("printf", ["%f\\n", .. values.Select(ExactDecimal)]);
        var expected = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(values.Count, expected.Count);
        for (int i = 0; i < values.Count; i++)
        {
            Assert.True(expected[i].Equals(ProbeNumbers.SixDecimals(values[i])), $"{ExactDecimal(values[i])}: printf says {expected[i]:R}, got {ProbeNumbers.SixDecimals(values[i]):R}");
        }

        Assert.Equal(0.007812, ProbeNumbers.SixDecimals(0.0078125)); // tie, to even
        Assert.Equal(0.023438, ProbeNumbers.SixDecimals(0.0234375));
        Assert.Null(ProbeNumbers.Seconds(long.MinValue, 1, 90000));
        Assert.Null(ProbeNumbers.DurationSeconds(0, 1, 90000));
        Assert.Equal(1.0, ProbeNumbers.Seconds(90000, 1, 90000));
    }

    /// <summary>The exact decimal expansion of a double (every double is a finite binary fraction).</summary>
    private static string ExactDecimal(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & 0xF_FFFF_FFFF_FFFF;
        mantissa = exponent == 0 ? mantissa : mantissa | (1L << 52);
        int power = (exponent == 0 ? 1 : exponent) - 1075;
        string sign = bits < 0 ? "-" : string.Empty;
        if (power >= 0)
        {
            return sign + (new BigInteger(mantissa) << power).ToString(CultureInfo.InvariantCulture);
        }

        // mantissa / 2^k = mantissa * 5^k / 10^k.
        string digits = (new BigInteger(mantissa) * BigInteger.Pow(5, -power)).ToString(CultureInfo.InvariantCulture).PadLeft(-power + 1, '0');
        return sign + digits[..^(-power)] + "." + digits[^(-power)..];
    }

    private static readonly LibavProbeReader InProcess = new(LibavLibrary.TryLoad(null, out _)!);

    private static void AssertSameAsFfprobe(string path)
    {
        // Each engine's reads are recorded, so that the facts and the VideoInfo built from them come from one read.
        var ffprobe = new RecordingReader(FfprobeReader.Instance);
        var inProcess = new RecordingReader(InProcess);
        foreach (bool readTimeline in new[] { true, false })
        {
            var (ffInfo, ffTimeline) = VideoProbe.Probe(ffprobe, path, readTimeline, default);
            var (info, timeline) = VideoProbe.Probe(inProcess, path, readTimeline, default);

            // What each engine read, field by field: container, every stream, every video packet.
            var ffFacts = ffprobe.Facts[readTimeline];
            var facts = inProcess.Facts[readTimeline];
            Assert.Equal((ffFacts.FormatName, ffFacts.StartTime, ffFacts.Duration), (facts.FormatName, facts.StartTime, facts.Duration));
            Assert.Equal(ffFacts.Streams.Count, facts.Streams.Count);
            for (int i = 0; i < facts.Streams.Count; i++)
            {
                // ffprobe prints a size for video and subtitle streams only.
                var stream = facts.Streams[i].CodecType is "video" or "subtitle" ? facts.Streams[i] : facts.Streams[i] with { Width = 0, Height = 0 };
                Assert.Equal(ffFacts.Streams[i], stream);
            }

            Assert.Equal(ffFacts.VideoPackets is null, facts.VideoPackets is null);
            foreach (var (stream, packets) in ffFacts.VideoPackets ?? new Dictionary<int, List<PacketTimes>>())
            {
                Assert.True(packets.SequenceEqual(facts.VideoPackets![stream]), $"{path}: the packets of stream {stream} differ from ffprobe's");
            }

            Assert.Equal(ffprobe.FirstVideoStreamPackets is null, inProcess.FirstVideoStreamPackets is null);
            if (ffprobe.FirstVideoStreamPackets is not null)
            {
                Assert.Equal(ffprobe.FirstVideoStreamPackets, inProcess.FirstVideoStreamPackets!);
            }

            // And what the probe makes of them.
            string what = $"{path} (timeline {readTimeline})";
            Assert.True(Math.Abs(ffInfo.Duration - info.Duration) < 1e-9, $"{what}: duration {info.Duration} vs ffprobe {ffInfo.Duration}");
            Assert.True(Math.Abs(ffInfo.FrameRate - info.FrameRate) < 1e-9, $"{what}: frame rate {info.FrameRate} vs ffprobe {ffInfo.FrameRate}");
            Assert.True(Math.Abs(ffInfo.StartTime - info.StartTime) < 1e-9, $"{what}: start {info.StartTime} vs ffprobe {ffInfo.StartTime}");
            Assert.Equal(
                (ffInfo.Path, ffInfo.IsVariableFrameRate, ffInfo.Width, ffInfo.Height, ffInfo.Rotation, ffInfo.Codec, ffInfo.HasAudio, ffInfo.FrameCountEstimate, ffInfo.Container),
                (info.Path, info.IsVariableFrameRate, info.Width, info.Height, info.Rotation, info.Codec, info.HasAudio, info.FrameCountEstimate, info.Container));
            Assert.Equal(ffTimeline is null, timeline is null);
            if (timeline is not null)
            {
                Assert.True(ffTimeline!.Times.SequenceEqual(timeline.Times), $"{what}: frame times differ from ffprobe's");
                Assert.True(ffTimeline.IsKey.SequenceEqual(timeline.IsKey), $"{what}: keyframes differ from ffprobe's");
                Assert.Equal(ffTimeline.LastFrameDuration, timeline.LastFrameDuration);
            }
        }
    }

    /// <summary>Passes reads on to an engine and keeps what they returned.</summary>
    private sealed class RecordingReader(IProbeReader inner) : IProbeReader
    {
        public Dictionary<bool, ContainerFacts> Facts { get; } = [];

        public IReadOnlyList<PacketTimes>? FirstVideoStreamPackets { get; private set; }

        public string Name => inner.Name;

        public ContainerFacts Read(string path, bool readPackets, CancellationToken ct) => Facts[readPackets] = inner.Read(path, readPackets, ct);

        public IReadOnlyList<PacketTimes> ReadFirstVideoStreamPackets(string path, CancellationToken ct)
            => FirstVideoStreamPackets = inner.ReadFirstVideoStreamPackets(path, ct);
    }

    /// <summary>Small videos of the kinds the other tests and real collections have (about 2 s of ffmpeg work in all).</summary>
    private static List<string> GeneratedVideos(TempDirectory temp)
    {
        const string Source = "testsrc2=size=64x48:rate=10:duration=1.5";
        string plain = RealClips.Generate(temp.Path, "plain.mp4", "-f", "lavfi", "-i", Source, "-pix_fmt", "yuv420p");
        string rotated = temp.File("rotated.mp4");
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated);
        string cover = temp.File("cover.png");
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=32x32", "-frames:v", "1", cover);
        string withCover = temp.File("cover.mkv");
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-i", plain, "-c", "copy", "-attach", cover, "-metadata:s:t", "mimetype=image/png", withCover);
        var videos = new List<string>
        {
            plain,
            rotated,
            withCover,
            RealClips.Generate(temp.Path, "bframes.mp4", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=4", "-c:v", "libx264", "-g", "25", "-bf", "2", "-pix_fmt", "yuv420p"),
            RealClips.Generate(temp.Path, "with-audio.mkv", "-f", "lavfi", "-i", Source, "-f", "lavfi", "-i", "sine=duration=2", "-pix_fmt", "yuv420p", "-c:a", "flac"),
            RealClips.Generate(temp.Path, "stream.ts", "-f", "lavfi", "-i", Source, "-c:v", "mpeg2video"),
            RealClips.Generate(temp.Path, "raw.h264", "-f", "lavfi", "-i", Source, "-c:v", "libx264", "-pix_fmt", "yuv420p"),
            RealClips.Generate(temp.Path, "raw.m2v", "-f", "lavfi", "-i", Source, "-c:v", "mpeg2video"),
            RealClips.Generate(temp.Path, "motion.avi", "-f", "lavfi", "-i", Source, "-c:v", "mjpeg"),
            RealClips.Generate(temp.Path, "anim.gif", "-f", "lavfi", "-i", Source),
            RealClips.Generate(temp.Path, "offset.mp4", "-f", "lavfi", "-i", Source, "-pix_fmt", "yuv420p", "-output_ts_offset", "3.3"),
        };

        // A file cut in half with its index first (probes, frames missing), and one with noise in the middle.
        var bytes = File.ReadAllBytes(SharedData.Real("activitynet", "v_ZNVhz7ctTq0.mp4"));
        string halved = temp.File("halved.mp4");
        File.WriteAllBytes(halved, bytes[..(bytes.Length / 2)]);
        var noisy = bytes.ToArray();
        BadVideoFiles.RandomBytes(bytes.Length / 5, 7).CopyTo(noisy, bytes.Length * 2 / 5);
        string corrupt = temp.File("corrupt.mp4");
        File.WriteAllBytes(corrupt, noisy);
        // Subtitles beside the video and audio.
        string subtitles = temp.File("subs.srt");
        File.WriteAllText(subtitles, "1\n00:00:00,000 --> 00:00:01,000\nhello\n");
        string withSubtitles = temp.File("subtitled.mkv");
        RealClips.Run("ffmpeg", "-nostdin", "-v", "error", "-i", temp.File("with-audio.mkv"), "-i", subtitles, "-map", "0", "-map", "1", "-c", "copy", withSubtitles);
        videos.Add(withSubtitles);

        // A display matrix of zeros (no angle: ffprobe prints the NaN as the smallest 64-bit integer).
        var mp4 = File.ReadAllBytes(plain);
        int header = mp4.AsSpan().IndexOf("tkhd"u8);
        Array.Clear(mp4, header + 44, 36);
        string degenerate = temp.File("zero-matrix.mp4");
        File.WriteAllBytes(degenerate, mp4);
        videos.Add(degenerate);

        // A file name that is not plain ASCII, with spaces.
        string named = temp.File("vidéo d'été ü.mp4");
        File.Copy(plain, named);
        videos.AddRange([halved, corrupt, named]);
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
