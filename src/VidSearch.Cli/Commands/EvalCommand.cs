using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Eval.Reports;

namespace VidSearch.Cli.Commands;

/// <summary>
/// `vidsearch eval compare REPORT.json... [--out DIR]`: several evaluation runs side by side.
/// (Running an evaluation with a model, `vidsearch eval --data DIR --model M`, is wired once the model loader and
/// the media pipeline land: it builds an IClipModel and an IVideoEmbedder and calls EvaluationRunner.Run.)
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Evaluate models with the literature's protocol, and compare evaluation reports.");
        command.Subcommands.Add(Compare());
        return command;
    }

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
