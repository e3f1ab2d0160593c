using System.CommandLine;
using System.Globalization;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Prompts;
using VidSearch.Retrieval.Video;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch train video`: adapt a frozen CLIP to video (head, prompts, temporal attention).</summary>
public static class TrainVideoCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder (manifest.jsonl with train/val splits) or a synthetic world folder.", Required = true };
        var model = new Option<string>("--model") { Description = "CLIP model folder (safetensors + config.json + tokenizer), e.g. from 'vidsearch train clip'.", Required = true };
        var head = new Option<string>("--head") { Description = "Head: mean, temporal, text-pool, xclip, prototypes, salient, hierarchical, ensemble.", DefaultValueFactory = _ => "temporal" };
        var prompts = new Option<int>("--prompts") { Description = "Learnable prompt vectors on each side of every text that --prompt-placement names (0 = none).", DefaultValueFactory = _ => 0 };
        var placement = new Option<string>("--prompt-placement") { Description = "Where the prompts go: before (after the start token), after (before the end token, where they read the caption) or both.", DefaultValueFactory = _ => "before" };
        var temporalAttention = new Option<bool>("--temporal-attention") { Description = "Temporal attention in the frozen image encoder, scaled by learnable factors starting at 0 (re-runs the encoder in training)." };
        var maskRatio = new Option<double>("--mask-ratio") { Description = "Share of patch tokens dropped at random in training (MAC); needs --temporal-attention.", DefaultValueFactory = _ => 0 };
        var tokenKeep = new Option<int>("--token-keep") { Description = "Keep only the K most changing patch tokens in training; needs --temporal-attention.", DefaultValueFactory = _ => 0 };
        var singleFrame = new Option<bool>("--single-frame") { Description = "One random frame per video in training (Singularity); all frames at evaluation." };
        var dsl = new Option<bool>("--dsl") { Description = "Dual softmax in the training loss." };
        var queue = new Option<int>("--queue") { Description = "Queue of this many past embeddings as extra negatives (query-independent heads).", DefaultValueFactory = _ => 0 };
        var frameCache = new Option<string?>("--frame-cache") { Description = "Folder where decoded, preprocessed clips are kept and reused by later runs (skips ffmpeg)." };
        var textAdapter = new Option<bool>("--text-adapter") { Description = "Residual linear adapter on the text embeddings, starting at identity, trained on the captions." };
        var twins = new Option<bool>("--twin-batches") { Description = "Keep clips of one manifest group (a clip and its reversed twin) in the same batch: each is the other's hard negative." };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => 1e-3 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var sampling = new Option<string>("--sampling") { Description = "Frame sampling, same for training and testing (fixed count).", DefaultValueFactory = _ => "uniform:8" };
        var output = new Option<string>("--out") { Description = "Folder to write the video model to (video-model.json, head/, safetensors, checkpoints/).", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("video", "Train a video head (and options) on top of a frozen CLIP, with validation, checkpoints and resume.")
        {
            data, model, head, prompts, placement, temporalAttention, maskRatio, tokenKeep, singleFrame, dsl, queue, twins, textAdapter, frameCache, epochs, batch, lr, seed, sampling, output, json,
        };
        command.SetHandler(async (parse, ct) =>
        {
            var options = new VideoTrainingOptions
            {
                Head = parse.GetValue(head)!,
                Prompts = parse.GetValue(prompts),
                PromptPlacement = ParsePlacement(parse.GetValue(placement)!),
                TemporalAttention = parse.GetValue(temporalAttention),
                MaskRatio = parse.GetValue(maskRatio),
                TokenKeep = parse.GetValue(tokenKeep),
                SingleFrame = parse.GetValue(singleFrame),
                DualSoftmax = parse.GetValue(dsl),
                Queue = parse.GetValue(queue),
                TwinBatches = parse.GetValue(twins),
                TextAdapter = parse.GetValue(textAdapter),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                Seed = parse.GetValue(seed),
            };
            options.Validate();
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            var (clip, tokenizer) = OpenClip(parse.GetValue(model)!);
            using (clip)
            {
                TorchSharp.torch.manual_seed(options.Seed);
                var result = await ProgressDisplay.RunAsync(progress => Task.Run(() =>
                {
                    var (train, val) = VideoTrainingData.Load(parse.GetValue(data)!, clip, parse.GetValue(sampling)!, options.TemporalAttention, progress, ct, parse.GetValue(frameCache));
                    using (train)
                    using (val)
                    {
                        using var video = new VideoModel(clip, tokenizer, options, (int)train.Mask.shape[1]);
                        var r = video.TrainableModules().Any(m => m.parameters().Any())
                            ? VideoHeadTrainer.Train(video, train, val, Path.Combine(outDir, "checkpoints"), progress, ct)
                            : throw VidSearchException.Argument("--head", $"'{options.Head}' has no parameters and no option adds any (try --prompts or --temporal-attention); nothing to train");
                        var validation = r.Log.Epochs.Select(e => (IReadOnlyDictionary<string, double>)e.Metrics).ToList();
                        video.Save(outDir, Path.GetFullPath(parse.GetValue(model)!), parse.GetValue(sampling)!, validation);
                        return (r, train.Count, val?.Count ?? 0, scales: video.TemporalAttention?.Scales());
                    }
                }, ct));
                var report = new
                {
                    output = outDir,
                    head = options.Head,
                    label = options.Label,
                    seed = options.Seed,
                    trainClips = result.Item2,
                    valClips = result.Item3,
                    epochs = result.r.Log.Epochs.Count,
                    trainSeconds = Math.Round(result.r.TrainSeconds, 1),
                    valT2vR1 = result.r.ValidationT2vR1,
                    temporalScales = result.scales,
                };
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(report);
                    return ExitCodes.Success;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{options.Label}: {result.Item2} training clips, {report.epochs} epochs in {report.trainSeconds:F0} s; val t2v R@1 {result.r.ValidationT2vR1:F1}"));
                if (result.scales is { } s)
                {
                    Console.WriteLine("temporal-attention scales per layer: " + string.Join(", ", s.Select(x => x.ToString("F4", CultureInfo.InvariantCulture))));
                }

                Console.WriteLine($"video model written to {outDir}");
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static PromptPlacement ParsePlacement(string value) => value.ToLowerInvariant() switch
    {
        "before" => PromptPlacement.Before,
        "after" => PromptPlacement.After,
        "both" => PromptPlacement.Both,
        _ => throw VidSearchException.Argument("--prompt-placement", $"unknown placement '{value}' (known: before, after, both)"),
    };

    /// <summary>Opens a CLIP model folder for training (TorchSharp; the tokenizer from the folder).</summary>
    public static (ClipModel Clip, ITokenizer Tokenizer) OpenClip(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new VidSearchException(ErrorKind.NotFound, folder, "CLIP model folder not found");
        }

        var tokenizer = ClipTokenizer.FromModelFolder(folder);
        return (ClipModelLoader.LoadTorch(folder, tokenizer), tokenizer);
    }
}
