using Microsoft.AspNetCore.Http.Features;
using VidSearch.Server.Api;

namespace VidSearch.Server.Security;

/// <summary>
/// Refuses (400 forbidden_path) any request whose target tries to walk the file system: dot segments, encoded or
/// literal backslashes, encoded slashes, NUL bytes. Files are only ever found by video id, so such a request has
/// no legitimate meaning; refusing it early keeps a future route from being tricked.
/// </summary>
public sealed class PathGuard(RequestDelegate next)
{
    private static readonly string[] Forbidden = ["%2f", "%5c", "\\", "%00", "\0", "%2e%2e", "%2e.", ".%2e"];

    public Task InvokeAsync(HttpContext context)
    {
        string raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? "";
        int query = raw.IndexOf('?');
        string target = query >= 0 ? raw[..query] : raw;
        string path = context.Request.Path.Value ?? "";
        if (IsForbidden(target) || IsForbidden(path))
        {
            return ErrorHandling.WriteAsync(context, StatusCodes.Status400BadRequest, ErrorCodes.ForbiddenPath,
                "the request path may not contain '..', encoded slashes or backslashes; files are addressed by video id");
        }

        return next(context);
    }

    internal static bool IsForbidden(string path)
    {
        if (Forbidden.Any(f => path.Contains(f, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return path.Split('/').Any(segment => segment is ".." or ".");
    }
}
