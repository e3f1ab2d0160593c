using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VidSearch.Core;

namespace VidSearch.Server.Api;

/// <summary>
/// Turns every failure of a request into the JSON error body: API and library errors with their codes, bad HTTP
/// requests (oversized bodies included), unmatched routes and methods, and anything else as "internal" with a
/// generic message: the exception is logged, never sent (no stack trace leaves the process).
/// </summary>
public sealed class ErrorHandling(RequestDelegate next, ILogger<ErrorHandling> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (context.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed
                && !context.Response.HasStarted && context.Response.ContentLength is null && context.Response.ContentType is null)
            {
                bool missing = context.Response.StatusCode == StatusCodes.Status404NotFound;
                await WriteAsync(context, context.Response.StatusCode, missing ? ErrorCodes.NotFound : ErrorCodes.MethodNotAllowed,
                    missing ? $"no such resource: {context.Request.Method} {context.Request.Path}" : $"{context.Request.Method} is not allowed on {context.Request.Path}");
            }
        }
        catch (ApiException e)
        {
            await WriteAsync(context, e.Status, e.Code, e.Message);
        }
        catch (VidSearchException e)
        {
            var api = ApiException.From(e);
            await WriteAsync(context, api.Status, api.Code, api.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await WriteAsync(context, e.StatusCode, ErrorCodes.PayloadTooLarge, "the request body is too large");
        }
        catch (BadHttpRequestException e)
        {
            await WriteAsync(context, e.StatusCode, ErrorCodes.InvalidArgument, "malformed request: " + e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e)
        {
            logger.LogError(e, "unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            await WriteAsync(context, StatusCodes.Status500InternalServerError, ErrorCodes.Internal,
                "internal error (this is a bug; the server log has the details)");
        }
    }

    /// <summary>Writes the error body (after clearing the response), with an optional header such as Retry-After.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string message, (string Name, string Value)? header = null)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        if (header is { } extra)
        {
            context.Response.Headers[extra.Name] = extra.Value;
        }

        var json = context.RequestServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions;
        await context.Response.WriteAsJsonAsync(ErrorBody.Of(code, message), json, "application/json; charset=utf-8");
    }
}
