using System.CommandLine;
using System.Globalization;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Pretraining;
using VidSearch.Synthetic.World;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch train clip`: pretrain a small CLIP on still image-caption pairs.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Train models: a small CLIP on image-caption pairs.");
        command.Subcommands.Add(Clip());
        command.Subcommands.Add(TrainVideoCommand.Create());
        return command;
    }

    private static Command Clip()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder with a manifest.jsonl of image rows (stills and film strips), or a synth output folder with static/ and optionally motion/ (video-text pretraining on film strips).", Required = true };
        var config = new Option<string>("--config") { Description = $"Model size: {string.Join(", ", PretrainingPresets.Names)}.", DefaultValueFactory = _ => "tiny" };
        var output = new Option<string>("--out") { Description = "Folder to write the model to (safetensors with Hugging Face names + config.json + tokenizer).", Required = true };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 12 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for TorchSharp (default: all cores)." };
        var maxPairs = new Option<int?>("--max-pairs") { Description = "Use at most this many training still pairs." };
        var positionStd = new Option<double?>("--position-init-std") { Description = "Initial std of the vision position embeddings (default 0.02 as Hugging Face; OpenAI CLIP: width^-0.5)." };
        var lowRes = new Option<int?>("--low-res") { Description = "Progressive resizing: train the first --low-res-epochs epochs on images pooled down to this many pixels (a multiple of the patch size)." };
        var lowResEpochs = new Option<int>("--low-res-epochs") { Description = "Epochs at --low-res before the model's own size.", DefaultValueFactory = _ => 0 };
        var temperature = new Option<double?>("--init-temperature") { Description = "Initial temperature of the contrastive loss (default CLIP's 0.07; the learnable logit scale starts at its inverse)." };
        var hardBatches = new Option<double>("--hard-batches") { Description = "Share of training stills batched in clusters of confusers (same shapes, colours or sizes, bound otherwise): harder negatives per batch.", DefaultValueFactory = _ => 0 };
        var hardCluster = new Option<int>("--hard-batch-cluster") { Description = "Stills per cluster of confusers.", DefaultValueFactory = _ => 8 };
        var hardKind = new Option<string>("--hard-batch-kind") { Description = "How a cluster's stills resemble each other: shared (the same multiset of one attribute, bound differently) or minimal (the same objects but for one attribute).", DefaultValueFactory = _ => "shared" };
        var hardAttribute = new Option<string?>("--hard-batch-attribute") { Description = $"The attribute every cluster is keyed by: {string.Join(", ", Vocabulary.GroupAttributes)} (default: drawn per still)." };
        var textContrast = new Option<double>("--text-contrast") { Description = "Weight of an auxiliary caption-caption contrastive term (paraphrases of one item are positives): makes the text tower separate captions that differ in one word.", DefaultValueFactory = _ => 0 };
        var shards = new Option<int>("--shards") { Description = "Cut each batch into this many shards trained in parallel, one thread each (data parallelism; 1 = libtorch's own threads over the whole batch).", DefaultValueFactory = _ => 1 };
        var maxStrips = new Option<int?>("--max-strips") { Description = "Use at most this many training film strips (0 = stills only)." };
        var vocab = new Option<string?>("--vocab") { Description = "CLIP BPE vocabulary (bpe_simple_vocab_16e6.txt.gz); default VIDSEARCH_CLIP_VOCAB." };
        var json = CommonOptions.Json();
        var command = new Command("clip", "Pretrain a small CLIP from scratch on still image-caption pairs (symmetric InfoNCE), with checkpoints and resume.")
        {
            data, config, output, epochs, batch, lr, seed, threads, maxPairs, maxStrips, positionStd, lowRes, lowResEpochs, temperature, hardBatches, hardCluster, hardKind, hardAttribute, textContrast, shards, vocab, json,
        };
        command.SetHandler(async (parse, ct) =>
        {
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            if (parse.GetValue(threads) is int t)
            {
                if (t <= 0)
                {
                    throw VidSearchException.Argument("--threads", $"must be positive, got {t}");
                }

                TorchSharp.torch.set_num_threads(t);
            }

            var tokenizer = ClipTokenizerLocator.Open(parse.GetValue(vocab), null);
            var pairs = PretrainingPairs.Load(parse.GetValue(data)!);
            var options = new PretrainingOptions
            {
                Config = PretrainingPresets.Get(parse.GetValue(config)!),
                MaxTrainPairs = parse.GetValue(maxPairs),
                MaxTrainStrips = parse.GetValue(maxStrips),
                VisionPositionInitStd = parse.GetValue(positionStd),
                LowResolution = parse.GetValue(lowRes),
                LowResolutionEpochs = parse.GetValue(lowResEpochs),
                InitialTemperature = parse.GetValue(temperature),
                HardBatches = parse.GetValue(hardBatches),
                HardBatchClusterSize = parse.GetValue(hardCluster),
                HardBatchKind = parse.GetValue(hardKind) switch
                {
                    "shared" => ConfuserKind.SharedAttribute,
                    "minimal" => ConfuserKind.OneAttributeDiffers,
                    var other => throw VidSearchException.Argument("--hard-batch-kind", $"must be shared or minimal, got '{other}'"),
                },
                HardBatchAttribute = parse.GetValue(hardAttribute) is string attribute
                    ? Vocabulary.GroupAttributes.ToList().IndexOf(attribute) is int index and >= 0 ? index
                        : throw VidSearchException.Argument("--hard-batch-attribute", $"must be one of {string.Join(", ", Vocabulary.GroupAttributes)}, got '{attribute}'")
                    : null,
                TextContrast = parse.GetValue(textContrast),
                Shards = parse.GetValue(shards),
                Trainer = PretrainingOptions.DefaultTrainer with
                {
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batch),
                    LearningRate = parse.GetValue(lr),
                    Seed = parse.GetValue(seed),
                },
            };
            var pretrainer = new ClipPretrainer(options);
            var (model, result) = await ProgressDisplay.RunAsync(progress => Task.Run(
                () => pretrainer.Run(pairs, tokenizer, Path.Combine(outDir, "checkpoints"), p => Vocabulary.GroupContainsHeldOutPair(p.Group), progress, ct), ct));
            using (model)
            {
                model.ModelId = $"synthetic-clip-{parse.GetValue(config)}-seed{parse.GetValue(seed)}";
                CheckpointWriter.Save(model, outDir);
            }

            if (tokenizer.Source is { } source && File.Exists(source) && source.EndsWith(".gz", StringComparison.Ordinal))
            {
                string copy = Path.Combine(outDir, "bpe_simple_vocab_16e6.txt.gz");
                File.Copy(source, copy, overwrite: true);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }
            }

            var report = new
            {
                model = outDir,
                config = parse.GetValue(config),
                seed = parse.GetValue(seed),
                options = new
                {
                    batchSize = options.Trainer.BatchSize,
                    learningRate = options.Trainer.LearningRate,
                    lowResolution = options.LowResolution,
                    lowResolutionEpochs = options.LowResolutionEpochs,
                    initialTemperature = options.InitialTemperature,
                    hardBatches = options.HardBatches,
                    hardBatchCluster = options.HardBatchClusterSize,
                    hardBatchKind = parse.GetValue(hardKind),
                    hardBatchAttribute = parse.GetValue(hardAttribute),
                    textContrast = options.TextContrast,
                    shards = options.Shards,
                    positionInitStd = options.VisionPositionInitStd,
                    maxPairs = options.MaxTrainPairs,
                    maxStrips = options.MaxTrainStrips,
                },
                trainPairs = result.TrainPairs,
                trainStrips = result.TrainStrips,
                testStripReversal = result.TestStripReversal is double r ? Math.Round(r, 1) : (double?)null,
                epochs = result.Log.Epochs.Count,
                trainSeconds = Math.Round(result.TrainSeconds, 1),
                totalSeconds = Math.Round(result.TotalSeconds, 1),
                test = result.Test,
                testMisses = MissesByDifference(result),
                compositional = result.Compositional,
                log = result.Log.Epochs,
            };
            File.WriteAllText(Path.Combine(outDir, "pretraining.json"), System.Text.Json.JsonSerializer.Serialize(report, JsonOutput.Options));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(report);
                return ExitCodes.Success;
            }

            foreach (var epoch in result.Log.Epochs)
            {
                string strips = epoch.Metrics.ContainsKey("val_strip_reversal")
                    ? string.Create(CultureInfo.InvariantCulture, $", strip reversal {epoch.Metrics["val_strip_reversal"]:F1} %")
                    : string.Empty;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch.Epoch}: loss {epoch.Loss:F4}, {epoch.SamplesPerSecond:F0} items/s, val i2t R@1 {epoch.Metrics.GetValueOrDefault("val_i2t_r1"):F1}, t2i R@1 {epoch.Metrics.GetValueOrDefault("val_t2i_r1"):F1}{strips}"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test gallery {result.Test.Gallery}: image->text R@1 {result.Test.ImageToTextR1:F1} R@5 {result.Test.ImageToTextR5:F1}; text->image R@1 {result.Test.TextToImageR1:F1} R@5 {result.Test.TextToImageR5:F1}"));
            foreach (var (direction, counts) in MissesByDifference(result))
            {
                Console.WriteLine($"test misses at R@1, {direction}, by what tells the rival apart: " +
                    (counts.Count == 0 ? "none" : string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"))));
            }

            if (result.Compositional is { } c)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"compositional hold-out ({c.Queries} queries in the same gallery): image->text R@1 {c.ImageToTextR1:F1}; text->image R@1 {c.TextToImageR1:F1}"));
            }

            if (result.TestStripReversal is double reversal)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"test film strips: {reversal:F1} % of captions score their clip above its reversed twin (chance 50 %; {result.TrainStrips} training strips)"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trained in {result.TrainSeconds:F0} s ({result.TotalSeconds:F0} s in all); model written to {outDir}"));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Test misses per direction, counted by what tells the query's group from its rival's (most frequent first).</summary>
    private static Dictionary<string, Dictionary<string, int>> MissesByDifference(PretrainingResult result)
        => new[] { RetrievalDirection.ImageToText, RetrievalDirection.TextToImage }.ToDictionary(
            d => d == RetrievalDirection.ImageToText ? "image->text" : "text->image",
            d => result.TestMisses.Where(m => m.Direction == d)
                .GroupBy(m => Vocabulary.GroupDifference(m.QueryGroup, m.RivalGroup))
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count()));
}
