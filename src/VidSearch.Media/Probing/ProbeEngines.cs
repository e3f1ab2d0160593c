using VidSearch.Core;
using VidSearch.Media.Probing.Native;

namespace VidSearch.Media.Probing;

/// <summary>How videos are probed.</summary>
public enum ProbeEngine
{
    /// <summary>In-process through libavformat when the FFmpeg 5.x libraries load, else ffprobe.</summary>
    Auto,

    /// <summary>In-process through libavformat; an error when the libraries cannot be used.</summary>
    Libavformat,

    /// <summary>One ffprobe process per probe.</summary>
    Ffprobe,
}

/// <summary>
/// Chooses the probe engine: the one VIDSEARCH_PROBE names (auto, libavformat or ffprobe; auto when unset). Both
/// engines give the same <see cref="VideoInfo"/> and <see cref="FrameTimeline"/>; the in-process one saves a
/// process start per video (about 0.2 s of CPU on a VM where ffprobe loads 215 shared libraries).
/// </summary>
public static class ProbeEngines
{
    public const string Variable = "VIDSEARCH_PROBE";

    private static readonly Lazy<LibavProbeReader?> SharedInProcess = new(() => LibavLibrary.Shared(out _) is { } library ? new LibavProbeReader(library) : null);
    private static volatile string? disabledReason;

    /// <summary>The engine VIDSEARCH_PROBE asks for (auto when unset or empty).</summary>
    public static ProbeEngine Requested => Parse(Environment.GetEnvironmentVariable(Variable));

    /// <summary>Reads an engine name: auto, libavformat (or in-process) or ffprobe, in any case; <paramref name="source"/> names it in errors.</summary>
    public static ProbeEngine Parse(string? name, string source = Variable) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => ProbeEngine.Auto,
        "libavformat" or "in-process" or "inprocess" => ProbeEngine.Libavformat,
        "ffprobe" => ProbeEngine.Ffprobe,
        _ => throw VidSearchException.Argument(source, $"must be auto, libavformat or ffprobe, got '{name}'"),
    };

    /// <summary>Why the in-process engine cannot be used, or null when it can.</summary>
    public static string? InProcessUnavailableReason
    {
        get
        {
            if (disabledReason is string disabled)
            {
                return disabled;
            }

            LibavLibrary.Shared(out string? refusal);
            return refusal;
        }
    }

    /// <summary>The engine that probes for <paramref name="engine"/> (default: the requested one), in words.</summary>
    public static string Describe(ProbeEngine? engine = null)
    {
        var requested = engine ?? Requested;
        if (requested == ProbeEngine.Ffprobe)
        {
            return "ffprobe";
        }

        string? unavailable = InProcessUnavailableReason;
        return unavailable is null ? Reader(requested).Name : $"ffprobe (in-process probe unavailable: {unavailable})";
    }

    /// <summary>The reader for <paramref name="engine"/> (default: the requested one).</summary>
    internal static IProbeReader Reader(ProbeEngine? engine = null)
    {
        var requested = engine ?? Requested;
        if (requested == ProbeEngine.Ffprobe)
        {
            return FfprobeReader.Instance;
        }

        var inProcess = disabledReason is null ? SharedInProcess.Value : null;
        return Resolve(requested, inProcess, InProcessUnavailableReason);
    }

    /// <summary>Picks the reader for a request given what the in-process engine can do (null: nothing, for <paramref name="unavailable"/>).</summary>
    internal static IProbeReader Resolve(ProbeEngine requested, IProbeReader? inProcess, string? unavailable) => requested switch
    {
        ProbeEngine.Ffprobe => FfprobeReader.Instance,
        ProbeEngine.Libavformat => inProcess ?? throw new VidSearchException(
            ErrorKind.External,
            "libavformat",
            $"the in-process probe is unavailable ({unavailable ?? "unknown reason"}); set {Variable}=ffprobe or auto to probe with ffprobe"),
        _ => inProcess ?? FfprobeReader.Instance,
    };

    /// <summary>Stops using the in-process engine for the rest of the program (its libraries did not look as expected).</summary>
    internal static void DisableInProcess(string reason) => disabledReason ??= reason;
}
