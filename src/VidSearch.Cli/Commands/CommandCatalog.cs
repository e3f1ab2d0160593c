using System.CommandLine;

namespace VidSearch.Cli.Commands;

/// <summary>The one place where the CLI's commands are registered.</summary>
public static class CommandCatalog
{
    /// <summary>The `vidsearch` root command with every command registered (the program and in-process tests run this).</summary>
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("vidsearch: search, classify and localize moments in video collections with CLIP-family models.");
        foreach (var command in All())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static IEnumerable<Command> All()
    {
        yield return VersionCommand.Create();
        yield return ProbeCommand.Create();
        yield return FramesCommand.Create();
        yield return BenchCommand.Create();
        yield return TokenizeCommand.Create();
        yield return ModelsCommand.Create();
        yield return SynthCommand.Create();
        yield return DatasetsCommand.Create();
        yield return EvalCommand.Create();
        yield return IndexCommand.Create();
        yield return ReindexCommand.Create();
        yield return SearchCommand.Create();
        yield return EmbedCommand.Create();
        yield return TrainCommand.Create();
        yield return AblationCommand.Create();
        yield return ServeCommand.Create();
        yield return KeysCommand.Create();
    }
}
