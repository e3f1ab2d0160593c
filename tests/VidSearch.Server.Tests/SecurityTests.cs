using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using VidSearch.Core;
using VidSearch.Server.Hosting;
using VidSearch.Server.Security;

namespace VidSearch.Server.Tests;

/// <summary>Path traversal, internal errors without stack traces, the non-loopback rule.</summary>
public class SecurityTests(ServerWorld world)
{
    [Theory]
    [InlineData("/api/videos/..%2F..%2F..%2Fetc%2Fpasswd/stream")]
    [InlineData("/api/videos/%2Fetc%2Fpasswd/stream")]
    [InlineData("/api/videos/1%2F..%2F..%2Fetc%2Fpasswd/stream")]
    [InlineData("/api/videos/..%5C..%5Cetc%5Cpasswd/stream")]
    [InlineData("/app.js%2F..%2F..%2Fetc%2Fpasswd")]
    public async Task EncodedTraversalIsRefused(string target)
    {
        await using var app = await world.StartAsync();
        var response = await app.Client.GetAsync(new Uri(target, UriKind.Relative));
        await Http.AssertError(response, HttpStatusCode.BadRequest, "forbidden_path");
    }

    [Theory]
    [InlineData("/api/videos/../../../../etc/passwd")]
    [InlineData("/../../etc/passwd")]
    [InlineData("/api/videos/1/../../../etc/passwd")]
    public async Task LiteralDotSegmentsAreRefused(string path)
    {
        // HttpClient would normalise the dot segments away; the request is built by hand, as a raw client sends it.
        await using var app = await world.StartAsync();
        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = path;
        });
        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        string body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.Contains("forbidden_path", body);
        Assert.DoesNotContain("root:", body);
    }

    [Theory]
    [InlineData("/api/videos//etc/passwd/stream")]
    [InlineData("/api/videos/etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("/api/videos/-1/stream")]
    public async Task AbsolutePathsAndNonIdsMatchNoFile(string target)
    {
        await using var app = await world.StartAsync();
        var response = await app.Client.GetAsync(new Uri(target, UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("not_found", body);
        Assert.DoesNotContain("root:", body);
    }

    [Fact]
    public async Task AClientGivenPathIsIgnoredFilesComeOnlyFromStoredIds()
    {
        await using var app = await world.StartAsync();
        byte[] expected = await File.ReadAllBytesAsync(app.Collection.VideoFile(1));
        var response = await app.Client.GetAsync("/api/videos/1/stream?path=%2Fetc%2Fpasswd&file=../../etc/passwd");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AVideoWhoseFileIsGoneIsNotFoundNotAnError()
    {
        string collection = world.CopyCollection();
        string moved = Path.Combine(Path.GetDirectoryName(collection)!, "clip.mp4");
        await using (var app = await world.StartAsync(collection: collection))
        {
            // Point a copy of the collection at a file that is then deleted.
            var source = app.Collection.VideoFile(3);
            File.Copy(source, moved);
        }

        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={collection};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE videos SET path = $p WHERE id = 3";
            command.Parameters.AddWithValue("$p", moved);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        File.Delete(moved);
        await using var served = await world.StartAsync(collection: collection);
        string message = await Http.AssertError(await served.Client.GetAsync("/api/videos/3/stream"), HttpStatusCode.NotFound, "not_found");
        Assert.Contains("gone", message);
        Assert.DoesNotContain(moved, message);
    }

    [Fact]
    public async Task InternalErrorsAreLoggedNotSent()
    {
        await using var app = await world.StartAsync(embedder: new FailingEmbedder(world.Embedder));
        var response = await app.Client.GetAsync("/api/search?q=anything");
        string message = await Http.AssertError(response, HttpStatusCode.InternalServerError, "internal");
        string body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret detail", body);
        Assert.DoesNotContain("FailingEmbedder", body);
        Assert.DoesNotContain(".cs:line", body);
        Assert.Contains("bug", message);
    }

    [Fact]
    public void ListeningBeyondLoopbackNeedsAKey()
    {
        string collection = world.CopyCollection();
        using var service = new Collections.CollectionService(collection, new NonOwningEmbedder(world.Embedder));
        foreach (string urls in new[] { "http://0.0.0.0:8080", "http://*:8080", "http://+:8080", "http://192.168.1.20:8080", "http://127.0.0.1:8080;http://[::]:8081", "http://example.org:80" })
        {
            var e = Assert.Throws<VidSearchException>(() => VidSearchServer.Build(new ServerOptions { Urls = urls }, service));
            Assert.Equal("--urls", e.Subject);
            Assert.Contains("keys create", e.Message);
        }

        ApiKeyStore.ForCollection(collection).Create("laptop");
        using var exposed = VidSearchServer.Build(new ServerOptions { Urls = "http://0.0.0.0:0" }, service);
        Assert.True(exposed.Services.GetRequiredService<KeyRing>().Required);
        Assert.Throws<VidSearchException>(() => VidSearchServer.Build(new ServerOptions { Urls = "ftp://127.0.0.1:21" }, service));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("http://127.0.0.2:9000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://127.0.0.1:1;http://localhost:2", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://10.1.2.3:8080", false)]
    [InlineData("http://myhost:8080", false)]
    public void LoopbackIsRecognised(string urls, bool loopback) => Assert.Equal(loopback, BindingPolicy.LoopbackOnly(urls));

    [Fact]
    public async Task ResponsesCarrySecurityHeaders()
    {
        await using var app = await world.StartAsync();
        var response = await app.Client.GetAsync("/api/status");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.False(response.Headers.Contains("Server"));
    }

    private sealed class FailingEmbedder(Collections.IQueryEmbedder inner) : Collections.IQueryEmbedder
    {
        public string ModelId => inner.ModelId;

        public int ContextLength => inner.ContextLength;

        public int CountTokens(string text) => inner.CountTokens(text);

        public float[] EmbedText(string text) => throw new InvalidOperationException("secret detail: connection string is Password=hunter2");

        public float[] EmbedImage(string path, CancellationToken cancellationToken) => throw new InvalidOperationException("secret detail");

        public void Dispose()
        {
        }
    }
}
