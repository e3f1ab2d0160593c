using System.Globalization;
using VidSearch.Server.Api;

namespace VidSearch.Server.Security;

/// <summary>
/// Requires an API key (Authorization: Bearer KEY, or X-Api-Key: KEY) on every /api endpoint but health when keys
/// are on; media endpoints also accept the signed link a search returned. The page's static files need no key (they
/// hold no data). The key's id is left in <see cref="HttpContext.Items"/> for the per-key rate limiter.
/// </summary>
public sealed class ApiKeyAuthentication(RequestDelegate next, KeyRing keys, MediaLinkSigner signer)
{
    public const string KeyIdItem = "vidsearch.key-id";

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || path.Equals("/api/health", StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        string? presented = PresentedKey(context.Request);
        if (presented is not null)
        {
            var record = keys.Match(presented);
            if (record is null)
            {
                return Reject(context, "the API key is not valid (unknown or revoked)");
            }

            context.Items[KeyIdItem] = record.Id;
            return next(context);
        }

        if (!keys.Required || SignedMediaRequest(context))
        {
            return next(context);
        }

        return Reject(context, "an API key is required: send 'Authorization: Bearer KEY' (create one with `vidsearch keys create`)");
    }

    private static string? PresentedKey(HttpRequest request)
    {
        string? authorization = request.Headers.Authorization;
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        string? header = request.Headers["X-Api-Key"];
        return string.IsNullOrWhiteSpace(header) ? null : header.Trim();
    }

    /// <summary>GET /api/videos/{id}/(stream|thumbnail)?sig=... with a valid signature for that id.</summary>
    private bool SignedMediaRequest(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            return false;
        }

        var segments = context.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length == 4 && segments[0] == "api" && segments[1] == "videos" && segments[3] is "stream" or "thumbnail"
            && long.TryParse(segments[2], NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            && signer.Verify(id, context.Request.Query["sig"]);
    }

    private static Task Reject(HttpContext context, string message)
    {
        return ErrorHandling.WriteAsync(context, StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, message, ("WWW-Authenticate", "Bearer"));
    }
}
