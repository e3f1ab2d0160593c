using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using VidSearch.Server.Hosting;

namespace VidSearch.Server.Tests;

/// <summary>The JSON API on the in-process test server, over the indexed test collection (no keys: loopback).</summary>
public class ApiTests(ServerWorld world)
{
    [Fact]
    public async Task HealthAndStatusDescribeTheCollection()
    {
        await using var app = await world.StartAsync();
        var health = await Http.Json(await app.Client.GetAsync("/api/health"));
        Assert.Equal("ok", health.GetProperty("status").GetString());
        var status = await Http.Json(await app.Client.GetAsync("/api/status"));
        Assert.Equal("world", status.GetProperty("name").GetString());
        Assert.Equal(world.Videos.Length, status.GetProperty("videos").GetInt32());
        Assert.Equal(0, status.GetProperty("failed").GetInt32());
        Assert.True(status.GetProperty("segments").GetInt32() >= world.Videos.Length * 5, status.ToString());
        Assert.Equal(world.Embedder.ModelId, status.GetProperty("modelId").GetString());
        Assert.Equal("exact", status.GetProperty("indexKind").GetString());
    }

    [Fact]
    public async Task TextSearchRanksVideosWithMomentsThumbnailsAndStreamLinks()
    {
        await using var app = await world.StartAsync();
        var response = await Http.Json(await app.Client.GetAsync("/api/search?q=" + Uri.EscapeDataString("a red circle moves left") + "&k=3&moments=2"));
        Assert.Equal("text", response.GetProperty("kind").GetString());
        Assert.Equal("a red circle moves left", response.GetProperty("query").GetString());
        var results = response.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        var scores = results.Select(r => r.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        var names = world.Videos.Select(Path.GetFileName).ToHashSet();
        foreach (var hit in results)
        {
            Assert.Contains(hit.GetProperty("name").GetString(), names);
            long id = hit.GetProperty("videoId").GetInt64();
            Assert.StartsWith($"/api/videos/{id}/stream?sig=", hit.GetProperty("streamUrl").GetString());
            var moments = hit.GetProperty("moments").EnumerateArray().ToList();
            Assert.InRange(moments.Count, 1, 2);
            foreach (var moment in moments)
            {
                double start = moment.GetProperty("start").GetDouble(), end = moment.GetProperty("end").GetDouble();
                Assert.InRange(start, 0, end);
                Assert.True(moment.GetProperty("score").GetDouble() <= hit.GetProperty("visualScore").GetDouble() + 1e-5);
                Assert.StartsWith($"/api/videos/{id}/thumbnail?t=", moment.GetProperty("thumbnailUrl").GetString());
            }
        }

        // The same query gives the same ranking; another query gives other scores.
        var again = await Http.Json(await app.Client.GetAsync("/api/search?q=a%20red%20circle%20moves%20left&k=3&moments=2"));
        Assert.Equal(scores, again.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("score").GetDouble()));
        var other = await Http.Json(await app.Client.GetAsync("/api/search?q=a%20blue%20square%20jumps&k=3"));
        Assert.NotEqual(scores, other.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("score").GetDouble()));
    }

    [Fact]
    public async Task BadQueriesAndParametersGiveStableCodes()
    {
        await using var app = await world.StartAsync(new ServerOptions { MaxQueryCharacters = 50 });
        await Http.AssertError(await app.Client.GetAsync("/api/search"), HttpStatusCode.BadRequest, "invalid_query");
        await Http.AssertError(await app.Client.GetAsync("/api/search?q=%20%20"), HttpStatusCode.BadRequest, "invalid_query");
        string tooLong = await Http.AssertError(await app.Client.GetAsync("/api/search?q=" + new string('a', 51)), HttpStatusCode.BadRequest, "invalid_query");
        Assert.Contains("at most 50", tooLong);
        await Http.AssertError(await app.Client.GetAsync("/api/search?q=ok%01"), HttpStatusCode.BadRequest, "invalid_query");
        // Within the character limit but beyond the model's 77 tokens.
        await using var wide = await world.StartAsync(new ServerOptions { MaxQueryCharacters = 1000 });
        string tokens = await Http.AssertError(await wide.Client.GetAsync("/api/search?q=" + Uri.EscapeDataString(string.Join(' ', Enumerable.Repeat("x", 100)))), HttpStatusCode.BadRequest, "invalid_query");
        Assert.Contains("tokens", tokens);
        foreach (string bad in new[] { "k=0", "k=abc", "k=101", "moments=0", "textWeight=-1", "textWeight=NaN" })
        {
            await Http.AssertError(await app.Client.GetAsync("/api/search?q=ball&" + bad), HttpStatusCode.BadRequest, "invalid_argument");
        }
    }

    [Fact]
    public async Task TextWeightFusesTheTextChannels()
    {
        await using var app = await world.StartAsync();
        var hit = (await Http.Json(await app.Client.GetAsync("/api/search?q=circle&k=1&textWeight=0.5"))).GetProperty("results")[0];
        Assert.Equal(JsonValueKind.Number, hit.GetProperty("textScore").ValueKind);
        var plain = (await Http.Json(await app.Client.GetAsync("/api/search?q=circle&k=1"))).GetProperty("results")[0];
        Assert.Equal(JsonValueKind.Null, plain.GetProperty("textScore").ValueKind);
    }

    [Fact]
    public async Task ImageSearchTakesARawBodyOrAMultipartFile()
    {
        await using var app = await world.StartAsync();
        byte[] png = await File.ReadAllBytesAsync(world.Image);
        var raw = new ByteArrayContent(png);
        raw.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var byBody = await Http.Json(await app.Client.PostAsync("/api/search/image?k=2", raw));
        Assert.Equal("image", byBody.GetProperty("kind").GetString());
        Assert.Equal(2, byBody.GetProperty("results").GetArrayLength());

        using var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "pattern.png" } };
        var byForm = await Http.Json(await app.Client.PostAsync("/api/search/image?k=2", form));
        static List<(long, double)> Ranking(JsonElement r) => r.GetProperty("results").EnumerateArray().Select(h => (h.GetProperty("videoId").GetInt64(), h.GetProperty("score").GetDouble())).ToList();
        Assert.Equal(Ranking(byBody), Ranking(byForm));
        // Another image ranks with other scores.
        var pixels = new byte[40 * 40 * 3];
        Array.Fill(pixels, (byte)200);
        string flat = world.Temp($"flat-{Guid.NewGuid():N}.png");
        VidSearch.Media.Imaging.PngWriter.Write(flat, new VidSearch.Media.Imaging.RgbImage(pixels, 40, 40));
        var other = new ByteArrayContent(await File.ReadAllBytesAsync(flat));
        other.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        Assert.NotEqual(Ranking(byBody), Ranking(await Http.Json(await app.Client.PostAsync("/api/search/image?k=2", other))));
    }

    [Fact]
    public async Task AFrameOfAVideoFindsThatVideo()
    {
        await using var app = await world.StartAsync();
        // The thumbnail at a stored segment's time (indexing took 2 frames a second) is the very frame that was embedded.
        double t;
        using (var store = VidSearch.Index.Storage.CollectionStore.Open(world.Collection))
        {
            var segments = store.LoadSegments(VidSearch.Index.Storage.SegmentKind.Segment, 3);
            Assert.True(segments.Count >= 4);
            t = segments.Starts.Order().ElementAt(segments.Count / 2);
        }

        byte[] frame = await app.Client.GetByteArrayAsync($"/api/videos/3/thumbnail?t={t.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        var upload = new ByteArrayContent(frame);
        upload.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var top = (await Http.Json(await app.Client.PostAsync("/api/search/image?k=4&moments=1", upload))).GetProperty("results")[0];
        Assert.Equal(3, top.GetProperty("videoId").GetInt64());
        Assert.True(top.GetProperty("score").GetDouble() > 0.99, top.ToString());
        // (Which moment wins is not asserted: the random test model scores neighbouring frames of a clip within rounding,
        // and the thumbnail's pixels are not bit-identical to the decoder's at indexing, which may scale while decoding.)
        Assert.Equal(top.GetProperty("visualScore").GetDouble(), top.GetProperty("moments")[0].GetProperty("score").GetDouble(), 5);
    }

    [Fact]
    public async Task ImageUploadsAreCheckedAndLimited()
    {
        await using var app = await world.StartAsync(new ServerOptions { MaxUploadBytes = 4096 });
        var empty = new ByteArrayContent([]);
        empty.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await Http.AssertError(await app.Client.PostAsync("/api/search/image", empty), HttpStatusCode.BadRequest, "invalid_input");
        var garbage = new ByteArrayContent("this is not an image at all"u8.ToArray());
        garbage.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await Http.AssertError(await app.Client.PostAsync("/api/search/image", garbage), HttpStatusCode.BadRequest, "invalid_input");
        var text = new StringContent("hello");
        await Http.AssertError(await app.Client.PostAsync("/api/search/image", text), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        var large = new ByteArrayContent(new byte[5000]);
        large.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await Http.AssertError(await app.Client.PostAsync("/api/search/image", large), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        // Without a Content-Length (chunked), the limit holds while reading.
        var chunked = new StreamContent(new MemoryStream(new byte[9000]));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/search/image") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await Http.AssertError(await app.Client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[6000]), "image", "big.png" } };
        await Http.AssertError(await app.Client.PostAsync("/api/search/image", form), HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        using var noFile = new MultipartFormDataContent { { new StringContent("x"), "comment" } };
        await Http.AssertError(await app.Client.PostAsync("/api/search/image", noFile), HttpStatusCode.BadRequest, "invalid_input");
    }

    [Fact]
    public async Task VideoSearchFindsOtherVideosOfTheCollection()
    {
        await using var app = await world.StartAsync();
        var first = (await Http.Json(await app.Client.GetAsync("/api/search?q=shape&k=1"))).GetProperty("results")[0].GetProperty("videoId").GetInt64();
        var similar = await Http.Json(await app.Client.GetAsync($"/api/videos/{first}/similar?k=10"));
        Assert.Equal("video", similar.GetProperty("kind").GetString());
        var ids = similar.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("videoId").GetInt64()).ToList();
        Assert.Equal(world.Videos.Length - 1, ids.Count);
        Assert.DoesNotContain(first, ids);
        await Http.AssertError(await app.Client.GetAsync("/api/videos/999999/similar"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task DetailsOfAVideo()
    {
        await using var app = await world.StartAsync();
        var video = app.Collection.Video(1);
        var details = await Http.Json(await app.Client.GetAsync("/api/videos/1"));
        Assert.Equal(Path.GetFileName(video.Path), details.GetProperty("name").GetString());
        Assert.Equal("done", details.GetProperty("status").GetString());
        Assert.InRange(details.GetProperty("duration").GetDouble(), 2.5, 4.5);
        Assert.Equal(new FileInfo(video.Path).Length, details.GetProperty("size").GetInt64());
        Assert.Equal(JsonValueKind.Object, details.GetProperty("text").ValueKind);
        Assert.StartsWith("/api/videos/1/stream?sig=", details.GetProperty("streamUrl").GetString());
        Assert.DoesNotContain(Path.GetDirectoryName(video.Path)!, details.ToString());
        await Http.AssertError(await app.Client.GetAsync("/api/videos/424242"), HttpStatusCode.NotFound, "not_found");
        await Http.AssertError(await app.Client.GetAsync("/api/videos/notanumber"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task StreamingServesTheFileWithRanges()
    {
        await using var app = await world.StartAsync();
        string path = app.Collection.VideoFile(2);
        byte[] file = await File.ReadAllBytesAsync(path);
        var whole = await app.Client.GetAsync("/api/videos/2/stream");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("video/mp4", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Equal(file, await whole.Content.ReadAsByteArrayAsync());

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/videos/2/stream");
        request.Headers.Range = new RangeHeaderValue(100, 199);
        var part = await app.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
        Assert.Equal(file[100..200], await part.Content.ReadAsByteArrayAsync());
        Assert.Equal(file.Length, part.Content.Headers.ContentRange?.Length);

        var beyond = new HttpRequestMessage(HttpMethod.Get, "/api/videos/2/stream");
        beyond.Headers.Range = new RangeHeaderValue(file.Length + 10, file.Length + 20);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, (await app.Client.SendAsync(beyond)).StatusCode);

        var head = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/api/videos/2/stream"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(file.Length, head.Content.Headers.ContentLength);
        await Http.AssertError(await app.Client.GetAsync("/api/videos/999/stream"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task ThumbnailsArePngFramesOfTheMoment()
    {
        await using var app = await world.StartAsync();
        var response = await app.Client.GetAsync("/api/videos/1/thumbnail?t=1.5");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        byte[] png = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var image = VidSearch.Media.Imaging.PngReader.TryRead(png)!;
        Assert.Equal(64, image.Width);
        var early = await (await app.Client.GetAsync("/api/videos/1/thumbnail?t=0")).Content.ReadAsByteArrayAsync();
        Assert.NotEqual(png, early);
        await Http.AssertError(await app.Client.GetAsync("/api/videos/1/thumbnail?t=999"), HttpStatusCode.BadRequest, "invalid_argument");
        await Http.AssertError(await app.Client.GetAsync("/api/videos/1/thumbnail?t=-1"), HttpStatusCode.BadRequest, "invalid_argument");
        await Http.AssertError(await app.Client.GetAsync("/api/videos/77/thumbnail?t=1"), HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task WideFramesAreScaledDownToTheThumbnailWidth()
    {
        using var collection = new Collections.CollectionService(world.Collection, new NonOwningEmbedder(world.Embedder), thumbnailWidth: 32);
        var image = VidSearch.Media.Imaging.PngReader.TryRead(await collection.ThumbnailAsync(1, 1.0, CancellationToken.None))!;
        Assert.Equal((32, 32), (image.Width, image.Height));
        Assert.Throws<VidSearch.Core.VidSearchException>(() => new Collections.CollectionService(world.Collection, new NonOwningEmbedder(world.Embedder), thumbnailWidth: 4));
    }

    [Fact]
    public async Task UnknownRoutesAndMethodsAnswerJson()
    {
        await using var app = await world.StartAsync();
        await Http.AssertError(await app.Client.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound, "not_found");
        await Http.AssertError(await app.Client.PostAsync("/api/status", new StringContent("")), HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    [Fact]
    public async Task TheSearchPageIsServedWithASecurityPolicy()
    {
        await using var app = await world.StartAsync();
        var page = await app.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        string html = await page.Content.ReadAsStringAsync();
        Assert.Contains("id=\"query\"", html);
        Assert.Contains("<video id=\"player\"", html);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        string script = await app.Client.GetStringAsync("/app.js");
        Assert.Contains("/api/search", script);
        Assert.Equal("text/css", (await app.Client.GetAsync("/app.css")).Content.Headers.ContentType?.MediaType);
    }
}
