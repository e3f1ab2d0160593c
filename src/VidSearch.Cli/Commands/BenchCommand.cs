using System.CommandLine;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch bench ...`: benchmarks that report ratios against a baseline measured in the same run.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Run a benchmark; each reports its figures against a baseline measured in the same run.");
        command.Subcommands.Add(BenchMediaCommand.Create());
        command.Subcommands.Add(BenchEncodersCommand.Create());
        command.Subcommands.Add(BenchSearchCommand.Create());
        command.Subcommands.Add(BenchRecallCommand.Create());
        command.Subcommands.Add(BenchServeCommand.Create());
        command.Subcommands.Add(BenchIndexCommand.Create());
        command.Subcommands.Add(BenchTrainCommand.Create());
        return command;
    }
}
