using System.Diagnostics;
using System.Globalization;
using VidSearch.Core;
using VidSearch.Media;
using VidSearch.Media.Decoding;
using VidSearch.Media.Preprocessing;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;
using VidSearch.Media.Tools;

namespace VidSearch.Benchmarks.Media;

/// <summary>What to measure: the real clips of a folder, and a generated long 720p video.</summary>
public sealed record MediaBenchmarkOptions
{
    /// <summary>Folder of real clips (searched recursively); null skips them.</summary>
    public string? ClipsFolder { get; init; }

    /// <summary>Length of the generated 1280x720 30 fps video in minutes; 0 skips it.</summary>
    public double LongVideoMinutes { get; init; } = 10;

    public IReadOnlyList<string> Strategies { get; init; } = ["clip4clip:12", "fps:1"];

    /// <summary>Timed passes of the pipeline and of ffmpeg alone (alternating); the best of each is reported.</summary>
    public int Passes { get; init; } = 2;

    /// <summary>How the pipeline probes videos; null: as VIDSEARCH_PROBE says.</summary>
    public ProbeEngine? Probe { get; init; }

    /// <summary>How the pipeline decodes frames; null: as VIDSEARCH_DECODE says.</summary>
    public DecodeEngine? Decode { get; init; }
}

/// <summary>One measured row: a video set and a strategy, the pipeline against ffmpeg alone on the same frames.</summary>
public sealed record MediaBenchmarkRow(
    string Videos,
    string Strategy,
    int Frames,
    double PipelineSeconds,
    double FfmpegSeconds,
    string FfmpegMethod,
    double SequentialSeconds,
    double? SeekingSeconds)
{
    public double PipelineFps => Frames / PipelineSeconds;

    public double FfmpegFps => Frames / FfmpegSeconds;

    /// <summary>Pipeline throughput over ffmpeg-alone throughput (target: at least 0.8).</summary>
    public double Ratio => FfmpegSeconds / PipelineSeconds;
}

/// <param name="Probe">The probe engine the pipeline used, in words ("libavformat 59.27.100 (in-process)", "ffprobe").</param>
/// <param name="Decode">The decode engine the pipeline used, in words ("libavcodec 59.37.100 + libavfilter 8.44.100 (in-process)", "ffmpeg").</param>
public sealed record MediaBenchmarkReport(IReadOnlyList<MediaBenchmarkRow> Rows, long PeakWorkingSetBytes, long? LongVideoPeakWorkingSetBytes, string Machine, string Probe, string Decode);

