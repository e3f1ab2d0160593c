using System.CommandLine;
using VidSearch.Cli.Commands;

var root = new RootCommand("vidsearch: search, classify and localize moments in video collections with CLIP-family models.");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
