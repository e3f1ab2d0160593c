using System.CommandLine;

namespace VidSearch.Cli.Infrastructure;

/// <summary>Options shared by many commands, so they are spelled the same everywhere.</summary>
public static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON on stdout (progress and errors go to stderr)." };
}
