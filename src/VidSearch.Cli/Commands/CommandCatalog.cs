using System.CommandLine;

namespace VidSearch.Cli.Commands;

/// <summary>The one place where the CLI's commands are registered.</summary>
public static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return IndexCommand.Create();
        yield return ReindexCommand.Create();
        yield return SearchCommand.Create();
        yield return BenchCommand.Create();
    }
}
