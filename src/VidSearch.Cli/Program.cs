using VidSearch.Cli.Commands;
using VidSearch.Cli.Infrastructure;

return await CommandCatalog.CreateRoot().Parse(args).RunAsync();
