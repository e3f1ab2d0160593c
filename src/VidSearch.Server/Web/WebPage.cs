using Microsoft.AspNetCore.Routing;
using VidSearch.Server.Api;

namespace VidSearch.Server.Web;

/// <summary>The search page: plain HTML, CSS and JavaScript embedded in the assembly (no build step).</summary>
public static class WebPage
{
    private static readonly (string Route, string Resource, string ContentType)[] Files =
    [
        ("/", "wwwroot/index.html", "text/html; charset=utf-8"),
        ("/index.html", "wwwroot/index.html", "text/html; charset=utf-8"),
        ("/app.js", "wwwroot/app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "wwwroot/app.css", "text/css; charset=utf-8"),
    ];

    public const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (route, resource, contentType) in Files)
        {
            byte[] content = ReadAll(resource);
            app.MapGet(route, (HttpResponse response) =>
            {
                response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                response.Headers.CacheControl = "no-cache";
                return Results.Bytes(content, contentType);
            });
        }
    }

    private static byte[] ReadAll(string resource)
    {
        using var stream = ApiEndpoints.Resource(resource);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
