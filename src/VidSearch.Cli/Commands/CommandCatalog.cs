using System.CommandLine;

namespace VidSearch.Cli.Commands;

/// <summary>The one place where the CLI's commands are registered.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return DatasetsCommand.Create();
        yield return EvalCommand.Create();
    }
}
