namespace VidSearch.Core;

/// <summary>What went wrong, as a stable code that scripts and the HTTP API can rely on.</summary>
public enum ErrorKind
{
    /// <summary>A file or folder that does not exist.</summary>
    NotFound,
    /// <summary>Input that exists but cannot be used: empty, truncated, corrupt, not a video, malformed.</summary>
    InvalidInput,
    /// <summary>A parameter outside its meaningful range.</summary>
    InvalidArgument,
    /// <summary>A stored artefact (index, checkpoint) made by another model or version.</summary>
    Incompatible,
    /// <summary>An external tool (ffmpeg) or service failed or is missing.</summary>
    External,
    /// <summary>The network could not be reached.</summary>
    Network,
}

/// <summary>
/// An error a user can act on: it names the input and the cause, and is printed as one line
/// ("input: cause") without a stack trace. Every component throws this for bad input.
/// </summary>
public class VidSearchException : Exception
{
    public VidSearchException(ErrorKind kind, string subject, string cause, Exception? inner = null)
        : base($"{subject}: {cause}", inner)
    {
        Kind = kind;
        Subject = subject;
        Cause = cause;
    }

    public ErrorKind Kind { get; }

    /// <summary>The file, parameter or query the error is about.</summary>
    public string Subject { get; }

    public string Cause { get; }

    /// <summary>Stable snake_case code for JSON output and the HTTP API.</summary>
    public string Code => Kind switch
    {
        ErrorKind.NotFound => "not_found",
        ErrorKind.InvalidInput => "invalid_input",
        ErrorKind.InvalidArgument => "invalid_argument",
        ErrorKind.Incompatible => "incompatible",
        ErrorKind.External => "external_failure",
        ErrorKind.Network => "network_unreachable",
        _ => "error",
    };

    public static VidSearchException Argument(string name, string cause) => new(ErrorKind.InvalidArgument, name, cause);
}
