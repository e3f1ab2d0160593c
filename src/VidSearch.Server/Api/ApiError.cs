using System.Text.Json.Serialization;
using VidSearch.Core;

namespace VidSearch.Server.Api;

/// <summary>The stable error codes of the HTTP API (the "code" of every error body).</summary>
public static class ErrorCodes
{
    public const string InvalidQuery = "invalid_query";
    public const string InvalidArgument = "invalid_argument";
    public const string InvalidInput = "invalid_input";
    public const string NotFound = "not_found";
    public const string Unauthorized = "unauthorized";
    public const string RateLimited = "rate_limited";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string ForbiddenPath = "forbidden_path";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string Incompatible = "incompatible";
    public const string ExternalFailure = "external_failure";
    public const string Internal = "internal";
}

/// <summary>An error the API answers with: an HTTP status, a stable code and a message for people.</summary>
public sealed class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    public static ApiException InvalidQuery(string message) => new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidQuery, message);

    public static ApiException InvalidArgument(string message) => new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidArgument, message);

    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, ErrorCodes.NotFound, message);

    public static ApiException PayloadTooLarge(long limit) => new(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge, $"the upload is larger than {limit} bytes");

    /// <summary>The API's view of a library error: its kind decides the status, its code the "code".</summary>
    public static ApiException From(VidSearchException e) => e.Kind switch
    {
        ErrorKind.NotFound => new(StatusCodes.Status404NotFound, ErrorCodes.NotFound, e.Message),
        ErrorKind.InvalidArgument => new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidArgument, e.Message),
        ErrorKind.InvalidInput => new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidInput, e.Message),
        ErrorKind.Incompatible => new(StatusCodes.Status409Conflict, ErrorCodes.Incompatible, e.Message),
        _ => new(StatusCodes.Status502BadGateway, ErrorCodes.ExternalFailure, e.Message),
    };
}

/// <summary>The JSON body of every error: {"error":{"code":"...","message":"..."}}.</summary>
public sealed record ErrorBody([property: JsonPropertyName("error")] ErrorDetail Error)
{
    public static ErrorBody Of(string code, string message) => new(new ErrorDetail(code, message));
}

public sealed record ErrorDetail([property: JsonPropertyName("code")] string Code, [property: JsonPropertyName("message")] string Message);
