using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Onnx;
using VidSearch.Models.Tokenization;
using static TorchSharp.torch;

namespace VidSearch.Benchmarks.Encoders;

/// <summary>What <see cref="EncoderBenchmark"/> measures.</summary>
public sealed record EncoderBenchmarkOptions
{
    /// <summary>Timed repetitions per measurement (after one warm-up).</summary>
    public int Iterations { get; init; } = 3;

    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 32];

    /// <summary>CPU threads for TorchSharp and ONNX Runtime; null keeps the libraries' defaults.</summary>
    public int? Threads { get; init; }

    /// <summary>Also export the model to ONNX (in a temporary folder) and time ONNX Runtime.</summary>
    public bool Onnx { get; init; } = true;

    /// <summary>Model shape; ViT-B/32 by default (random weights: speed does not depend on them).</summary>
    public ClipConfig Config { get; init; } = ClipConfig.VitB32;

    /// <summary>GFLOPs of one image through the image encoder, for the roofline ratio (8.82 for ViT-B/32 at 224).</summary>
    public double GflopsPerImage { get; init; } = 8.82;
}

/// <summary>Throughput of one image encoder at one batch size, against the machine's matmul roofline.</summary>
public sealed record ImageThroughput(string Backend, int BatchSize, double ImagesPerSecond, double RooflineRatio);

/// <summary>Latency of encoding one short query.</summary>
public sealed record TextLatency(string Backend, int Tokens, double MedianMilliseconds, double BestMilliseconds);

/// <param name="MatmulGflops">The roofline's GFLOP/s: the best of <paramref name="TorchMatmulGflops"/> and <paramref name="OnnxMatmulGflops"/>.</param>
public sealed record EncoderBenchmarkResult(
    double MatmulGflops,
    double TorchMatmulGflops,
    double? OnnxMatmulGflops,
    double RooflineImagesPerSecond,
    int Threads,
    IReadOnlyList<ImageThroughput> Images,
    IReadOnlyList<TextLatency> Texts);

/// <summary>
/// `vidsearch bench encoders`: images per second of the CLIP image encoder (TorchSharp and ONNX Runtime) as a ratio to the
/// roofline measured in the same run (fp32 matmul GFLOP/s divided by the GFLOPs of one image), and the latency of one
/// short text query through the text encoder.
/// </summary>
public static class EncoderBenchmark
{
    /// <summary>A short query: start token, 6 word tokens, end token (8 in all).</summary>
    private static readonly long[] QueryTokens = [49406, 320, 1929, 2662, 530, 518, 2583, 49407];

    public static EncoderBenchmarkResult Run(EncoderBenchmarkOptions options, IProgress<WorkProgress>? progress = null)
    {
        if (options.Iterations <= 0 || options.BatchSizes.Count == 0 || options.BatchSizes.Any(b => b <= 0))
        {
            throw VidSearchException.Argument("iterations / batch sizes", "must be positive");
        }

        if (options.Threads is int threads)
        {
            if (threads <= 0)
            {
                throw VidSearchException.Argument("threads", $"must be positive (got {threads})");
            }

            set_num_threads(threads);
        }

        int steps = 2 + options.BatchSizes.Count * (options.Onnx ? 3 : 1) + (options.Onnx ? 3 : 0);
        int step = 0;
        void Report(string detail) => progress?.Report(new WorkProgress("bench encoders", step++, steps, "steps", detail));

        Report("matmul roofline");
        double torchGflops = MatmulGflops(options.Iterations);
        double? onnxGflops = options.Onnx ? OnnxMatmulGflops(options.Iterations, options.Threads) : null;
        double gflops = Math.Max(torchGflops, onnxGflops ?? 0);
        double roofline = gflops / options.GflopsPerImage;

        Report("building the model");
        var tokenizer = new FixedQueryTokenizer(options.Config.ContextLength);
        var imageResults = new List<ImageThroughput>();
        var textResults = new List<TextLatency>();
        using var model = new ClipModel(options.Config, tokenizer, "bench-random");
        model.eval();
        model.MaxBatchSize = options.BatchSizes.Max();
        foreach (int batch in options.BatchSizes)
        {
            Report($"TorchSharp images, batch {batch}");
            double rate = ImagesPerSecond(model, batch, options.Iterations);
            imageResults.Add(new ImageThroughput("torchsharp", batch, rate, rate / roofline));
        }

        textResults.Add(QueryLatency("torchsharp", model, options.Iterations * 5));

        if (options.Onnx)
        {
            string folder = Path.Combine(Path.GetTempPath(), $"vidsearch-bench-onnx-{Guid.NewGuid():N}");
            try
            {
                Report("exporting to ONNX");
                OnnxExporter.Export(model, folder);
                // As `search` loads it (worker threads spin while they wait), then as `index` loads it (they sleep).
                foreach (bool spin in new[] { true, false })
                {
                    string backend = spin ? "onnxruntime" : "onnx-sleep";
                    using var onnx = OnnxClipModel.Load(folder, tokenizer, options.Threads, spinWhileWaiting: spin);
                    foreach (int batch in options.BatchSizes)
                    {
                        Report($"ONNX Runtime images, batch {batch}, threads {(spin ? "spinning" : "sleeping")}");
                        double rate = ImagesPerSecond(onnx, batch, options.Iterations);
                        imageResults.Add(new ImageThroughput(backend, batch, rate, rate / roofline));
                    }

                    Report($"ONNX Runtime query latency, threads {(spin ? "spinning" : "sleeping")}");
                    textResults.Add(QueryLatency(backend, onnx, options.Iterations * 5));
                }
            }
            finally
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }

        progress?.Report(new WorkProgress("bench encoders", steps, steps, "steps", "done"));
        return new EncoderBenchmarkResult(gflops, torchGflops, onnxGflops, roofline, get_num_threads(), imageResults, textResults);
    }

