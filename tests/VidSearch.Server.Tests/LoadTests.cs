using VidSearch.Core;
using VidSearch.Server.Collections;
using VidSearch.Server.Load;

namespace VidSearch.Server.Tests;

/// <summary>A small bounded version of `vidsearch bench serve`: real Kestrel on loopback, 16 clients, no errors.</summary>
public class LoadTests(ServerWorld world)
{
    [Fact]
    public async Task SixteenClientsOnLoopbackGetNoErrors()
    {
        using var collection = new CollectionService(world.Collection, new NonOwningEmbedder(world.Embedder));
        var report = await ServeBenchmark.RunAsync(collection, new LoadOptions { Requests = 192, Concurrency = 16, TimeLimit = TimeSpan.FromSeconds(60) });
        TestContext.Current.SendDiagnosticMessage("load test: " + report.Summary());
        Assert.Equal(192, report.Sent);
        Assert.Equal(0, report.NotSent);
        Assert.Equal(0, report.Errors);
        Assert.Equal(192, report.StatusCounts[200]);
        Assert.True(report.RequestsPerSecond > 0);
        Assert.InRange(report.P50Ms, 0.01, report.P99Ms);
        Assert.InRange(report.P99Ms, report.P50Ms, report.MaxMs);
    }

    [Fact]
    public async Task ErrorsAreCountedNotHidden()
    {
        // The load generator refuses any address but loopback, so the error count is checked on a real loopback server.
        using var collection = new CollectionService(world.Collection, new NonOwningEmbedder(world.Embedder));
        await using var server = Hosting.VidSearchServer.Build(new Hosting.ServerOptions { Urls = "http://127.0.0.1:0", RateLimitPerMinute = 0 }, collection);
        await server.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(Hosting.VidSearchServer.Addresses(server).First()) };
        var report = await LoadGenerator.RunAsync(client, ["/api/search?q=ball", "/api/search?q="], new LoadOptions { Requests = 20, Concurrency = 4 });
        Assert.Equal(20, report.Sent);
        Assert.Equal(10, report.Errors);
        Assert.Equal(10, report.StatusCounts[400]);
        await server.StopAsync();
    }

    [Fact]
    public async Task TheLoadGeneratorOnlyTargetsLoopback()
    {
        using var client = new HttpClient { BaseAddress = new Uri("http://192.0.2.10:8080") };
        var e = await Assert.ThrowsAsync<VidSearchException>(() => LoadGenerator.RunAsync(client, ["/api/health"], new LoadOptions { Requests = 1 }));
        Assert.Contains("loopback", e.Message);
        using var local = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1") };
        await Assert.ThrowsAsync<VidSearchException>(() => LoadGenerator.RunAsync(local, ["/"], new LoadOptions { Requests = 0 }));
        await Assert.ThrowsAsync<VidSearchException>(() => LoadGenerator.RunAsync(local, [], new LoadOptions { Requests = 1 }));
    }

    [Fact]
    public void PercentilesAreNearestRank()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToList();
        Assert.Equal(50, LoadGenerator.Percentile(values, 0.50));
        Assert.Equal(99, LoadGenerator.Percentile(values, 0.99));
        Assert.Equal(100, LoadGenerator.Percentile(values, 1.0));
        Assert.Equal(7, LoadGenerator.Percentile([7], 0.99));
        Assert.Equal(0, LoadGenerator.Percentile([], 0.5));
    }
}
