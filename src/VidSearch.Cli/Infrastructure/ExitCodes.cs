using VidSearch.Core;

namespace VidSearch.Cli.Infrastructure;

/// <summary>The process exit codes of vidsearch (documented in the README).</summary>
public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A batch finished but some inputs failed (they are listed in the summary).</summary>
    public const int PartialFailure = 1;
    /// <summary>The command line could not be parsed, or a parameter is out of range.</summary>
    public const int UsageError = 2;
    /// <summary>The input (file, query, dataset) is missing, empty, corrupt or not what was expected.</summary>
    public const int InputError = 3;
    /// <summary>A stored artefact (index, checkpoint) belongs to another model or version.</summary>
    public const int Incompatible = 4;
    /// <summary>An external tool (ffmpeg) or the network failed.</summary>
    public const int ExternalError = 5;
    /// <summary>Interrupted by the user (Ctrl+C).</summary>
    public const int Cancelled = 130;
    /// <summary>A bug: an unexpected error (set VIDSEARCH_DEBUG=1 for the stack trace).</summary>
    public const int InternalError = 70;

    public static int For(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => UsageError,
        ErrorKind.NotFound or ErrorKind.InvalidInput => InputError,
        ErrorKind.Incompatible => Incompatible,
        ErrorKind.External or ErrorKind.Network => ExternalError,
        _ => InternalError,
    };
}
