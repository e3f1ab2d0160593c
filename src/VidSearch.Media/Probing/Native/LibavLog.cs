using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace VidSearch.Media.Probing.Native;

/// <summary>
/// Collects the error messages the FFmpeg libraries log while this thread opens a file, so that a refusal can say
/// what ffprobe -v error would have printed ("moov atom not found"). The libraries have one log callback per
/// process; messages on threads that are not capturing, and messages below error level, are dropped.
/// </summary>
internal static unsafe class LibavLog
{
    private const int LineCapacity = 1024;

    private static readonly object InstallLock = new();
    private static delegate* unmanaged[Cdecl]<nint, int, nint, nint, byte*, int, int*, int> formatLine;

    [ThreadStatic]
    private static StringBuilder? captured;

    /// <summary>Makes the libraries send their messages here instead of to stderr (once per program).</summary>
    public static void Install(LibavLibrary library)
    {
        lock (InstallLock)
        {
            if (formatLine is not null)
            {
                return;
            }

            formatLine = library.av_log_format_line2;
            library.av_log_set_callback(&OnMessage);
        }
    }

    /// <summary>Starts collecting this thread's error messages; disposing the scope stops.</summary>
    public static Capture Start()
    {
        var previous = captured;
        captured = new StringBuilder();
        return new Capture(previous);
    }

    /// <summary>One thread's collection of messages, from <see cref="Start"/> until disposed.</summary>
    public readonly struct Capture(StringBuilder? previous) : IDisposable
    {
        /// <summary>The messages so far, one per line.</summary>
        public string Text => captured?.ToString() ?? string.Empty;

        public void Dispose() => captured = previous;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnMessage(nint context, int level, nint format, nint arguments)
    {
        var sink = captured;
        if (level > LibavAbi.LogError || sink is null || formatLine is null)
        {
            return;
        }

        try
        {
            // No "[demuxer @ 0x...]" prefix: the caller names the file itself. On x86-64 a va_list parameter is a
            // pointer to the caller's argument area, which passes on unchanged.
            byte* line = stackalloc byte[LineCapacity];
            int printPrefix = 0;
            formatLine(context, level, format, arguments, line, LineCapacity, &printPrefix);
            sink.Append(Utf8.Read(line));
        }
        catch (Exception)
        {
            // Nothing may escape into native code; a lost message only makes an error less specific.
        }
    }
}
