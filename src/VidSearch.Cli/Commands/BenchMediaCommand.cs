using System.CommandLine;
using System.Globalization;
using VidSearch.Benchmarks.Media;
using VidSearch.Cli.Infrastructure;
using VidSearch.Media.Decoding;
using VidSearch.Media.Probing;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch bench media`: probe + decode + sample + preprocess throughput against ffmpeg alone.</summary>
public static class BenchMediaCommand
{
    public static Command Create()
    {
        var clips = new Option<string?>("--clips")
        {
            Description = "Folder of real clips to measure (default: ../shared/data/real from the current folder or VIDSEARCH_SHARED; 'none' to skip).",
        };
        var minutes = new Option<double>("--minutes")
        {
            Description = "Length of the generated 1280x720 test video in minutes (0 skips it).",
            DefaultValueFactory = _ => 10,
        };
        var strategies = new Option<string[]>("--strategy")
        {
            Description = "Sampling strategies to measure (repeatable).",
            DefaultValueFactory = _ => ["clip4clip:12", "fps:1"],
            AllowMultipleArgumentsPerToken = true,
        };
        var passes = new Option<int>("--passes")
        {
            Description = "Timed passes of the pipeline and of ffmpeg alone, alternating; the best of each counts.",
            DefaultValueFactory = _ => 2,
        };
        var probe = new Option<string?>("--probe")
        {
            Description = "How the pipeline probes videos: auto (in-process through libavformat when available), libavformat or ffprobe (default: VIDSEARCH_PROBE, else auto).",
        };
        var decode = new Option<string?>("--decode")
        {
            Description = "How the pipeline decodes frames: auto (in-process through libavcodec when available), libav or ffmpeg (default: VIDSEARCH_DECODE, else auto).",
        };
        var json = CommonOptions.Json();
        var command = new Command("media", "Frames per second of probe+decode+sample+CLIP preprocessing, as a ratio to ffmpeg alone on the same frames; peak memory.")
        {
            clips, minutes, strategies, passes, probe, decode, json,
        };
        command.SetHandler(async (parse, ct) =>
        {
            double length = parse.GetValue(minutes);
            if (!double.IsFinite(length) || length < 0 || length > 600)
            {
                throw Core.VidSearchException.Argument("--minutes", "must be between 0 and 600");
            }

            int passCount = parse.GetValue(passes);
            if (passCount is < 1 or > 20)
            {
                throw Core.VidSearchException.Argument("--passes", $"must be between 1 and 20, got {passCount}");
            }

            string? folder = parse.GetValue(clips) ?? DefaultClipsFolder();
            if (folder == "none")
            {
                folder = null;
            }

            var engine = parse.GetValue(probe) is string name ? ProbeEngines.Parse(name, "--probe") : ProbeEngines.Requested;
            var decoder = parse.GetValue(decode) is string decodeName ? DecodeEngines.Parse(decodeName, "--decode") : DecodeEngines.Requested;
            var options = new MediaBenchmarkOptions
            {
                ClipsFolder = folder, LongVideoMinutes = length, Strategies = parse.GetValue(strategies)!, Passes = passCount, Probe = engine, Decode = decoder,
            };
            var report = await ProgressDisplay.RunAsync(progress => Task.Run(() => new MediaBenchmark(options).Run(progress, ct), ct));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(report);
                return 0;
            }

            Console.WriteLine($"media pipeline (probe + decode + sample + CLIP preprocess 224) vs ffmpeg alone, {report.Machine}");
            Console.WriteLine($"probe: {report.Probe}");
            Console.WriteLine($"decode: {report.Decode}");
            Console.WriteLine($"{"videos",-22} {"strategy",-13} {"frames",7} {"pipeline fps",13} {"ffmpeg fps",11} {"ratio",6}  ffmpeg baseline (select/fps | -ss per frame, s)");
            foreach (var row in report.Rows)
            {
                string seek = row.SeekingSeconds is double s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "-";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Videos,-22} {row.Strategy,-13} {row.Frames,7} {row.PipelineFps,13:0.0} {row.FfmpegFps,11:0.0} {row.Ratio,6:0.00}  {row.FfmpegMethod} ({row.SequentialSeconds:0.00} | {seek})"));
            }

            if (report.LongVideoPeakWorkingSetBytes is long peak)
            {
                Console.WriteLine($"peak working set after the long video: {peak / (1024.0 * 1024):0} MiB");
            }

            Console.WriteLine($"peak working set of the run: {report.PeakWorkingSetBytes / (1024.0 * 1024):0} MiB");
            return 0;
        });
        return command;
    }

    private static string? DefaultClipsFolder()
    {
        string? shared = Environment.GetEnvironmentVariable("VIDSEARCH_SHARED");
        foreach (string? candidate in new[] { shared is null ? null : Path.Combine(shared, "data", "real"), Path.Combine("..", "shared", "data", "real") })
        {
            if (candidate is not null && Directory.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        return null;
    }
}
