using System.CommandLine;
using VidSearch.Benchmarks.Encoders;
using VidSearch.Cli.Infrastructure;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch bench encoders`: image encoder throughput against the matmul roofline, one-query text latency.</summary>
public static class BenchEncodersCommand
{
    public static Command Create()
    {
        var iterations = new Option<int>("--iterations", "-n") { Description = "Timed repetitions per measurement.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp and ONNX Runtime (default: all cores)." };
        var batches = new Option<int[]>("--batch") { Description = "Image batch sizes to time.", DefaultValueFactory = _ => [1, 32], AllowMultipleArgumentsPerToken = true };
        var noOnnx = new Option<bool>("--no-onnx") { Description = "Skip the ONNX Runtime export and timings." };
        var json = CommonOptions.Json();
        var command = new Command("encoders",
            "Images/s of the ViT-B/32 image encoder (TorchSharp and ONNX Runtime) against the machine's matmul roofline, and one-query text latency.")
        {
            iterations, threads, batches, noOnnx, json,
        };
        command.SetHandler(async (parse, _) =>
        {
            var options = new EncoderBenchmarkOptions
            {
                Iterations = parse.GetValue(iterations),
                Threads = parse.GetValue(threads),
                BatchSizes = parse.GetValue(batches) ?? [1, 32],
                Onnx = !parse.GetValue(noOnnx),
            };
            var result = await ProgressDisplay.RunAsync(progress => Task.Run(() => EncoderBenchmark.Run(options, progress)));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(result);
                return 0;
            }

            string onnxMatmul = result.OnnxMatmulGflops is double o ? $", ONNX Runtime {o:F1}" : "";
            Console.WriteLine($"matmul fp32 2048x2048 on {result.Threads} threads: torch {result.TorchMatmulGflops:F1}{onnxMatmul} GFLOP/s");
            Console.WriteLine($"roofline: {result.MatmulGflops:F1} GFLOP/s / 8.82 GFLOPs per image = {result.RooflineImagesPerSecond:F2} images/s");
            foreach (var image in result.Images)
            {
                Console.WriteLine($"image encoder {image.Backend,-12} batch {image.BatchSize,3}: {image.ImagesPerSecond,8:F2} images/s  {image.RooflineRatio:P0} of roofline");
            }

            foreach (var text in result.Texts)
            {
                Console.WriteLine($"text query    {text.Backend,-12} {text.Tokens} tokens: median {text.MedianMilliseconds:F1} ms, best {text.BestMilliseconds:F1} ms");
            }

            if (result.Texts.Any(t => t.Backend == "onnx-sleep"))
            {
                Console.WriteLine("onnxruntime: worker threads spin while they wait (as search loads the model); onnx-sleep: they sleep (as index loads it)");
            }

            return 0;
        });
        return command;
    }
}
