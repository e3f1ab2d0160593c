using System.CommandLine;
using VidSearch.Core;

namespace VidSearch.Cli.Infrastructure;

/// <summary>
/// Wraps every command's action: user errors become one line on stderr and an exit code,
/// never a stack trace.
/// </summary>
public static class CommandRunner
{
    public static void SetHandler(this Command command, Func<ParseResult, CancellationToken, Task<int>> action)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await action(parseResult, cancellationToken);
            }
            catch (VidSearchException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.For(e.Kind);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("cancelled");
                return ExitCodes.Cancelled;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"internal error: {e.GetType().Name}: {e.Message}");
                if (Environment.GetEnvironmentVariable("VIDSEARCH_DEBUG") == "1")
                {
                    Console.Error.WriteLine(e);
                }
                else
                {
                    Console.Error.WriteLine("(this is a bug; set VIDSEARCH_DEBUG=1 to see where it happened)");
                }

                return ExitCodes.InternalError;
            }
        });
    }

    public static void SetHandler(this Command command, Func<ParseResult, int> action)
        => command.SetHandler((parseResult, _) => Task.FromResult(action(parseResult)));
}