    /// <summary>Best-of-N GFLOP/s of a 2048x2048 fp32 matmul (the machine's attainable dense throughput).</summary>
    public static double MatmulGflops(int iterations)
    {
        const int n = 2048;
        using var _ = inference_mode();
        using var a = randn(n, n);
        using var b = randn(n, n);
        using (var warm = a.matmul(b))
        {
        }

        double best = double.MaxValue;
        for (int i = 0; i < Math.Max(3, iterations); i++)
        {
            var watch = Stopwatch.StartNew();
            using var c = a.matmul(b);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return 2.0 * n * n * n / best / 1e9;
    }

    /// <summary>Best-of-N GFLOP/s of the same 2048x2048 fp32 matmul run by ONNX Runtime.</summary>
    public static double OnnxMatmulGflops(int iterations, int? threads)
    {
        const int n = 2048;
        string path = Path.Combine(Path.GetTempPath(), $"vidsearch-matmul-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.ExportMatMulProbe(path, n);
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
            options.IntraOpNumThreads = threads ?? OnnxThreads.Default;

            using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path, options);
            var random = new Random(1);
            var a = new float[n * n];
            var b = new float[n * n];
            for (int i = 0; i < a.Length; i++)
            {
                a[i] = (float)random.NextDouble();
                b[i] = (float)random.NextDouble();
            }

            using var inputA = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(a, [n, n]);
            using var inputB = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(b, [n, n]);
            using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
            double best = double.MaxValue;
            for (int i = 0; i < Math.Max(3, iterations) + 1; i++)
            {
                var watch = Stopwatch.StartNew();
                using var result = session.Run(run, ["a", "b"], [inputA, inputB], ["c"]);
                if (i > 0)
                {
                    best = Math.Min(best, watch.Elapsed.TotalSeconds);
                }
            }

            return 2.0 * n * n * n / best / 1e9;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double ImagesPerSecond(IImageEncoder encoder, int batch, int iterations)
    {
        int size = encoder.Preprocess.ImageSize;
        var random = new Random(1);
        var data = new float[batch * 3 * size * size];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var images = new ImageBatch(data, batch, size, size);
        encoder.EncodeImages(images);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++)
        {
            encoder.EncodeImages(images);
        }

        return batch * iterations / watch.Elapsed.TotalSeconds;
    }

    private static TextLatency QueryLatency(string backend, ITextEncoder encoder, int iterations)
    {
        string[] query = ["a dog playing in the snow"];
        encoder.EncodeTexts(query);
        var times = new List<double>();
        for (int i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            encoder.EncodeTexts(query);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return new TextLatency(backend, QueryTokens.Length, times[times.Count / 2], times[0]);
    }

    /// <summary>Turns any text into the same 8-token query (speed does not depend on which tokens).</summary>
    private sealed class FixedQueryTokenizer(int contextLength) : ITokenizer
    {
        public int ContextLength => contextLength;

        public TokenBatch EncodeBatch(IReadOnlyList<string> texts, int? length = null)
        {
            int width = length ?? contextLength;
            var ids = new long[texts.Count * width];
            var mask = new long[texts.Count * width];
            for (int row = 0; row < texts.Count; row++)
            {
                QueryTokens.CopyTo(ids, row * width);
                Array.Fill(mask, 1L, row * width, QueryTokens.Length);
            }

            return new TokenBatch(ids, mask, Enumerable.Repeat(QueryTokens.Length - 1, texts.Count).ToArray(), texts.Count, width);
        }
    }
}
