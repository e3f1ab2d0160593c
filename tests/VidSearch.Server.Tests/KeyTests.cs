using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using VidSearch.Core;
using VidSearch.Server.Hosting;
using VidSearch.Server.Security;

namespace VidSearch.Server.Tests;

/// <summary>API keys (stored hashed, required once one exists), signed media links, per-key rate limits, `vidsearch keys`.</summary>
public class KeyTests(ServerWorld world)
{
    [Fact]
    public void KeysAreStoredOnlyAsHashes()
    {
        string collection = world.CopyCollection();
        var store = ApiKeyStore.ForCollection(collection);
        Assert.Empty(store.List());
        var created = store.Create("laptop");
        Assert.StartsWith("vsk_" + created.Record.Id + "_", created.Key);
        Assert.True(created.Key.Length > 40);
        string file = File.ReadAllText(store.Path);
        Assert.DoesNotContain(created.Key, file);
        Assert.DoesNotContain(created.Key[^20..], file);
        Assert.Contains(ApiKeyStore.Hash(created.Key), file);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));
        }

        var second = store.Create("phone");
        Assert.NotEqual(created.Key, second.Key);
        Assert.Equal("laptop", ApiKeyStore.Match(store.List(), created.Key)?.Name);
        Assert.Null(ApiKeyStore.Match(store.List(), created.Key + "x"));
        Assert.Null(ApiKeyStore.Match(store.List(), "vsk_" + new string('a', 50)));
        Assert.Null(ApiKeyStore.Match(store.List(), null));
        Assert.True(store.Revoke(created.Record.Id));
        Assert.False(store.Revoke(created.Record.Id));
        Assert.False(store.Revoke("nope"));
        Assert.Null(ApiKeyStore.Match(store.List(), created.Key));
        Assert.Equal("phone", ApiKeyStore.Match(store.List(), second.Key)?.Name);
        Assert.Throws<VidSearchException>(() => store.Create("  "));
    }

    [Fact]
    public void ACorruptKeyFileIsAClearError()
    {
        string collection = world.CopyCollection();
        File.WriteAllText(collection + ".keys", "{ not json");
        var e = Assert.Throws<VidSearchException>(() => ApiKeyStore.ForCollection(collection).List());
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
    }

    [Fact]
    public async Task OnceAKeyExistsEveryEndpointButHealthNeedsIt()
    {
        string collection = world.CopyCollection();
        var store = ApiKeyStore.ForCollection(collection);
        var key = store.Create("tests").Key;
        await using var app = await world.StartAsync(collection: collection);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/health")).StatusCode);
        foreach (string path in new[] { "/api/status", "/api/search?q=ball", "/api/videos/1", "/api/videos/1/similar", "/api/videos/1/stream", "/api/videos/1/thumbnail?t=0", "/api/openapi.json", "/api/nothing" })
        {
            var response = await app.Client.GetAsync(path);
            await Http.AssertError(response, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }

        await Http.AssertError(await app.Client.PostAsync("/api/search/image", new ByteArrayContent([1, 2, 3])), HttpStatusCode.Unauthorized, "unauthorized");

        var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(bearer)).StatusCode);
        var header = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        header.Headers.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(header)).StatusCode);
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key[..^2] + "zz");
        await Http.AssertError(await app.Client.SendAsync(wrong), HttpStatusCode.Unauthorized, "unauthorized");

        // The page itself holds no data and loads without a key (it asks for one).
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/")).StatusCode);

        // Revoking takes effect on the running server.
        Assert.True(store.Revoke(store.List().Single().Id));
        var other = store.Create("second").Key;
        await Task.Delay(1200);
        var revoked = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        revoked.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await Http.AssertError(await app.Client.SendAsync(revoked), HttpStatusCode.Unauthorized, "unauthorized");
        var fresh = new HttpRequestMessage(HttpMethod.Get, "/api/status");
        fresh.Headers.Authorization = new AuthenticationHeaderValue("Bearer", other);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(fresh)).StatusCode);
    }

    [Fact]
    public async Task RequireKeysWithoutAnyKeyRefusesEverythingButHealth()
    {
        await using var app = await world.StartAsync(new ServerOptions { RequireKeys = true }, world.CopyCollection());
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/health")).StatusCode);
        await Http.AssertError(await app.Client.GetAsync("/api/status"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task SearchResultsCarrySignedMediaLinksForTheBrowser()
    {
        string collection = world.CopyCollection();
        var key = ApiKeyStore.ForCollection(collection).Create("browser").Key;
        await using var app = await world.StartAsync(collection: collection);
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/search?q=circle&k=2");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var results = (await Http.Json(await app.Client.SendAsync(request))).GetProperty("results");
        var hit = results[0];
        var other = results[1];
        string thumbnail = hit.GetProperty("moments")[0].GetProperty("thumbnailUrl").GetString()!;
        string stream = hit.GetProperty("streamUrl").GetString()!;
        // <img> and <video> send no header: the signature alone opens exactly these files.
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync(thumbnail)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync(stream)).StatusCode);
        string sig = stream[(stream.IndexOf("sig=", StringComparison.Ordinal) + 4)..];
        long otherId = other.GetProperty("videoId").GetInt64();
        await Http.AssertError(await app.Client.GetAsync($"/api/videos/{otherId}/stream?sig={sig}"), HttpStatusCode.Unauthorized, "unauthorized");
        await Http.AssertError(await app.Client.GetAsync($"/api/videos/{hit.GetProperty("videoId").GetInt64()}?sig={sig}"), HttpStatusCode.Unauthorized, "unauthorized");
        await Http.AssertError(await app.Client.GetAsync(stream[..^3] + "AAA"), HttpStatusCode.Unauthorized, "unauthorized");
        string expired = "1000." + sig[(sig.IndexOf('.') + 1)..];
        await Http.AssertError(await app.Client.GetAsync($"/api/videos/{hit.GetProperty("videoId").GetInt64()}/stream?sig={expired}"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public void MediaLinksExpire()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var signer = new MediaLinkSigner(TimeSpan.FromMinutes(10), clock);
        string sig = signer.Sign(7);
        Assert.True(signer.Verify(7, sig));
        Assert.False(signer.Verify(8, sig));
        Assert.False(new MediaLinkSigner(TimeSpan.FromMinutes(10), clock).Verify(7, sig));
        clock.Now += TimeSpan.FromMinutes(11);
        Assert.False(signer.Verify(7, sig));
    }

    [Fact]
    public async Task RateLimitsArePerKeyAndAnswer429()
    {
        string collection = world.CopyCollection();
        var store = ApiKeyStore.ForCollection(collection);
        string first = store.Create("a").Key, second = store.Create("b").Key;
        await using var app = await world.StartAsync(new ServerOptions { RateLimitPerMinute = 1, RateLimitBurst = 3 }, collection);
        HttpRequestMessage Status(string key)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/status");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return request;
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(Status(first))).StatusCode);
        }

        var limited = await app.Client.SendAsync(Status(first));
        await Http.AssertError(limited, HttpStatusCode.TooManyRequests, "rate_limited");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.SendAsync(Status(second))).StatusCode);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/health")).StatusCode);
        }
    }

    [Fact]
    public void ReplenishmentMatchesThePerMinuteRate()
    {
        Assert.Equal((TimeSpan.FromSeconds(1), 10), RateLimiting.Replenishment(600));
        Assert.Equal((TimeSpan.FromSeconds(1), 1), RateLimiting.Replenishment(60));
        Assert.Equal((TimeSpan.FromSeconds(12), 1), RateLimiting.Replenishment(5));
    }

    [Fact]
    public void TheKeysCommandCreatesListsAndRevokes()
    {
        string collection = world.CopyCollection();
        var (code, output) = ServerWorld.RunCli("keys", "create", "--collection", collection, "--name", "ci runner", "--json");
        Assert.True(code == 0, output);
        using var created = JsonDocument.Parse(output);
        string key = created.RootElement.GetProperty("key").GetString()!;
        string id = created.RootElement.GetProperty("id").GetString()!;
        Assert.Equal("ci runner", ApiKeyStore.Match(ApiKeyStore.ForCollection(collection).List(), key)?.Name);

        (code, output) = ServerWorld.RunCli("keys", "list", "--collection", collection);
        Assert.Equal(0, code);
        Assert.Contains(id, output);
        Assert.Contains("active", output);
        Assert.DoesNotContain(key, output);

        (code, output) = ServerWorld.RunCli("keys", "revoke", id, "--collection", collection);
        Assert.True(code == 0, output);
        Assert.Null(ApiKeyStore.Match(ApiKeyStore.ForCollection(collection).List(), key));
        (code, output) = ServerWorld.RunCli("keys", "revoke", id, "--collection", collection);
        Assert.Equal(3, code);
        Assert.Contains("no active key", output);
        (code, output) = ServerWorld.RunCli("keys", "list", "--collection", world.Temp("missing.db"));
        Assert.Equal(3, code);
        Assert.Contains("collection not found", output);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
