using System.CommandLine;
using System.CommandLine.Invocation;

namespace VidSearch.Cli.Infrastructure;

/// <summary>Runs a parsed command line with vidsearch's exit codes.</summary>
public static class ParseResultInvocation
{
    /// <summary>
    /// Invokes the parse result. A command line that does not parse (unknown command or option, missing required
    /// option, a value of the wrong type) still prints System.CommandLine's error lines and help on stderr, but exits with
    /// <see cref="ExitCodes.UsageError"/> instead of System.CommandLine's 1, which means a partial failure here.
    /// </summary>
    public static async Task<int> RunAsync(this ParseResult parseResult, CancellationToken cancellationToken = default)
    {
        int code = await parseResult.InvokeAsync(cancellationToken: cancellationToken);
        return parseResult.Action is ParseErrorAction ? ExitCodes.UsageError : code;
    }
}
