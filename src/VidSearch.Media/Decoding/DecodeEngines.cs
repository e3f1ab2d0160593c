using VidSearch.Core;
using VidSearch.Media.Decoding.Native;
using VidSearch.Media.Probing;

namespace VidSearch.Media.Decoding;

/// <summary>How videos are decoded.</summary>
public enum DecodeEngine
{
    /// <summary>In-process through libavcodec and libavfilter when the FFmpeg 5.x libraries load, else ffmpeg.</summary>
    Auto,

    /// <summary>In-process through libavcodec and libavfilter; an error when the libraries cannot be used.</summary>
    Libav,

    /// <summary>One ffmpeg process per run of frames.</summary>
    Ffmpeg,
}

/// <summary>
/// Chooses the decode engine: the one VIDSEARCH_DECODE names (auto, libav or ffmpeg; auto when unset). Both engines
/// return the same frames for the same timestamps, with the same pixels; the in-process one saves a process start
/// per video (about 0.2 s of CPU here), and per seek on long videos.
/// </summary>
public static class DecodeEngines
{
    public const string Variable = "VIDSEARCH_DECODE";

    /// <summary>The engine VIDSEARCH_DECODE asks for (auto when unset or empty).</summary>
    public static DecodeEngine Requested => Parse(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Reads an engine name: auto, libav (or in-process) or ffmpeg, in any case; <paramref name="source"/> names it in errors.</summary>
    public static DecodeEngine Parse(string? name, string source = Variable) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => DecodeEngine.Auto,
        "libav" or "in-process" or "inprocess" => DecodeEngine.Libav,
        "ffmpeg" => DecodeEngine.Ffmpeg,
        _ => throw VidSearchException.Argument(source, $"must be auto, libav or ffmpeg, got '{name}'"),
    };

    /// <summary>Why the in-process engine cannot be used, or null when it can.</summary>
    public static string? InProcessUnavailableReason
    {
        get
        {
            // The decoder opens files through the probe's libraries and layout: if those are refused, so is it.
            if (ProbeEngines.InProcessUnavailableReason is string probe)
            {
                return probe;
            }

            LibavDecodeLibrary.Shared(out string? refusal);
            return refusal;
        }
    }

    /// <summary>The engine that decodes for <paramref name="engine"/> (default: the requested one), in words.</summary>
    public static string Describe(DecodeEngine? engine = null)
    {
        var requested = engine ?? Requested;
        if (requested == DecodeEngine.Ffmpeg)
        {
            return "ffmpeg";
        }

        string? unavailable = InProcessUnavailableReason;
        return unavailable is null ? LibavDecodeLibrary.Shared(out _)!.Describe() : $"ffmpeg (in-process decoder unavailable: {unavailable})";
    }

    /// <summary>The libraries to decode with in-process for <paramref name="engine"/>, or null to run ffmpeg.</summary>
    internal static LibavDecodeLibrary? InProcess(DecodeEngine engine)
    {
        if (engine == DecodeEngine.Ffmpeg)
        {
            return null;
        }

        string? unavailable = InProcessUnavailableReason;
        var library = unavailable is null ? LibavDecodeLibrary.Shared(out _) : null;
        return Resolve(engine, library, unavailable);
    }

    /// <summary>Picks the in-process libraries for a request given what loaded (null: nothing, for <paramref name="unavailable"/>).</summary>
    internal static T? Resolve<T>(DecodeEngine requested, T? inProcess, string? unavailable)
        where T : class => requested switch
        {
            DecodeEngine.Ffmpeg => null,
            DecodeEngine.Libav => inProcess ?? throw new VidSearchException(
                ErrorKind.External,
                "libavcodec",
                $"the in-process decoder is unavailable ({unavailable ?? "unknown reason"}); set {Variable}=ffmpeg or auto to decode with ffmpeg"),
            _ => inProcess,
        };
}
