using System.Diagnostics;
using VidSearch.Core;
using VidSearch.Models.Store;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Store;

public class ModelStorePullTests
{
    private static readonly byte[] Weights = StoreFixtures.HfWeights(); // 4 KB of random floats behind a header
    private static readonly byte[] Config = StoreFixtures.Config();

    private static ModelCatalog TinyCatalog(bool known = true, string? wrongSha = null)
        => StoreFixtures.Catalog([("model.safetensors", Weights, known), ("config.json", Config, known)], wrongSha);

    private static TestHttpServer ServeTiny()
    {
        var server = new TestHttpServer();
        StoreFixtures.Serve(server, "model.safetensors", Weights);
        StoreFixtures.Serve(server, "config.json", Config);
        return server;
    }

    [Fact]
    public async Task Pull_downloads_verifies_and_installs_with_a_manifest()
    {
        using var dir = new TempDirectory();
        using var server = ServeTiny();
        var store = new ModelStore(dir.Path);
        var reports = new List<WorkProgress>();

        var manifest = await Pull(store, "tiny", new PullOptions { Mirror = server.BaseUrl, Catalog = TinyCatalog() }, new SyncProgress(reports.Add));

        Assert.Equal("tiny", manifest.Name);
        Assert.Equal("acme/tiny-clip@r1", manifest.Source);
        Assert.Equal("hf-safetensors", manifest.Format);
        Assert.NotNull(manifest.PulledAt);
        Assert.Equal(StoreFixtures.Sha(Weights), manifest.Files.Single(f => f.Path == "model.safetensors").Sha256);
        Assert.Equal(Weights, File.ReadAllBytes(Path.Combine(dir.Path, "tiny", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "tiny", "model.json")));
        Assert.Equal(["tiny"], store.List().Select(m => m.Name));
        Assert.Equal(Path.Combine(dir.Path, "tiny"), store.ResolvePath("tiny"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir.Path, ".staging")));
        Assert.Equal(Weights.Length + Config.Length, reports[^1].Done);
        Assert.Equal(Weights.Length + Config.Length, reports[^1].Total);
        Assert.Equal("bytes", reports[^1].Unit);

