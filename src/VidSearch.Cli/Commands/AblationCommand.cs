using System.CommandLine;
using System.Globalization;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Retrieval.Ablation;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch ablation`: train and evaluate every head and option on a synthetic world.</summary>
public static class AblationCommand
{
    public static Command Create()
    {
        var world = new Option<string>("--world") { Description = "Synthetic world folder (retrieval/, reversal/, compositional/, actions/, choice/ from 'vidsearch synth').", Required = true };
        var model = new Option<string>("--model") { Description = "CLIP model folder (TorchSharp safetensors), e.g. from 'vidsearch train clip'.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for ablation.md, ablation.json and ablation.svg.", Required = true };
        var heads = new Option<string?>("--heads") { Description = "Comma-separated heads to include (default all); option rows follow their head." };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 1 };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-3 };
        var sampling = new Option<string>("--sampling") { Description = "Frame sampling (fixed count), same for training and testing.", DefaultValueFactory = _ => "uniform:8" };
        var noEncoder = new Option<bool>("--no-encoder-rows") { Description = "Skip the rows that re-run the image encoder in training (temporal attention, token masking)." };
        var frameCache = new Option<string?>("--frame-cache") { Description = "Folder where decoded, preprocessed clips are kept and reused by later runs (skips ffmpeg)." };
        var rows = new Option<string?>("--rows") { Description = "Comma-separated configuration labels to include (default all), e.g. \"mean,temporal +twins\"." };
        var json = CommonOptions.Json();
        var command = new Command("ablation", "Train and evaluate every video head and option on a synthetic world: markdown table, JSON and SVG.")
        {
            world, model, output, heads, seed, epochs, batch, lr, sampling, noEncoder, rows, frameCache, json,
        };
        command.SetHandler(async (parse, ct) =>
        {
            string modelDir = Path.GetFullPath(parse.GetValue(model)!);
            var options = new AblationOptions
            {
                World = parse.GetValue(world)!,
                ModelName = modelDir,
                Seed = parse.GetValue(seed),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                Sampling = parse.GetValue(sampling)!,
                EncoderRows = !parse.GetValue(noEncoder),
                Heads = parse.GetValue(heads)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                FrameCache = parse.GetValue(frameCache),
                Labels = parse.GetValue(rows)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            _ = AblationRunner.Configurations(options);
            if (!Directory.Exists(options.World))
            {
                throw new VidSearchException(ErrorKind.NotFound, options.World, "world folder not found (make one with 'vidsearch synth')");
            }

            var (clip, tokenizer) = TrainVideoCommand.OpenClip(modelDir);
            using (clip)
            {
                string outputDir = Path.GetFullPath(parse.GetValue(output)!);
                var report = await ProgressDisplay.RunAsync(progress => Task.Run(() => AblationRunner.Run(clip, tokenizer, options, progress, ct,
                    partial => AblationReportWriter.Write(partial, outputDir)), ct));
                var files = AblationReportWriter.Write(report, outputDir);
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(report);
                    return ExitCodes.Success;
                }

                Console.WriteLine(AblationReportWriter.Markdown(report));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"written: {string.Join(", ", files)}"));
                return ExitCodes.Success;
            }
        });
        return command;
    }
}
