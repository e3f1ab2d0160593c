using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace VidSearch.Media.Probing.Native;

/// <summary>
/// Collects the messages the FFmpeg libraries log while this thread opens or decodes a file, so that a refusal can
/// say what ffprobe -v error would have printed ("moov atom not found") and decoding can report what ffmpeg -v info
/// would have. The libraries have one log callback per process; messages on threads that are not capturing, and
/// messages above a capture's level, are dropped, except those of a decoder's own threads, which reach the capture
/// of the thread that decodes (<see cref="Sink.RouteCodecContext"/>).
/// </summary>
internal static unsafe class LibavLog
{
    private const int LineCapacity = 1024;

    private static readonly object InstallLock = new();
    private static readonly ConcurrentDictionary<nint, Sink> CodecSinks = new();
    private static delegate* unmanaged[Cdecl]<nint, int, nint, nint, byte*, int, int*, int> formatLine;
    private static nint codecContextClass;
    private static int codecOpaqueOffset;
    private static long lastCodecId;

    [ThreadStatic]
    private static Sink? captured;

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

    /// <summary>
    /// Lets messages about an AVCodecContext (class <paramref name="contextClass"/>) find their capture through the
    /// context's opaque field, at <paramref name="opaqueOffset"/>: frame-threaded decoders log from their own threads.
    /// </summary>
    public static void RouteCodecMessages(nint contextClass, int opaqueOffset)
    {
        codecOpaqueOffset = opaqueOffset;
        codecContextClass = contextClass;
    }

    /// <summary>Starts collecting this thread's error messages, without prefixes; disposing the scope stops.</summary>
    public static Capture Start() => Start(new Sink(LibavAbi.LogError, withPrefix: false));

    /// <summary>Sends this thread's messages to <paramref name="sink"/> until the scope is disposed.</summary>
    public static Capture Start(Sink sink)
    {
        var previous = captured;
        captured = sink;
        return new Capture(previous, sink);
    }

    /// <summary>One thread's collection of messages, from <see cref="Start()"/> until disposed.</summary>
    public readonly struct Capture(Sink? previous, Sink sink) : IDisposable
    {
        /// <summary>The messages so far, one per line.</summary>
        public string Text => sink.Text;

        public void Dispose() => captured = previous;
    }

    /// <summary>Where messages go: those at <paramref name="maxLevel"/> or more severe, with or without the "[h264 @ 0x..] " prefix.</summary>
    public sealed class Sink(int maxLevel, bool withPrefix)
    {
        private readonly StringBuilder text = new();
        private int printPrefix = 1;

        public int MaxLevel => maxLevel;

        public string Text
        {
            get
            {
                lock (text)
                {
                    return text.ToString();
                }
            }
        }

        /// <summary>The messages collected since the last call, one per line.</summary>
        public string[] TakeLines()
        {
            lock (text)
            {
                string all = text.ToString();
                text.Clear();
                return all.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        /// <summary>A value to put in a codec context's opaque field so that its threads' messages come here; undone by <see cref="Unroute"/>.</summary>
        public nint RouteCodecContext()
        {
            nint id = (nint)Interlocked.Increment(ref lastCodecId);
            CodecSinks[id] = this;
            return id;
        }

        public static void Unroute(nint id) => CodecSinks.TryRemove(id, out _);

        internal void Append(nint context, int level, nint format, nint arguments)
        {
            byte* line = stackalloc byte[LineCapacity];
            lock (text)
            {
                // On x86-64 a va_list parameter is a pointer to the caller's argument area, which passes on unchanged.
                int prefix = withPrefix ? printPrefix : 0;
                formatLine(context, level, format, arguments, line, LineCapacity, &prefix);
                printPrefix = prefix;
                text.Append(Utf8.Read(line));
            }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnMessage(nint context, int level, nint format, nint arguments)
    {
        try
        {
            var sink = captured;
            if (sink is null && context != 0 && codecContextClass != 0 && *(nint*)context == codecContextClass)
            {
                CodecSinks.TryGetValue(*(nint*)(context + codecOpaqueOffset), out sink);
            }

            if (sink is null || level > sink.MaxLevel || formatLine is null)
            {
                return;
            }

            sink.Append(context, level, format, arguments);
        }
        catch (Exception)
        {
            // Nothing may escape into native code; a lost message only makes an error less specific.
        }
    }
}
