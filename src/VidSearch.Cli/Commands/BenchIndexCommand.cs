using System.CommandLine;
using VidSearch.Benchmarks.Indexing;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Index.Indexing;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch bench index`: indexing throughput of the whole pipeline against image encoding alone, in one run.</summary>
public static class BenchIndexCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Video files or folders.", Arity = ArgumentArity.OneOrMore };
        var model = new Option<string>("--model", "-m") { Description = "Model name or folder.", Required = true };
        var strategy = new Option<string>("--strategy") { Description = "Frame sampling (as `index`).", DefaultValueFactory = _ => ModelWiring.DefaultIndexStrategy };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Videos embedded at once (as `index`).", DefaultValueFactory = _ => IndexCommand.DefaultJobs };
        var maxVideos = new Option<int>("--max-videos") { Description = "At most this many videos.", DefaultValueFactory = _ => 40 };
        var maxFrames = new Option<int>("--max-frames") { Description = "At most about this many frames held pre-decoded for the baseline.", DefaultValueFactory = _ => 4000 };
        var storage = new Option<string>("--storage") { Description = "Vector storage of the temporary collection.", DefaultValueFactory = _ => "float16" };
        var backend = ModelWiring.BackendOption();
        var threads = ModelWiring.ThreadsOption();
        var batchSize = ModelWiring.BatchSizeOption();
        var json = CommonOptions.Json();
        var command = new Command("index", "Frames/s of the whole indexing pipeline (probe, decode, preprocess, encode, store) against image encoding alone on pre-decoded frames, in one run.")
        {
            inputs, model, strategy, jobs, maxVideos, maxFrames, storage, backend, threads, batchSize, json,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var options = new IndexBenchmarkOptions
            {
                Inputs = parse.GetValue(inputs)!,
                Strategy = VidSearch.Media.Sampling.SamplingStrategies.Parse(parse.GetValue(strategy)!),
                BatchSize = parse.GetValue(batchSize),
                MaxVideos = parse.GetValue(maxVideos),
                MaxFrames = parse.GetValue(maxFrames),
                Storage = VectorStorageTypes.Parse(parse.GetValue(storage)!),
                Index = new IndexOptions { EmbedConcurrency = parse.GetValue(jobs) },
            };
            options.Validate();
            using var opened = ModelWiring.LoadModel(parse.GetValue(model)!, parse.GetValue(backend), parse.GetValue(threads), sharesCoresWithDecoding: true);
            var encoder = (IImageEncoder)opened.Model;
            var info = new CollectionInfo(opened.Model.ModelId, opened.Model.Preprocess, encoder.EmbeddingDim, options.Storage);
            var embedder = ModelWiring.CreateVideoEmbedder(opened, parse.GetValue(strategy)!, options.BatchSize, parse.GetValue(threads), options.Index.EmbedConcurrency);
            var result = await ProgressDisplay.RunAsync(progress => Task.Run(() => IndexBenchmark.Run(options, encoder, embedder, info, progress, cancellationToken), cancellationToken));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new
                {
                    result.Videos, result.VideosIndexed, result.Jobs, result.BatchSize, result.Strategy, model = opened.Model.ModelId,
                    phases = new[] { result.Decode, result.DecodeEveryPicture, result.Preprocess, result.ScalarPreprocess, result.EncodeOnlyBefore, result.Pipeline, result.EncodeOnlyAfter }
                        .Select(p => new { p.Phase, p.Frames, p.Seconds, p.FramesPerSecond, p.CpuSeconds }),
                    result.EncodeOnlyFramesPerSecond, pipelineFramesPerSecond = result.Pipeline.FramesPerSecond, result.Ratio, result.RatioCeiling,
                    result.PipelineCoreUse, result.PicturesDecoded, result.PicturesDecodedEveryPicture, result.Failures,
                    processors = Environment.ProcessorCount,
                });
                return ExitCodes.Success;
            }

            Console.WriteLine($"{result.Videos} videos, sampling {result.Strategy}, batch {result.BatchSize}, {result.Jobs} jobs, model {opened.Model.ModelId}, {Environment.ProcessorCount} cores");
            foreach (var p in new[] { result.Decode, result.DecodeEveryPicture, result.Preprocess, result.ScalarPreprocess, result.EncodeOnlyBefore, result.Pipeline, result.EncodeOnlyAfter })
            {
                Console.WriteLine($"  {p.Phase,-30} {p.Frames,7} frames {p.Seconds,8:0.00} s {p.FramesPerSecond,9:0.0} frames/s {p.CpuSeconds,8:0.00} CPU-s");
            }

            Console.WriteLine($"pictures decoded: {result.PicturesDecoded} skipping those no sampled frame needs, {result.PicturesDecodedEveryPicture} without (decode CPU {result.DecodeEveryPicture.CpuSeconds / Math.Max(result.Decode.CpuSeconds, 1e-9):0.00}x less)");
            Console.WriteLine($"preprocess speed-up over the scalar resize: {result.ScalarPreprocess.Seconds / Math.Max(result.Preprocess.Seconds, 1e-9):0.00}x");
            Console.WriteLine($"pipeline / encode-only: {result.Ratio:0.000} (target >= 0.9)");
            Console.WriteLine($"ceiling from CPU time on {result.Cores} cores: {result.RatioCeiling:0.000} (encode + decode + preprocess CPU-s / cores against encode-only wall time); the pipeline kept the cores {result.PipelineCoreUse:P0} busy");
            foreach (var failure in result.Failures)
            {
                Console.Error.WriteLine($"failed: {failure.Path}: {failure.Reason}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
