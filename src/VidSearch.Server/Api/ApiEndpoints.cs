using System.Globalization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Server.Collections;
using VidSearch.Server.Hosting;
using VidSearch.Server.Security;

namespace VidSearch.Server.Api;

/// <summary>The /api routes: each maps to one call of the library through <see cref="CollectionService"/>.</summary>
public static class ApiEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", () => Results.Ok(new HealthDto("ok")));
        app.MapGet("/api/status", (CollectionService collection) => Results.Ok(collection.Status()));
        app.MapGet("/api/openapi.json", () => Results.Stream(Resource("openapi.json"), "application/json; charset=utf-8"));
        app.MapGet("/api/search", SearchText);
        app.MapPost("/api/search/image", SearchImage);
        app.MapGet("/api/videos/{id:long}/similar", SearchSimilar);
        app.MapGet("/api/videos/{id:long}", Details);
        app.MapMethods("/api/videos/{id:long}/stream", [HttpMethods.Get, HttpMethods.Head], Stream);
        app.MapGet("/api/videos/{id:long}/thumbnail", Thumbnail);
    }

    internal static Stream Resource(string name)
        => typeof(ApiEndpoints).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"resource {name} is missing from the build");

    private static IResult SearchText(HttpRequest request, CollectionService collection, ServerOptions options, MediaLinkSigner signer)
    {
        string? query = request.Query["q"];
        string text = query?.Trim() ?? "";
        if (text.Length == 0)
        {
            throw ApiException.InvalidQuery("q: is empty; describe what to find, e.g. ?q=a dog catching a frisbee");
        }

        if (text.Length > options.MaxQueryCharacters)
        {
            throw ApiException.InvalidQuery($"q: has {text.Length} characters, at most {options.MaxQueryCharacters} are accepted");
        }

        try
        {
            text = QueryValidator.Validate(text, collection.Embedder.CountTokens, collection.Embedder.ContextLength);
        }
        catch (VidSearchException e)
        {
            throw ApiException.InvalidQuery("q: " + e.Cause);
        }

        var searchOptions = RequestParsing.SearchOptions(request, options.MaxResults);
        return Results.Ok(Response("text", text, collection.SearchText(text, searchOptions), signer));
    }

    private static async Task<IResult> SearchImage(HttpRequest request, CollectionService collection, ServerOptions options, MediaLinkSigner signer, CancellationToken cancellationToken)
    {
        var searchOptions = RequestParsing.SearchOptions(request, options.MaxResults);
        string file = Path.Combine(Path.GetTempPath(), $"vidsearch-upload-{Guid.NewGuid():N}");
        try
        {
            try
            {
                file = await Uploads.SaveImageAsync(request, file, options.MaxUploadBytes, cancellationToken);
            }
            catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
            {
                throw ApiException.PayloadTooLarge(options.MaxUploadBytes);
            }
            catch (InvalidDataException)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidInput, "malformed multipart upload");
            }

            try
            {
                var results = await Task.Run(() => collection.SearchImage(file, searchOptions, cancellationToken), cancellationToken);
                return Results.Ok(Response("image", null, results, signer));
            }
            catch (VidSearchException e) when (e.Subject == file && e.Kind is ErrorKind.InvalidInput or ErrorKind.NotFound)
            {
                // The library names the temporary file; the client knows it as "the upload".
                throw new ApiException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidInput, "upload: " + e.Cause.Replace(file, "upload", StringComparison.Ordinal));
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static IResult SearchSimilar(long id, HttpRequest request, CollectionService collection, ServerOptions options, MediaLinkSigner signer)
    {
        var searchOptions = RequestParsing.SearchOptions(request, options.MaxResults);
        return Results.Ok(Response("video", id.ToString(CultureInfo.InvariantCulture), collection.SearchSimilar(id, searchOptions), signer));
    }

    private static IResult Details(long id, CollectionService collection, MediaLinkSigner signer)
    {
        var video = collection.Video(id);
        var text = collection.Text(id).ToDictionary(p => JsonName(p.Key), p => p.Value);
        return Results.Ok(new VideoDto(video.Id, Path.GetFileName(video.Path), video.Duration, video.Status == VideoStatus.Done ? "done" : "failed",
            video.Error, video.Size, text, video.Status == VideoStatus.Done ? StreamUrl(id, signer) : null));
    }

    private static IResult Stream(long id, CollectionService collection)
    {
        string path = collection.VideoFile(id);
        string contentType = ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";
        return Results.File(path, contentType, enableRangeProcessing: true, lastModified: File.GetLastWriteTimeUtc(path));
    }

    private static async Task<IResult> Thumbnail(long id, HttpRequest request, HttpResponse response, CollectionService collection, CancellationToken cancellationToken)
    {
        double seconds = RequestParsing.Double(request, "t", 0, 0, 1e7);
        byte[] png = await collection.ThumbnailAsync(id, seconds, cancellationToken);
        response.Headers.CacheControl = "private, max-age=3600";
        return Results.Bytes(png, "image/png");
    }

    private static SearchResponseDto Response(string kind, string? query, SearchResults results, MediaLinkSigner signer)
        => new(kind, query, results.IndexKind, results.SegmentsSearched, Math.Round(results.Elapsed.TotalMilliseconds, 3), results.Videos.Select(video =>
        {
            string sig = signer.Sign(video.VideoId);
            return new SearchHitDto(video.VideoId, Path.GetFileName(video.Path), Math.Round(video.Score, 6), Math.Round(video.VisualScore, 6),
                video.TextScore is { } t ? Math.Round(t, 6) : null, StreamUrl(video.VideoId, sig),
                video.Moments.Select(m => new MomentDto(m.Start, m.End, Math.Round(m.Score, 6),
                    $"/api/videos/{video.VideoId}/thumbnail?t={((m.Start + m.End) / 2).ToString("0.###", CultureInfo.InvariantCulture)}&sig={Uri.EscapeDataString(sig)}")).ToList());
        }).ToList());

    private static string StreamUrl(long id, MediaLinkSigner signer) => StreamUrl(id, signer.Sign(id));

    private static string StreamUrl(long id, string sig) => $"/api/videos/{id}/stream?sig={Uri.EscapeDataString(sig)}";

    private static string JsonName(TextChannel channel) => channel switch
    {
        TextChannel.FileName => "fileName",
        _ => channel.ToString().ToLowerInvariant(),
    };

    /// <summary>Reading an uploaded image (raw body or the first file of a multipart form) with a size limit.</summary>
    private static class Uploads
    {
        private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

        /// <summary>Saves the image to <paramref name="file"/> (+ ".png" for a PNG, read without ffmpeg); returns the path.</summary>
        public static async Task<string> SaveImageAsync(HttpRequest request, string file, long limit, CancellationToken cancellationToken)
        {
            if (request.ContentLength > limit)
            {
                throw ApiException.PayloadTooLarge(limit);
            }

            Stream body = request.Body;
            if (request.HasFormContentType)
            {
                var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value;
                if (string.IsNullOrEmpty(boundary))
                {
                    throw new ApiException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidInput, "multipart upload without a boundary");
                }

                var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = limit + 64 * 1024 };
                MultipartSection? section;
                while ((section = await reader.ReadNextSectionAsync(cancellationToken)) is not null)
                {
                    if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) && disposition.IsFileDisposition())
                    {
                        body = section.Body;
                        break;
                    }
                }

                if (section is null)
                {
                    throw new ApiException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidInput, "the multipart form holds no file; send the image as a file field");
                }
            }
            else if (request.ContentType is not { } type || !type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
            {
                throw new ApiException(StatusCodes.Status415UnsupportedMediaType, ErrorCodes.UnsupportedMediaType,
                    "send the image as the body (Content-Type: image/png, image/jpeg...) or as a file of a multipart form");
            }

            long total = 0;
            var buffer = new byte[81920];
            await using (var output = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > limit)
                    {
                        throw ApiException.PayloadTooLarge(limit);
                    }

                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            if (total == 0)
            {
                throw new ApiException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidInput, "the upload is empty; send an image (PNG, JPEG...)");
            }

            var head = new byte[PngSignature.Length];
            await using (var input = File.OpenRead(file))
            {
                await input.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            }

            if (head.AsSpan().SequenceEqual(PngSignature))
            {
                File.Move(file, file + ".png");
                return file + ".png";
            }

            return file;
        }
    }
}
