using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Pretraining;
using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Benchmarks.Training;

/// <summary>What <see cref="PretrainingStepBenchmark"/> measures.</summary>
public sealed record PretrainingStepBenchmarkOptions
{
    /// <summary>Pretraining preset (<see cref="PretrainingPresets"/>).</summary>
    public string Config { get; init; } = "tiny96-l3";

    /// <summary>Shards of the sharded step, each on its own thread with one torch thread.</summary>
    public int Shards { get; init; } = 2;

    public int BatchSize { get; init; } = 128;

    /// <summary>Timed optimizer steps per mode and round (after one untimed warm-up step per mode).</summary>
    public int Steps { get; init; } = 10;

    /// <summary>Rounds; each times both modes, in alternating order, so that a change in the machine's speed hits both.</summary>
    public int Rounds { get; init; } = 3;

    public void Validate()
    {
        if (Shards is < 2 or > 64)
        {
            throw VidSearchException.Argument("--shards", $"must be in 2..64, got {Shards}");
        }

        if (BatchSize < 2 * Shards || BatchSize > 4096)
        {
            throw VidSearchException.Argument("--batch-size", $"must be in {2 * Shards}..4096 (at least 2 items per shard), got {BatchSize}");
        }

        if (Steps is < 1 or > 10_000 || Rounds is < 1 or > 100)
        {
            throw VidSearchException.Argument("--steps/--rounds", $"must be in 1..10000 and 1..100, got {Steps} and {Rounds}");
        }
    }
}

/// <summary>Pairs per second of one mode in one round.</summary>
public sealed record PretrainingStepTiming(string Mode, int Round, double PairsPerSecond);

/// <param name="LossDifference">|loss of the sharded step - loss of the whole-batch step| on the same batch and weights.</param>
public sealed record PretrainingStepBenchmarkResult(
    string Config, int Threads, int Shards, int BatchSize, int Steps, IReadOnlyList<PretrainingStepTiming> Timings,
    double WholeBatchPairsPerSecond, double ShardedPairsPerSecond, double SpeedUp, double Loss, double LossDifference);

/// <summary>
/// `vidsearch bench train`: pairs per second of the pretraining step (forward, backward, gradient clipping, AdamW) with
/// the whole batch on libtorch's threads (the baseline) and with the batch cut into shards on threads of their own
/// (<c>train clip --shards</c>), alternating in the same run on the same stills, and the two steps' loss on one batch.
/// </summary>
public static class PretrainingStepBenchmark
{
    public const string WholeBatch = "whole batch";
    public const string Sharded = "sharded";

    public static PretrainingStepBenchmarkResult Run(
        IReadOnlyList<ImageTextPair> pairs, ITokenizer tokenizer, PretrainingStepBenchmarkOptions options,
        IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = PretrainingPresets.Get(options.Config);
        int needed = options.BatchSize * (options.Steps + 1);
        var stills = pairs.Where(p => !p.IsStrip && p.Split == "train").Take(needed).ToList();
        if (stills.Count < needed)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "training data",
                $"{stills.Count} training stills, the benchmark needs {needed} ({options.Steps + 1} batches of {options.BatchSize})");
        }

        var data = PreparedPairs.Load(stills, PreprocessConfig.Clip(config.ImageSize), tokenizer, 32, progress, cancellationToken, "load stills");
        manual_seed(1);
        using var model = new ClipModel(config, tokenizer, "bench");
        using var tokens = new CompactTokenEmbedding(model, data.Captions.SelectMany(c => c.Ids));
        nn.Module[] modules = [model, tokens];
        var parameters = modules.SelectMany(m => m.parameters()).Where(p => p.requires_grad).ToArray();
        using var optimizer = optim.AdamW(parameters, 1e-4);
        using var sharded = new ShardedContrastiveStep(options.Shards, model, tokens.TextFeatures, data, modules, null, 0);
        model.train();

        int[] Batch(int index) => Enumerable.Range(index * options.BatchSize, options.BatchSize).ToArray();
        double WholeBatchStep(int[] batch) => Trainer.Backward(ClipPretrainer.Loss(model, tokens.TextFeatures, data, batch, 0));
        double ShardedStep(int[] batch) => sharded.Run(batch, 0, null);

        // The same batch and weights through both steps (no update in between).
        double loss, lossDifference;
        using (NewDisposeScope())
        {
            optimizer.zero_grad();
            loss = WholeBatchStep(Batch(0));
            optimizer.zero_grad();
            lossDifference = Math.Abs(ShardedStep(Batch(0)) - loss);
        }

        var timings = new List<PretrainingStepTiming>();
        long done = 0, total = 2L * options.Rounds * (options.Steps + 1);
        double Time(Func<int[], double> step)
        {
            var clock = new Stopwatch();
            for (int s = 0; s <= options.Steps; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (s == 1)
                {
                    clock.Start(); // step 0 warms up
                }

                using (NewDisposeScope())
                {
                    optimizer.zero_grad();
                    step(Batch(s));
                    nn.utils.clip_grad_norm_(parameters, 1.0);
                    optimizer.step();
                }

                progress?.Report(new WorkProgress("train steps", ++done, total, "steps"));
            }

            return options.Steps * options.BatchSize / clock.Elapsed.TotalSeconds;
        }

        for (int round = 1; round <= options.Rounds; round++)
        {
            var order = round % 2 == 1 ? new[] { WholeBatch, Sharded } : new[] { Sharded, WholeBatch };
            foreach (string mode in order)
            {
                timings.Add(new PretrainingStepTiming(mode, round, Time(mode == WholeBatch ? WholeBatchStep : ShardedStep)));
            }
        }

        double Median(string mode)
        {
            var rates = timings.Where(t => t.Mode == mode).Select(t => t.PairsPerSecond).Order().ToArray();
            return rates.Length % 2 == 1 ? rates[rates.Length / 2] : (rates[(rates.Length / 2) - 1] + rates[rates.Length / 2]) / 2;
        }

        double whole = Median(WholeBatch), shards = Median(Sharded);
        return new PretrainingStepBenchmarkResult(options.Config, get_num_threads(), options.Shards, options.BatchSize, options.Steps, timings,
            whole, shards, shards / whole, loss, lossDifference);
    }
}
