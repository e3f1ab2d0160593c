using System.Text.Json;

namespace VidSearch.Server.Tests;

/// <summary>`vidsearch serve` option checks, and a served collection that follows `vidsearch index` while running.</summary>
public class ServeCommandTests(ServerWorld world)
{
    [Fact]
    public void ServeRefusesToExposeACollectionWithoutKeys()
    {
        var (code, output) = ServerWorld.RunCli("serve", "--collection", world.CopyCollection(), "--urls", "http://0.0.0.0:0");
        Assert.Equal(2, code);
        Assert.Contains("keys create", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Theory]
    [InlineData("--urls", "ftp://127.0.0.1:1")]
    [InlineData("--urls", "")]
    [InlineData("--max-upload-mb", "0")]
    [InlineData("--max-query", "5000")]
    [InlineData("--rate-limit", "-1")]
    public void ServeChecksItsOptionsBeforeListening(string option, string value)
    {
        var (code, output) = ServerWorld.RunCli("serve", "--collection", world.Collection, option, value);
        Assert.True(code == 2, output);
        Assert.Contains("error:", output);
    }

    [Fact]
    public void ServeNamesAMissingCollection()
    {
        var (code, output) = ServerWorld.RunCli("serve", "--collection", world.Temp("nowhere.db"), "--urls", "http://127.0.0.1:0");
        Assert.Equal(3, code);
        Assert.Contains("collection not found", output);
    }

    [Fact]
    public void BenchServeReportsThroughputLatencyAndErrors()
    {
        var (code, output) = ServerWorld.RunCli("bench", "serve", "--collection", world.Collection, "--requests", "48", "--concurrency", "16", "--json");
        Assert.True(code == 0, output);
        using var report = JsonDocument.Parse(output[output.IndexOf('{')..]);
        Assert.Equal(48, report.RootElement.GetProperty("sent").GetInt32());
        Assert.Equal(0, report.RootElement.GetProperty("errors").GetInt32());
        Assert.Equal(16, report.RootElement.GetProperty("concurrency").GetInt32());
        Assert.True(report.RootElement.GetProperty("p99Ms").GetDouble() >= report.RootElement.GetProperty("p50Ms").GetDouble());
        (code, output) = ServerWorld.RunCli("bench", "serve", "--collection", world.Collection, "--requests", "0");
        Assert.Equal(2, code);
        Assert.Contains("--requests", output);
    }

    [Fact]
    public async Task TheServedCollectionFollowsIndexing()
    {
        string collection = world.CopyCollection();
        await using var app = await world.StartAsync(collection: collection);
        int before = (await Http.Json(await app.Client.GetAsync("/api/status"))).GetProperty("videos").GetInt32();
        string folder = world.Temp($"more-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        File.Copy(world.Videos[0], Path.Combine(folder, "extra.mp4"));
        var (code, output) = ServerWorld.RunCli("index", folder, "--collection", collection, "--model", world.Model, "--strategy", "fps:2", "--jobs", "1");
        Assert.True(code == 0, output);
        await Task.Delay(2300);
        var status = await Http.Json(await app.Client.GetAsync("/api/status"));
        Assert.Equal(before + 1, status.GetProperty("videos").GetInt32());
        var results = (await Http.Json(await app.Client.GetAsync("/api/search?q=circle&k=50"))).GetProperty("results");
        Assert.Contains("extra.mp4", results.EnumerateArray().Select(r => r.GetProperty("name").GetString()));
    }
}
