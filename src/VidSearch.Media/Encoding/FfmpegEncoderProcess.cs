using System.ComponentModel;
using System.Diagnostics;
using VidSearch.Core;

namespace VidSearch.Media.Encoding;

/// <summary>
/// An ffmpeg process fed raw frames on stdin, with the tail of its stderr kept for error messages. Shared by the
/// mp4 writers, which add their own output handling (temporary names, segments).
/// </summary>
internal sealed class FfmpegEncoderProcess : IDisposable
{
    private const int StderrLinesKept = 20;

    private readonly Process _process;
    private readonly Stream _stdin;
    private readonly Queue<string> _stderrTail = new();
    private readonly Task _stderrPump;
    private bool _disposed;

    /// <exception cref="VidSearchException">ffmpeg could not be started.</exception>
    public FfmpegEncoderProcess(string ffmpegPath, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(ffmpegPath) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            _process = Process.Start(start) ?? throw new VidSearchException(ErrorKind.External, ffmpegPath, "could not be started");
        }
        catch (Win32Exception e)
        {
            throw new VidSearchException(ErrorKind.External, ffmpegPath, "ffmpeg could not be started (is it installed and on PATH?)", e);
        }

        _stdin = _process.StandardInput.BaseStream;
        _stderrPump = Task.Run(PumpStderr);
    }

    /// <summary>Sends bytes to ffmpeg's stdin; an IOException means ffmpeg has gone (see <see cref="Describe"/>).</summary>
    public void Write(ReadOnlySpan<byte> bytes) => _stdin.Write(bytes);

    /// <summary>Closes stdin and waits for ffmpeg to finish; returns its exit code.</summary>
    public int Finish()
    {
        _stdin.Flush();
        _stdin.Dispose();
        _process.WaitForExit();
        _stderrPump.Wait();
        return _process.ExitCode;
    }

    /// <summary>
    /// Why ffmpeg failed: its exit code (or that it did not exit) and the first and last lines it printed (the first
    /// usually names the cause, the last what ffmpeg gave up on). <paramref name="detail"/> replaces the lines.
    /// </summary>
    public (string Status, string Output) Describe(string? detail = null)
    {
        CloseInput();
        bool exited = _process.WaitForExit(5000);
        if (exited)
        {
            _stderrPump.Wait(2000);
        }

        string code = exited ? $"exit code {_process.ExitCode}" : "did not exit";
        string last;
        lock (_stderrTail)
        {
            var lines = _stderrTail.Where(l => l.Length > 0).ToList();
            last = detail ?? (lines.Count == 0 ? "no message" : lines.Count == 1 ? lines[0] : $"{lines[0]} / {lines[^1]}");
        }

        return (code, last);
    }

    /// <summary>Stops ffmpeg (closing stdin, then killing it if it does not exit) and releases the process.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CloseInput();
        try
        {
            if (!_process.WaitForExit(2000))
            {
                _process.Kill();
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }

        _stderrPump.Wait(2000);
        _process.Dispose();
    }

    private void CloseInput()
    {
        try
        {
            _stdin.Dispose();
        }
        catch (IOException)
        {
        }
    }

    private void PumpStderr()
    {
        string? line;
        while ((line = _process.StandardError.ReadLine()) is not null)
        {
            lock (_stderrTail)
            {
                _stderrTail.Enqueue(line.Trim());
                if (_stderrTail.Count > StderrLinesKept)
                {
                    _stderrTail.Dequeue();
                }
            }
        }
    }
}