/// <summary>
/// `vidsearch bench media`: frames per second of probe + decode + sample + CLIP preprocessing, against ffmpeg alone
/// decoding the same frames to RGB in the same run. ffmpeg alone is given the timestamps for free and the faster of
/// two plain commands is kept: one process per video (fps filter for fixed rates, a select filter otherwise), or one
/// input-seeking process per timestamp (-ss before -i).
/// </summary>
public sealed class MediaBenchmark(MediaBenchmarkOptions options)
{
    public MediaBenchmarkReport Run(IProgress<WorkProgress>? progress = null, CancellationToken ct = default)
    {
        var rows = new List<MediaBenchmarkRow>();
        long? longPeak = null;
        if (options.ClipsFolder is not null)
        {
            var clips = MediaFiles.Enumerate(options.ClipsFolder);
            foreach (string spec in options.Strategies)
            {
                rows.Add(Measure($"{clips.Count} real clips", clips, SamplingStrategies.Parse(spec), progress, ct));
            }
        }

        if (options.LongVideoMinutes > 0)
        {
            string folder = Path.Combine(Path.GetTempPath(), "vidsearch-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                string video = GenerateLongVideo(folder, options.LongVideoMinutes, progress, ct);
                foreach (string spec in options.Strategies)
                {
                    rows.Add(Measure($"{options.LongVideoMinutes:0.#} min 720p", [video], SamplingStrategies.Parse(spec), progress, ct));
                }

                longPeak = Process.GetCurrentProcess().PeakWorkingSet64;
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        return new MediaBenchmarkReport(
            rows,
            Process.GetCurrentProcess().PeakWorkingSet64,
            longPeak,
            $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
            ProbeEngines.Describe(options.Probe),
            DecodeEngines.Describe(options.Decode));
    }

    private MediaBenchmarkRow Measure(string label, IReadOnlyList<string> files, ISamplingStrategy strategy, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        string task = $"{label}, {strategy.Name}";
        var preprocessor = new ClipPreprocessor();
        var buffer = new float[preprocessor.ImageLength];
        var sampler = new FrameSampler(strategy, new FrameDecoder { Engine = options.Decode }) { ProbeEngine = options.Probe };
        var plans = new List<(VideoInfo Info, double[] Times)>();

        // Passes of the pipeline over the whole batch (probe ahead + plan + decode + preprocess, as indexing runs it)
        // alternate with passes of ffmpeg alone on the same frames, so that a change of machine load affects both
        // alike; the best pass of each is kept.
        int frames = 0, sequentialFrames = 0;
        double pipeline = double.MaxValue, sequential = double.MaxValue;
        var clock = new Stopwatch();
        for (int pass = 0; pass < Math.Max(1, options.Passes); pass++)
        {
            frames = 0;
            clock.Restart();
            foreach (var opened in sampler.OpenAll(files, ct: ct))
            {
                var video = opened.Video ?? throw opened.Error!;
                var report = new DecodeReport();
                foreach (var frame in video.Frames(report, null, ct))
                {
                    preprocessor.Process(frame.Image, buffer);
                    frames++;
                    progress?.Report(new WorkProgress(task, frames, null, "frames"));
                }

                if (pass == 0)
                {
                    plans.Add((video.Info, video.Plan.ValidTimestamps));
                }
            }

            pipeline = Math.Min(pipeline, clock.Elapsed.TotalSeconds);
            clock.Restart();
            sequentialFrames = 0;
            foreach (var (info, times) in plans)
            {
                sequentialFrames += FfmpegSequential(info, times, strategy, ct);
            }

            sequential = Math.Min(sequential, clock.Elapsed.TotalSeconds);
        }

        double? seeking = null;
        if (plans.All(p => p.Times.Length <= 50))
        {
            clock.Restart();
            foreach (var (info, times) in plans)
            {
                foreach (double t in times)
                {
                    FfmpegSeekOne(info, t, ct);
                }
            }

            seeking = clock.Elapsed.TotalSeconds;
        }

        bool seekFaster = seeking is double s && s < sequential;
        return new MediaBenchmarkRow(
            label,
            strategy.Name,
            frames,
            pipeline,
            seekFaster ? seeking!.Value : sequential,
            seekFaster ? "-ss per timestamp" : strategy is FixedRateSampling ? "fps filter" : "select filter",
            sequential,
            seeking);
    }

    /// <summary>One ffmpeg process decoding the file to RGB, letting through one frame per timestamp.</summary>
    private static int FfmpegSequential(VideoInfo info, double[] times, ISamplingStrategy strategy, CancellationToken ct)
    {
        string file = info.Path;
        string filter;
        if (strategy is FixedRateSampling fixedRate)
        {
            filter = string.Create(CultureInfo.InvariantCulture, $"fps={fixedRate.Fps}");
        }
        else
        {
            double half = 0.5 / info.FrameRate;
            var terms = times.Distinct().Select(t => string.Create(CultureInfo.InvariantCulture, $"between(t,{t + info.StartTime - half},{t + info.StartTime + half})")).ToList();
            filter = "select='" + Sum(terms) + "'";
        }

        return CountRawFrames(["-nostdin", "-v", "error", "-copyts", "-i", file, "-map", "0:v:0", "-vf", filter, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], info, ct);
    }

    /// <summary>The terms added as a balanced tree (ffmpeg's parser refuses chains of more than 100 additions).</summary>
    private static string Sum(List<string> terms)
        => terms.Count == 1 ? terms[0] : $"({Sum(terms[..(terms.Count / 2)])}+{Sum(terms[(terms.Count / 2)..])})";

    private static void FfmpegSeekOne(VideoInfo info, double time, CancellationToken ct)
    {
        CountRawFrames(["-nostdin", "-v", "error", "-ss", time.ToString("R", CultureInfo.InvariantCulture), "-i", info.Path, "-map", "0:v:0", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"], info, ct);
    }

    private static int CountRawFrames(List<string> args, VideoInfo info, CancellationToken ct)
    {
        using var process = FfmpegProcess.Start(FfmpegProcess.FfmpegPath, args);
        var errors = process.StandardError.ReadToEndAsync(ct);
        var buffer = new byte[1 << 20];
        long bytes = 0;
        int n;
        var output = process.StandardOutput.BaseStream;
        while ((n = output.Read(buffer, 0, buffer.Length)) > 0)
        {
            bytes += n;
        }

        process.WaitForExit();
        _ = errors.GetAwaiter().GetResult();
        return (int)(bytes / (info.DisplayWidth * info.DisplayHeight * 3));
    }

    private static string GenerateLongVideo(string folder, double minutes, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        string path = Path.Combine(folder, "long720p.mp4");
        progress?.Report(new WorkProgress("generate 720p test video", 0, null, "steps"));
        var (exit, _, stderr) = FfmpegProcess.Run(
            FfmpegProcess.FfmpegPath,
            ["-nostdin", "-v", "error", "-f", "lavfi", "-i", string.Create(CultureInfo.InvariantCulture, $"testsrc2=size=1280x720:rate=30:duration={minutes * 60}"),
             "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path],
            ct);
        if (exit != 0)
        {
            throw new VidSearchException(ErrorKind.External, "ffmpeg", "could not generate the benchmark video: " + FfmpegProcess.LastErrorLine(stderr, "failed"));
        }

        progress?.Report(new WorkProgress("generate 720p test video", 1, 1, "steps"));
        return path;
    }
}