        var again = await Pull(store, "tiny", new PullOptions { Mirror = server.BaseUrl, Catalog = TinyCatalog() });
        Assert.Equal(manifest.Files, again.Files);
        Assert.Equal(2, server.Requests.Count); // the second pull found the model installed
    }

    [Fact]
    public async Task A_cut_connection_is_resumed_with_a_range_request()
    {
        using var dir = new TempDirectory();
        using var server = ServeTiny();
        server.CutAfter = (path, hit) => path.EndsWith("model.safetensors", StringComparison.Ordinal) && hit == 0 ? 1000 : null;
        var store = new ModelStore(dir.Path);

        await Pull(store, "tiny", new PullOptions { Mirror = server.BaseUrl, Catalog = TinyCatalog() });

        Assert.Equal(Weights, File.ReadAllBytes(Path.Combine(store.PathOf("tiny"), "model.safetensors")));
        Assert.Contains(server.Requests, r => r.EndsWith("model.safetensors bytes=1000-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_half_written_file_is_never_visible_and_the_next_pull_resumes_it()
    {
        using var dir = new TempDirectory();
        using var server = ServeTiny();
        server.CutAfter = (path, hit) => path.EndsWith("model.safetensors", StringComparison.Ordinal) && hit == 0 ? 1500 : null;
        var store = new ModelStore(dir.Path);

        var e = await Assert.ThrowsAsync<VidSearchException>(() =>
            Pull(store, "tiny", new PullOptions { Mirror = server.BaseUrl, Catalog = TinyCatalog(), MaxAttempts = 1 }));

        Assert.Equal(ErrorKind.Network, e.Kind);
        Assert.Contains("resume", e.Message);
        Assert.False(store.Contains("tiny"));
        Assert.Empty(store.List());
        string staging = store.StagingPathOf("tiny");
        Assert.False(File.Exists(Path.Combine(staging, "model.safetensors")));
        Assert.Equal(1500, new FileInfo(Path.Combine(staging, "model.safetensors.partial")).Length);

        await Pull(store, "tiny", new PullOptions { Mirror = server.BaseUrl, Catalog = TinyCatalog() });

        Assert.Equal(Weights, File.ReadAllBytes(Path.Combine(store.PathOf("tiny"), "model.safetensors")));
        Assert.Contains(server.Requests, r => r.EndsWith("model.safetensors bytes=1500-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_checksum_is_rejected_and_nothing_enters_the_store()
    {
        using var dir = new TempDirectory();
        using var server = ServeTiny();
        var store = new ModelStore(dir.Path);

        var e = await Assert.ThrowsAsync<VidSearchException>(() =>
            Pull(store, "tiny", new PullOptions { Mirror = server.BaseUrl, Catalog = TinyCatalog(wrongSha: new string('a', 64)) }));

        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.Contains("checksum mismatch", e.Message);
        Assert.False(Directory.Exists(store.PathOf("tiny")));
        Assert.Empty(Directory.EnumerateFiles(store.StagingPathOf("tiny"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Without_published_hashes_a_truncated_safetensors_file_is_still_rejected()
    {
        using var dir = new TempDirectory();
        using var server = new TestHttpServer();
        StoreFixtures.Serve(server, "model.safetensors", Weights[..^100]); // a complete transfer of a broken file
        StoreFixtures.Serve(server, "config.json", Config);
        var store = new ModelStore(dir.Path);

        var e = await Assert.ThrowsAsync<VidSearchException>(() =>
            Pull(store, "tiny", new PullOptions { Mirror = server.BaseUrl, Catalog = TinyCatalog(known: false) }));

        Assert.Contains("truncated", e.Message);
        Assert.False(store.Contains("tiny"));
    }

    [Fact]
    public async Task Offline_pull_fails_fast_and_says_where_to_put_the_files()
    {
        using var dir = new TempDirectory();
        var store = new ModelStore(dir.Path);
        string mirror = $"http://127.0.0.1:{TestHttpServer.UnusedPort()}";
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<VidSearchException>(() =>
            Pull(store, "tiny", new PullOptions { Mirror = mirror, Catalog = TinyCatalog(), ConnectTimeout = TimeSpan.FromSeconds(3) }));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Equal(ErrorKind.Network, e.Kind);
        Assert.Contains(store.StagingPathOf("tiny"), e.Message);
        Assert.Contains("as model.safetensors", e.Message);
        Assert.Contains("as config.json", e.Message);
        Assert.Contains("models import", e.Message);

        // Following the advice: files placed by hand are verified and installed without the network.
        File.WriteAllBytes(Path.Combine(store.StagingPathOf("tiny"), "model.safetensors"), Weights);
        File.WriteAllBytes(Path.Combine(store.StagingPathOf("tiny"), "config.json"), Config);
        var manifest = await Pull(store, "tiny", new PullOptions { Mirror = mirror, Catalog = TinyCatalog() });
        Assert.Equal(2, manifest.Files.Count);
        Assert.True(store.Contains("tiny"));
    }

    [Fact]
    public async Task Missing_files_and_unknown_models_are_clear_errors()
    {
        using var dir = new TempDirectory();
        using var server = new TestHttpServer();
        var store = new ModelStore(dir.Path);

        var notOnServer = await Assert.ThrowsAsync<VidSearchException>(() =>
            Pull(store, "tiny", new PullOptions { Mirror = server.BaseUrl, Catalog = TinyCatalog() }));
        Assert.Equal(ErrorKind.NotFound, notOnServer.Kind);
        Assert.Contains("404", notOnServer.Message);

        var unknown = await Assert.ThrowsAsync<VidSearchException>(() => Pull(store, "nope", new PullOptions { Catalog = TinyCatalog() }));
        Assert.Contains("known: tiny", unknown.Message);

        await Assert.ThrowsAsync<VidSearchException>(() => Pull(store, "tiny", new PullOptions { Mirror = "ftp://x", Catalog = TinyCatalog() }));
    }

    [Fact]
    public async Task The_mirror_comes_from_the_environment_and_bad_leftovers_are_downloaded_again()
    {
        using var dir = new TempDirectory();
        using var server = ServeTiny();
        var store = new ModelStore(dir.Path);
        Directory.CreateDirectory(store.StagingPathOf("tiny"));
        File.WriteAllBytes(Path.Combine(store.StagingPathOf("tiny"), "model.safetensors"), Weights[..100]); // a wrong file placed by hand
        string? saved = Environment.GetEnvironmentVariable("VIDSEARCH_MODEL_MIRROR");
        try
        {
            Environment.SetEnvironmentVariable("VIDSEARCH_MODEL_MIRROR", server.BaseUrl);
            await Pull(store, "tiny", new PullOptions { Catalog = TinyCatalog() });
        }
        finally
        {
            Environment.SetEnvironmentVariable("VIDSEARCH_MODEL_MIRROR", saved);
        }

        Assert.Equal(Weights, File.ReadAllBytes(Path.Combine(store.PathOf("tiny"), "model.safetensors")));
        Assert.Contains(server.Requests, r => r.EndsWith("/model.safetensors", StringComparison.Ordinal));
    }

    private static Task<ModelManifest> Pull(ModelStore store, string name, PullOptions options, IProgress<WorkProgress>? progress = null)
        => store.PullAsync(name, options, progress, TestContext.Current.CancellationToken);

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
