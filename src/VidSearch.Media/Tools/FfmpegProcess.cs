using System.ComponentModel;
using System.Diagnostics;
using VidSearch.Core;

namespace VidSearch.Media.Tools;

/// <summary>
/// Starts ffmpeg and ffprobe (from PATH, or VIDSEARCH_FFMPEG / VIDSEARCH_FFPROBE) and turns a missing
/// tool into a clear error.
/// </summary>
public static class FfmpegProcess
{
    public static string FfmpegPath => Environment.GetEnvironmentVariable("VIDSEARCH_FFMPEG") is { Length: > 0 } p ? p : "ffmpeg";

    public static string FfprobePath => Environment.GetEnvironmentVariable("VIDSEARCH_FFPROBE") is { Length: > 0 } p ? p : "ffprobe";

    /// <summary>Starts a tool with redirected stdout and stderr (stdin closed).</summary>
    public static Process Start(string tool, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            return Process.Start(info) ?? throw new VidSearchException(ErrorKind.External, tool, "could not be started");
        }
        catch (Win32Exception e)
        {
            throw new VidSearchException(ErrorKind.External, tool, $"not found or not executable ({e.Message}); install ffmpeg (scripts/setup.sh does)", e);
        }
    }

    /// <summary>Runs a tool to completion and returns its exit code, stdout and stderr as text.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(string tool, IEnumerable<string> arguments, CancellationToken ct = default)
    {
        using var process = Start(tool, arguments);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            process.WaitForExitAsync(ct).GetAwaiter().GetResult();
            return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            throw;
        }
    }

    public static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (Win32Exception)
        {
        }
    }

    /// <summary>
    /// The telling part of a tool's stderr: its last two distinct messages, without "[demuxer @ 0x...]" prefixes
    /// and without the input path the tool puts in front (the caller names the file itself).
    /// </summary>
    public static string LastErrorLine(string stderr, string fallback, string? path = null)
    {
        var messages = new List<string>();
        foreach (string raw in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string line = raw;
            if (line.StartsWith('['))
            {
                int end = line.IndexOf("] ", StringComparison.Ordinal);
                if (end > 0)
                {
                    line = line[(end + 2)..];
                }
            }

            if (path is not null && line.StartsWith(path + ": ", StringComparison.Ordinal))
            {
                line = line[(path.Length + 2)..];
            }

            line = line.Trim();
            if (line.Length > 0 && !messages.Contains(line))
            {
                messages.Add(line);
            }
        }

        if (messages.Count == 0)
        {
            return fallback;
        }

        string text = string.Join("; ", messages.TakeLast(2));
        return text.Length > 240 ? text[..240] : text;
    }
}
