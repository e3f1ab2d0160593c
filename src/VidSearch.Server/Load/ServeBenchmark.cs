using VidSearch.Server.Collections;
using VidSearch.Server.Hosting;

namespace VidSearch.Server.Load;

/// <summary>
/// `vidsearch bench serve`: starts the real server (Kestrel) on a free loopback port over a collection, sends text
/// searches (and status requests) with <see cref="LoadGenerator"/>, stops the server, and returns the report.
/// Rate limiting is off for the run: the benchmark measures the search path, not the limiter.
/// </summary>
public static class ServeBenchmark
{
    public static readonly string[] DefaultQueries =
    [
        "a red circle moving to the right", "a blue square", "something falling down", "two objects moving apart", "a green triangle growing",
        "a person walking", "a dog running on grass", "a car on a road",
    ];

    public static async Task<LoadReport> RunAsync(CollectionService collection, LoadOptions load, IReadOnlyList<string>? queries = null, CancellationToken cancellationToken = default)
    {
        load.Validate();
        var options = new ServerOptions { Urls = "http://127.0.0.1:0", RateLimitPerMinute = 0 };
        await using var app = VidSearchServer.Build(options, collection);
        await app.StartAsync(cancellationToken);
        try
        {
            string address = VidSearchServer.Addresses(app).First();
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = load.Concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            using var client = new HttpClient(handler) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
            var paths = (queries ?? DefaultQueries).Select(q => "/api/search?k=10&q=" + Uri.EscapeDataString(q)).ToList();
            // One warm-up request per query so that the first-call costs (JIT, model threads) are not measured.
            foreach (string path in paths)
            {
                using var warm = await client.GetAsync(path, cancellationToken);
            }

            return await LoadGenerator.RunAsync(client, paths, load, cancellationToken);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }
}
