using VidSearch.Cli.Commands;

return await CommandCatalog.CreateRoot().Parse(args).InvokeAsync();
