using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Eval.Datasets;
using VidSearch.Eval.Reports;
using VidSearch.Eval.Running;
using VidSearch.Eval.Tasks;
using VidSearch.Models.Video;

namespace VidSearch.Cli.Commands;

/// <summary>
/// `vidsearch eval --data DIR --model M [--task ...] [--out DIR]`: evaluates a model on a dataset with the literature's
/// protocol (report.md, report.json, recall.svg); `vidsearch eval compare REPORT.json...`: several runs side by side.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data", "-d") { Description = "Dataset folder (synthetic manifest, MSR-VTT, MSVD, ActivityNet, DiDeMo, LSMDC, action folders)." };
        var model = new Option<string?>("--model", "-m") { Description = "Model name (in the store) or model folder." };
        var head = new Option<string>("--head") { Description = "Video head: mean (CLIP4Clip meanP), or a folder written by `vidsearch train video --out` (its head, prompts and sampling).", DefaultValueFactory = _ => "mean" };
        var task = new Option<string>("--task", "-t") { Description = "retrieval, actions, localization, choice, a comma-separated list, or all.", DefaultValueFactory = _ => "all" };
        var output = new Option<string>("--out", "-o") { Description = "Folder for report.md, report.json and recall.svg.", DefaultValueFactory = _ => "eval-report" };
        var format = new Option<string?>("--format", "--dataset-format") { Description = "Dataset format (default: detected): " + string.Join(", ", DatasetFormats.Names) + "." };
        var split = new Option<string>("--split") { Description = "Split evaluated.", DefaultValueFactory = _ => "test" };
        var seed = new Option<int>("--seed") { Description = "Seed of the sampled parts (few-shot support, querybank, open-set classes).", DefaultValueFactory = _ => 0 };
        var strategy = new Option<string?>("--strategy") { Description = "Frame sampling: " + VidSearch.Media.Sampling.SamplingStrategies.Help + $" (default {ModelWiring.DefaultClipStrategy}, or the trained head's sampling)." };
        var cache = new Option<string?>("--cache") { Description = "Folder caching frame and text embeddings between runs." };
        var backend = ModelWiring.BackendOption();
        var threads = ModelWiring.ThreadsOption();
        var batchSize = ModelWiring.BatchSizeOption();
        var json = CommonOptions.Json();
        var command = new Command("eval", "Evaluate a model on a dataset with the literature's protocol, and compare evaluation reports.")
        {
            data, model, head, task, output, format, split, seed, strategy, cache, backend, threads, batchSize, json,
        };
        command.Subcommands.Add(Compare());
        command.SetHandler(async (parse, cancellationToken) =>
        {
            string dataDir = parse.GetValue(data) ?? throw VidSearchException.Argument("--data", "give the dataset folder (or use `vidsearch eval compare`)");
            string modelName = parse.GetValue(model) ?? throw VidSearchException.Argument("--model", "give a model name or folder");
            string headName = parse.GetValue(head)!;
            using var trained = TrainedHead.IsFolder(headName) ? TrainedHead.Open(headName, modelName) : null;
            string sampling = parse.GetValue(strategy) ?? trained?.Config.Sampling ?? ModelWiring.DefaultClipStrategy;
            if (trained is not null && !string.Equals(sampling, trained.Config.Sampling, StringComparison.Ordinal))
            {
                throw VidSearchException.Argument("--strategy", $"the head in {headName} was trained with sampling {trained.Config.Sampling}; evaluate it with that (leave --strategy out)");
            }

            var options = new EvaluationOptions
            {
                Tasks = ParseTasks(parse.GetValue(task)!),
                Split = parse.GetValue(split)!,
                Head = trained is null ? ParseHead(headName) : trained.Scorer,
                Pooler = trained is null ? new MeanPoolingScorer() : trained.Scorer,
                Seed = parse.GetValue(seed),
                CacheDirectory = parse.GetValue(cache),
            };
            options.Validate();
            _ = VidSearch.Media.Sampling.SamplingStrategies.Parse(sampling);
            var dataset = DatasetFormats.Load(dataDir, parse.GetValue(format));
            using var opened = trained is null ? ModelWiring.LoadModel(modelName, parse.GetValue(backend), parse.GetValue(threads), sharesCoresWithDecoding: true) : null;
            EvaluationRunner runner;
            if (trained is null)
            {
                var embedder = ModelWiring.CreateEvalEmbedder(opened!, sampling, parse.GetValue(batchSize));
                runner = new EvaluationRunner(opened!.Model, embedder, options);
            }
            else
            {
                var clip = trained.Model.Clip;
                var pipeline = new VideoEmbeddingPipeline(clip, sampling, new VideoEmbeddingOptions { BatchSize = parse.GetValue(batchSize) });
                var embedder = new DelegateVideoEmbedder(pipeline.Strategy.Name, video => pipeline.Embed(video.Path).Frames);
                runner = new EvaluationRunner(trained.TextEncoder, clip.ModelId, clip.LogitScale, embedder, options);
            }

            var report = await ProgressDisplay.RunAsync(progress => Task.Run(() => runner.Run(dataset, progress, cancellationToken), cancellationToken));
            var files = ReportWriter.WriteAll(report, parse.GetValue(output)!);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { report = files.Json, markdown = files.Markdown, svg = files.Svg, report.Model, report.Dataset, report.Retrieval, report.Actions, report.Localization, report.Choice, report.Notes });
            }
            else
            {
                foreach (var table in ReportWriter.Tables(report))
                {
                    TableOutput.Write(table);
                }

                foreach (string note in report.Notes)
                {
                    Console.WriteLine($"note: {note}");
                }

                Console.WriteLine($"wrote {files.Markdown}, {files.Json} and {files.Svg}");
            }

            foreach (var failed in report.Dataset.Failed)
            {
                Console.Error.WriteLine($"failed: {failed.Id}: {failed.Error}");
            }

            return report.Dataset.Failed.Count > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
        });
        return command;
    }

    internal static EvaluationTasks ParseTasks(string text)
    {
        var tasks = EvaluationTasks.None;
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            tasks |= part.ToLowerInvariant() switch
            {
                "all" => EvaluationTasks.All,
                "retrieval" => EvaluationTasks.Retrieval,
                "actions" or "action" => EvaluationTasks.Actions,
                "localization" or "localisation" => EvaluationTasks.Localization,
                "choice" or "multiple-choice" => EvaluationTasks.Choice,
                _ => throw VidSearchException.Argument("--task", $"'{part}' is not a task; expected retrieval, actions, localization, choice or all"),
            };
        }

        return tasks == EvaluationTasks.None ? throw VidSearchException.Argument("--task", "no task given") : tasks;
    }

    private static IVideoTextScorer ParseHead(string name) => name.Trim().ToLowerInvariant() switch
    {
        "mean" or "meanp" => new MeanPoolingScorer(),
        _ => throw VidSearchException.Argument("--head", $"'{name}' is neither a built-in head (mean) nor a folder written by `vidsearch train video --out`"),
    };

    private static Command Compare()
    {
        var reports = new Argument<string[]>("reports") { Description = "report.json files written by evaluation runs.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out", "-o") { Description = "Folder for comparison.md and comparison.svg." };
        var json = CommonOptions.Json();
        var command = new Command("compare", "Put several evaluation reports side by side (table and one recall-at-K plot).") { reports, output, json };
        command.SetHandler(parse =>
        {
            var runs = ReportComparison.Load(parse.GetValue(reports)!);
            string? outDir = parse.GetValue(output);
            if (outDir is not null)
            {
                Directory.CreateDirectory(outDir);
                File.WriteAllText(Path.Combine(outDir, "comparison.md"), ReportComparison.ToMarkdown(runs));
                File.WriteAllText(Path.Combine(outDir, "comparison.svg"), ReportComparison.ToSvg(runs));
            }

            var table = ReportComparison.Table(runs);
            var warnings = ReportComparison.Warnings(runs);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { runs = runs.Select(r => new { r.Name, r.Report.Model, r.Report.Head, r.Report.Dataset, r.Report.Retrieval }), warnings });
            }
            else
            {
                TableOutput.Write(table);
                foreach (string w in warnings)
                {
                    Console.Error.WriteLine($"warning: {w}");
                }

                if (outDir is not null)
                {
                    Console.WriteLine($"wrote {Path.Combine(outDir, "comparison.md")} and {Path.Combine(outDir, "comparison.svg")}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
