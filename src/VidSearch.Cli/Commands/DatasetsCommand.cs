using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Eval.Datasets;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch datasets inspect DIR [--format F]`: parse a dataset and print its counts.</summary>
public static class DatasetsCommand
{
    public static Command Create()
    {
        var command = new Command("datasets", "Work with evaluation datasets.");
        command.Subcommands.Add(Inspect());
        return command;
    }

    private static Command Inspect()
    {
        var directory = new Argument<string>("dir") { Description = "The dataset folder (annotations and videos)." };
        var format = new Option<string?>("--format", "--dataset-format")
        {
            Description = $"Dataset format (default: detected). One of: {string.Join(", ", DatasetFormats.Names)}.",
        };
        var json = CommonOptions.Json();
        var command = new Command("inspect", "Parse a dataset and print its videos, captions, missing videos and splits.") { directory, format, json };
        command.SetHandler(parse =>
        {
            var dataset = DatasetFormats.Load(parse.GetValue(directory)!, parse.GetValue(format));
            var inspection = DatasetInspection.Of(dataset);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(inspection);
                return ExitCodes.Success;
            }

            TableOutput.Write(inspection.ToTable());
            Console.WriteLine($"{dataset.Videos.Count} videos, {dataset.Captions.Count} {dataset.CaptionKind} captions, {dataset.ClassNames.Count} classes, {inspection.MissingCount} videos missing");
            if (inspection.MissingCount > 0)
            {
                Console.WriteLine($"first missing: {string.Join(", ", inspection.FirstMissing)}{(inspection.MissingCount > inspection.FirstMissing.Count ? ", ..." : string.Empty)}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
