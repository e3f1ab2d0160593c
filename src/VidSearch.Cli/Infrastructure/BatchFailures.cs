using VidSearch.Core;

namespace VidSearch.Cli.Infrastructure;

/// <summary>
/// Runs one step per input file: a single input fails the command with its own error; over a folder the other
/// files go on and a summary lists the failures at the end (exit code 1).
/// </summary>
public sealed class BatchFailures(bool singleInput)
{
    private readonly List<(string Path, VidSearchException Error)> failures = [];

    public IReadOnlyList<(string Path, VidSearchException Error)> Failures => failures;

    /// <summary>Runs <paramref name="step"/>; over a batch, a <see cref="VidSearchException"/> is recorded instead of thrown.</summary>
    public bool Try(string path, Action step)
    {
        try
        {
            step();
            return true;
        }
        catch (VidSearchException e) when (!singleInput && e.Kind is not ErrorKind.External and not ErrorKind.InvalidArgument)
        {
            failures.Add((path, e));
            return false;
        }
    }

    public object Json => failures.Select(f => new { path = f.Path, code = f.Error.Code, error = f.Error.Cause }).ToList();

    /// <summary>Prints the summary on stderr and returns the exit code (0, or 1 when something failed).</summary>
    public int Finish(int total, int partial = 0)
    {
        if (failures.Count > 0)
        {
            Console.Error.WriteLine($"{failures.Count} of {total} files failed:");
            foreach (var (_, error) in failures)
            {
                Console.Error.WriteLine($"  {error.Message}");
            }
        }

        return failures.Count > 0 || partial > 0 ? ExitCodes.PartialFailure : ExitCodes.Success;
    }
}
