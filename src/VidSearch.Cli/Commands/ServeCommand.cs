using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VidSearch.Cli.Infrastructure;
using VidSearch.Index.Indexing;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Server.Collections;
using VidSearch.Server.Hosting;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch serve --collection NAME --urls http://127.0.0.1:PORT`: the HTTP API and search page of a collection.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var collection = new Option<string>("--collection", "-c") { Description = "Collection name or .db path.", Required = true };
        var urls = new Option<string>("--urls") { Description = "Where to listen, ';'-separated. Anything but loopback requires API keys (`vidsearch keys create`).", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var model = new Option<string?>("--model", "-m") { Description = "Model name or folder (default: the one the collection was indexed with)." };
        var backend = ModelWiring.BackendOption();
        var threads = ModelWiring.ThreadsOption();
        var requireKeys = new Option<bool>("--require-keys") { Description = "Require an API key on loopback too." };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "Largest image upload (MiB).", DefaultValueFactory = _ => 10 };
        var maxQuery = new Option<int>("--max-query") { Description = "Longest text query (characters).", DefaultValueFactory = _ => 500 };
        var rateLimit = new Option<int>("--rate-limit") { Description = "Requests per minute per API key (or per address without key); 0: off.", DefaultValueFactory = _ => 600 };
        var burst = new Option<int>("--burst") { Description = "Requests a client may send at once before the rate applies.", DefaultValueFactory = _ => 60 };
        var log = new Option<bool>("--log") { Description = "Log every request on the console." };
        var command = new Command("serve", "Serve a collection: JSON API (search by text, image or video, details, thumbnails, streaming) and a search page.")
        {
            collection, urls, model, backend, threads, requireKeys, maxUpload, maxQuery, rateLimit, burst, log,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var options = new ServerOptions
            {
                Urls = parse.GetValue(urls)!,
                RequireKeys = parse.GetValue(requireKeys),
                MaxUploadBytes = (long)parse.GetValue(maxUpload) * 1024 * 1024,
                MaxQueryCharacters = parse.GetValue(maxQuery),
                RateLimitPerMinute = parse.GetValue(rateLimit),
                RateLimitBurst = parse.GetValue(burst),
                LogRequests = parse.GetValue(log),
            }.Validate();
            _ = BindingPolicy.Parse(options.Urls);
            using var served = OpenCollection(parse.GetValue(collection)!, parse.GetValue(model), parse.GetValue(backend), parse.GetValue(threads));
            await using var app = VidSearchServer.Build(options, served);
            await app.StartAsync(cancellationToken);
            bool keys = app.Services.GetRequiredService<Server.Security.KeyRing>().Required;
            var status = served.Status();
            Console.WriteLine($"serving '{status.Name}' ({status.Videos} videos, {status.Segments} moments, model {status.ModelId}) at {string.Join(", ", VidSearchServer.Addresses(app))}");
            Console.WriteLine($"API keys: {(keys ? "required" : "off (loopback only, no key created)")}; API description at /api/openapi.json; Ctrl+C stops");
            try
            {
                await app.WaitForShutdownAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The collection and its model, ready to serve (also used by `bench serve`).</summary>
    internal static CollectionService OpenCollection(string collection, string? model, string? backend, int? threads)
    {
        string path = CollectionLocator.Resolve(collection);
        Models.Loading.OpenedModel? opened = null;
        try
        {
            using (var store = CollectionStore.Open(path))
            {
                opened = ModelWiring.LoadCollectionModel(store, model, backend, threads);
                TuningQueries.EnsureForSearch(store, VectorIndexChoice.Auto, opened.Model);
            }

            return new CollectionService(path, new ModelQueryEmbedder(opened));
        }
        catch
        {
            opened?.Dispose();
            throw;
        }
    }
}
