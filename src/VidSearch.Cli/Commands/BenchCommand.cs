using System.CommandLine;
using System.Globalization;
using VidSearch.Benchmarks.Media;
using VidSearch.Benchmarks.Encoders;
using VidSearch.Cli.Infrastructure;

namespace VidSearch.Cli.Commands;
/// <summary>`vidsearch bench ...`: benchmarks that report ratios against a baseline measured in the same run.</summary>
using VidSearch.Benchmarks.Search;
using VidSearch.Core;
using VidSearch.Index.Vectors;
/// <summary>`vidsearch bench ...`: the benchmarks.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run a benchmark; each reports its figures against a baseline measured in the same run.");
        command.Subcommands.Add(CreateMedia());
        return command;
    }
    /// <summary>`vidsearch bench media`: probe + decode + sample + preprocess throughput against ffmpeg alone.</summary>
    public static Command CreateMedia()
    {
        var clips = new Option<string?>("--clips")
            Description = "Folder of real clips to measure (default: ../shared/data/real from the current folder or VIDSEARCH_SHARED; 'none' to skip).",
        };
        var minutes = new Option<double>("--minutes")
            Description = "Length of the generated 1280x720 test video in minutes (0 skips it).",
            DefaultValueFactory = _ => 10,
        var strategies = new Option<string[]>("--strategy")
            Description = "Sampling strategies to measure (repeatable).",
            DefaultValueFactory = _ => ["clip4clip:12", "fps:1"],
            AllowMultipleArgumentsPerToken = true,
        var json = CommonOptions.Json();
        var command = new Command("media", "Frames per second of probe+decode+sample+CLIP preprocessing, as a ratio to ffmpeg alone on the same frames; peak memory.")
            clips, minutes, strategies, json,
        command.SetHandler(async (parse, ct) =>
            double length = parse.GetValue(minutes);
            if (!double.IsFinite(length) || length < 0 || length > 600)
                throw Core.VidSearchException.Argument("--minutes", "must be between 0 and 600");
            string? folder = parse.GetValue(clips) ?? DefaultClipsFolder();
            if (folder == "none")
                folder = null;
            var options = new MediaBenchmarkOptions { ClipsFolder = folder, LongVideoMinutes = length, Strategies = parse.GetValue(strategies)! };
            var report = await ProgressDisplay.RunAsync(progress => Task.Run(() => new MediaBenchmark(options).Run(progress, ct), ct));
            if (parse.GetValue(json))
                JsonOutput.Write(report);
                return 0;
            Console.WriteLine($"media pipeline (probe + decode + sample + CLIP preprocess 224) vs ffmpeg alone, {report.Machine}");
            Console.WriteLine($"{"videos",-22} {"strategy",-13} {"frames",7} {"pipeline fps",13} {"ffmpeg fps",11} {"ratio",6}  ffmpeg baseline (select/fps | -ss per frame, s)");
            foreach (var row in report.Rows)
                string seek = row.SeekingSeconds is double s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "-";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Videos,-22} {row.Strategy,-13} {row.Frames,7} {row.PipelineFps,13:0.0} {row.FfmpegFps,11:0.0} {row.Ratio,6:0.00}  {row.FfmpegMethod} ({row.SequentialSeconds:0.00} | {seek})"));
            if (report.LongVideoPeakWorkingSetBytes is long peak)
                Console.WriteLine($"peak working set after the long video: {peak / (1024.0 * 1024):0} MiB");
            Console.WriteLine($"peak working set of the run: {report.PeakWorkingSetBytes / (1024.0 * 1024):0} MiB");
        var command = new Command("bench", "Run a benchmark; each reports ratios against a baseline measured in the same run.");
        command.Subcommands.Add(Encoders());
    private static Command Encoders()
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed repetitions per measurement.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp and ONNX Runtime (default: all cores)." };
        var batches = new Option<int[]>("--batch") { Description = "Image batch sizes to time.", DefaultValueFactory = _ => [1, 32], AllowMultipleArgumentsPerToken = true };
        var noOnnx = new Option<bool>("--no-onnx") { Description = "Skip the ONNX Runtime export and timings." };
        var command = new Command("encoders",
            "Images/s of the ViT-B/32 image encoder (TorchSharp and ONNX Runtime) against the machine's matmul roofline, and one-query text latency.")
            iterations, threads, batches, noOnnx, json,
        command.SetHandler(async (parse, _) =>
            var options = new EncoderBenchmarkOptions
                Iterations = parse.GetValue(iterations),
                Threads = parse.GetValue(threads),
                BatchSizes = parse.GetValue(batches) ?? [1, 32],
                Onnx = !parse.GetValue(noOnnx),
            var result = await ProgressDisplay.RunAsync(progress => Task.Run(() => EncoderBenchmark.Run(options, progress)));
                JsonOutput.Write(result);
            Console.WriteLine($"matmul fp32: {result.MatmulGflops:F1} GFLOP/s on {result.Threads} threads -> roofline {result.RooflineImagesPerSecond:F1} images/s (8.82 GFLOPs/image)");
            foreach (var image in result.Images)
                Console.WriteLine($"image encoder {image.Backend,-12} batch {image.BatchSize,3}: {image.ImagesPerSecond,8:F2} images/s  {image.RooflineRatio:P0} of roofline");
            foreach (var text in result.Texts)
                Console.WriteLine($"text query    {text.Backend,-12} {text.Tokens} tokens: median {text.MedianMilliseconds:F1} ms, best {text.BestMilliseconds:F1} ms");
        });
    private static string? DefaultClipsFolder()
        string? shared = Environment.GetEnvironmentVariable("VIDSEARCH_SHARED");
        foreach (string? candidate in new[] { shared is null ? null : Path.Combine(shared, "data", "real"), Path.Combine("..", "shared", "data", "real") })
            if (candidate is not null && Directory.Exists(candidate))
                return Path.GetFullPath(candidate);
        return null;
        var command = new Command("bench", "Run a benchmark.");
        command.Subcommands.Add(CreateSearch());
    private static Command CreateSearch()
        var sizes = new Option<string>("--sizes") { Description = "Collection sizes, comma-separated.", DefaultValueFactory = _ => "100000,1000000" };
        var dim = new Option<int>("--dim") { Description = "Vector dimension.", DefaultValueFactory = _ => 512 };
        var queries = new Option<int>("--queries") { Description = "Measured queries per setting.", DefaultValueFactory = _ => 100 };
        var threads = new Option<int>("--threads") { Description = "Search threads.", DefaultValueFactory = _ => 2 };
        var spread = new Option<float>("--spread") { Description = "Cluster noise relative to the centre (larger: harder for ANN).", DefaultValueFactory = _ => 1.0f };
        var clusters = new Option<int?>("--clusters") { Description = "Gaussian clusters (default: one per 1000 vectors)." };
        var nprobes = new Option<string>("--nprobe") { Description = "IVF nprobe values, comma-separated.", DefaultValueFactory = _ => "8,16,32,64" };
        var storage = new Option<string>("--storage") { Description = "Storage types for exact search, comma-separated.", DefaultValueFactory = _ => "float32,float16,int8" };
        var command = new Command("search", "Search latency (exact and IVF), IVF recall@10 and memory per vector on synthetic 512-d embeddings.")
            sizes, dim, queries, threads, spread, clusters, nprobes, storage, json,
        command.SetHandler(async (parse, cancellationToken) =>
            var options = new SearchBenchmarkOptions
                Sizes = ParseInts(parse.GetValue(sizes)!, "--sizes"),
                Dim = parse.GetValue(dim),
                Queries = parse.GetValue(queries),
                Spread = parse.GetValue(spread),
                Clusters = parse.GetValue(clusters),
                Nprobes = ParseInts(parse.GetValue(nprobes)!, "--nprobe"),
                ExactStorage = parse.GetValue(storage)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(VectorStorageTypes.Parse).Distinct().ToList(),
            var report = await ProgressDisplay.RunAsync(progress => Task.Run(() => SearchBenchmark.Run(options, progress, cancellationToken), cancellationToken));
                return ExitCodes.Success;
            Console.WriteLine($"data: {report.Data}; dim {report.Dim}, k {report.K}, {report.Queries} queries, {report.Threads} threads; {report.Machine}");
            foreach (var size in report.Sizes)
                Console.WriteLine();
                Console.WriteLine($"{size.Vectors} vectors, {size.Clusters} clusters (generated in {size.GenerateSeconds:0.0} s); IVF: {size.IvfLists} lists built in {size.IvfBuildSeconds:0.0} s, {size.IvfBytesPerVector:0} extra bytes/vector");
                Console.WriteLine($"  {"method",-16} {"storage",-8} {"setting",-16} {"p50 ms",8} {"p99 ms",8} {"recall@10",9} {"speedup",8}");
                foreach (var l in size.Latencies)
                    Console.WriteLine($"  {l.Method,-16} {l.Storage,-8} {l.Setting,-16} {l.P50Ms,8:0.00} {l.P99Ms,8:0.00} {(l.RecallAt10 is double r ? r.ToString("0.000") : "exact"),9} {l.SpeedupVsExactFloat32,7:0.0}x");
                foreach (var m in size.Memory)
                    Console.WriteLine($"  memory {m.Storage,-8} {m.PayloadBytesPerVector} payload bytes/vector, {m.MeasuredBytesPerVector:0.0} measured");
    private static List<int> ParseInts(string text, string name)
        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!int.TryParse(part.Replace("_", ""), out int value))
                throw VidSearchException.Argument(name, $"'{part}' is not a whole number");
            values.Add(value);
        return values;
}
