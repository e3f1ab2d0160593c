using System.CommandLine;
using VidSearch.Benchmarks.Training;
using VidSearch.Cli.Infrastructure;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Pretraining;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch bench train`: pretraining steps with the whole batch against sharded steps, in one run.</summary>
public static class BenchTrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "A synth output folder (or a manifest folder) with training stills.", Required = true };
        var config = new Option<string>("--config") { Description = $"Model size: {string.Join(", ", PretrainingPresets.Names)}.", DefaultValueFactory = _ => "tiny96-l3" };
        var shards = new Option<int>("--shards") { Description = "Shards of the sharded step.", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Timed steps per mode and round.", DefaultValueFactory = _ => 10 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds, each timing both modes in alternating order.", DefaultValueFactory = _ => 3 };
        var vocab = new Option<string?>("--vocab") { Description = "CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz); default VIDSEARCH_CLIP_VOCAB." };
        var json = CommonOptions.Json();
        var command = new Command("train",
            "Pairs/s of the pretraining step with the whole batch on libtorch's threads against the batch cut into shards on threads of their own (train clip --shards), in one run.")
        {
            data, config, shards, batch, steps, rounds, vocab, json,
        };
        command.SetHandler(async (parse, ct) =>
        {
            var options = new PretrainingStepBenchmarkOptions
            {
                Config = parse.GetValue(config)!,
                Shards = parse.GetValue(shards),
                BatchSize = parse.GetValue(batch),
                Steps = parse.GetValue(steps),
                Rounds = parse.GetValue(rounds),
            };
            options.Validate();
            PretrainingPresets.Get(options.Config);
            var tokenizer = ClipTokenizerLocator.Open(parse.GetValue(vocab), null);
            var pairs = PretrainingPairs.Load(parse.GetValue(data)!);
            var result = await ProgressDisplay.RunAsync(progress => Task.Run(() => PretrainingStepBenchmark.Run(pairs, tokenizer, options, progress, ct), ct));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(result);
                return ExitCodes.Success;
            }

            Console.WriteLine($"{result.Config}, batch {result.BatchSize}, {result.Steps} timed steps per mode and round, {result.Threads} torch threads:");
            foreach (var timing in result.Timings)
            {
                Console.WriteLine($"  round {timing.Round} {timing.Mode,-12} {timing.PairsPerSecond,7:F1} pairs/s");
            }

            Console.WriteLine($"median: whole batch {result.WholeBatchPairsPerSecond:F1} pairs/s, {result.Shards} shards {result.ShardedPairsPerSecond:F1} pairs/s: {result.SpeedUp:F2}x");
            Console.WriteLine($"loss of one batch: {result.Loss:F6} whole, differs by {result.LossDifference:G3} sharded");
            return ExitCodes.Success;
        });
        return command;
    }
}
