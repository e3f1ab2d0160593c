using VidSearch.Core;
using VidSearch.Media.Probing.Native;

namespace VidSearch.Media.Probing;

/// <summary>
/// Reads a video's properties (in-process through libavformat, or with ffprobe: see <see cref="ProbeEngines"/>), and
/// refuses files that are not videos with a clear reason.
/// </summary>
public static class VideoProbe
{
    /// <summary>Containers whose duration libavformat estimates from the bitrate: their frames are counted instead.</summary>
    private static readonly HashSet<string> ElementaryFormats = new(StringComparer.Ordinal)
    {
        "mpegvideo", "h264", "hevc", "m4v", "h261", "h263", "mjpeg", "cavsvideo", "vc1", "rawvideo", "yuv4mpegpipe", "ivf", "dirac",
    };

    /// <summary>Codecs that libavformat reports as a video stream although the file is text or a still image.</summary>
    private static readonly HashSet<string> NotVideoCodecs = new(StringComparer.Ordinal) { "ansi", "bintext", "xbin", "idf", "tty" };

    public static VideoInfo Probe(string path, CancellationToken ct = default) => ProbeWithTimeline(path, readTimeline: false, ct).Info;

    /// <summary>
    /// Probes the file; with <paramref name="readTimeline"/> also reads every frame's timestamp from the packets
    /// (one demux pass, no decoding), which the decoder uses to pick and seek frames exactly.
    /// </summary>
    public static (VideoInfo Info, FrameTimeline? Timeline) ProbeWithTimeline(string path, bool readTimeline, CancellationToken ct = default)
        => ProbeWithTimeline(path, readTimeline, ProbeEngines.Requested, ct);

    /// <summary>Probes the file with the given engine (see <see cref="ProbeEngines"/>).</summary>
    public static (VideoInfo Info, FrameTimeline? Timeline) ProbeWithTimeline(string path, bool readTimeline, ProbeEngine engine, CancellationToken ct)
    {
        CheckFile(path);
        return ProbeOrFallBack(ProbeEngines.Reader(engine), engine, path, readTimeline, ProbeEngines.DisableInProcess, ct);
    }

    /// <summary>
    /// Probes with <paramref name="reader"/>. Should the in-process libraries turn out not to be laid out as expected,
    /// they are disabled for good (<paramref name="disableInProcess"/>) and, unless they were asked for by name,
    /// ffprobe probes instead.
    /// </summary>
    internal static (VideoInfo Info, FrameTimeline? Timeline) ProbeOrFallBack(
        IProbeReader reader, ProbeEngine engine, string path, bool readTimeline, Action<string> disableInProcess, CancellationToken ct)
    {
        try
        {
            return Probe(reader, path, readTimeline, ct);
        }
        catch (LibavLayoutException e)
        {
            disableInProcess(e.Message);
            if (engine == ProbeEngine.Libavformat)
            {
                throw new VidSearchException(ErrorKind.External, "libavformat", $"the in-process probe cannot read these libraries ({e.Message}); set {ProbeEngines.Variable}=ffprobe", e);
            }

            return Probe(FfprobeReader.Instance, path, readTimeline, ct);
        }
    }

    /// <summary>Probes with a given reader (the file already checked).</summary>
    internal static (VideoInfo Info, FrameTimeline? Timeline) Probe(IProbeReader reader, string path, bool readTimeline, CancellationToken ct)
    {
        var facts = reader.Read(path, readTimeline, ct);
        string container = facts.FormatName;
        var streams = facts.Streams;
        bool hasAudio = streams.Any(x => x.CodecType == "audio");
        var video = streams.FirstOrDefault(x => x.CodecType == "video" && !x.IsAttachedPicture);
        if (video is null)
        {
            string kinds = streams.Count == 0 ? "no streams" : "streams: " + string.Join(", ", streams.Select(x => x.CodecType ?? "unknown"));
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"no video stream ({kinds})");
        }

        string codec = video.CodecName ?? "unknown";
        if (NotVideoCodecs.Contains(codec) || container == "tty")
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "not a video (text file)");
        }

        if (container.EndsWith("_pipe", StringComparison.Ordinal) || container is "image2" or "png" or "bmp")
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"a still image ({codec}), not a video");
        }

        int width = video.Width;
        int height = video.Height;
        if (width <= 0 || height <= 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"video stream ({codec}) has no frame size: corrupt or unsupported");
        }

        double avgRate = video.AverageFrameRate;
        double realRate = video.RealFrameRate;
        double frameRate = avgRate > 0 && avgRate < 1000 ? avgRate : realRate;
        double startTime = video.StartTime ?? facts.StartTime ?? 0;
        double? streamDuration = video.Duration;
        double? formatDuration = facts.Duration;
        long? frameCount = video.FrameCount is long n && n > 0 ? n : null;

        bool elementary = container.Split(',').Any(ElementaryFormats.Contains);
        bool needTimeline = readTimeline || elementary || streamDuration is null || container == "gif";
        double nominalRate = frameRate > 0 ? frameRate : 25;
        FrameTimeline? timeline = readTimeline
            ? FrameTimeline.FromPackets(facts.VideoPackets?.GetValueOrDefault(video.Index) ?? [], nominalRate)
            : needTimeline ? FrameTimeline.FromPackets(reader.ReadFirstVideoStreamPackets(path, ct), nominalRate) : null;
        if (timeline is { Count: 0 })
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"video stream ({codec}) has no frames: empty or corrupt");
        }

        double duration;
        bool variable;
        if (timeline is not null)
        {
            variable = timeline.IsVariable;
            if (elementary || streamDuration is null)
            {
                duration = timeline.Duration;
                frameCount = timeline.Count;
                startTime = timeline.Start;
            }
            else
            {
                // The container's own figure: a truncated file keeps its full length, and the decoder reports the frames it lacks.
                duration = streamDuration.Value;
                frameCount ??= timeline.Count;
            }

            if (frameRate <= 0 || elementary)
            {
                frameRate = timeline.Duration > 0 ? timeline.Count / timeline.Duration : realRate;
            }
        }
        else
        {
            duration = streamDuration ?? formatDuration ?? 0;
            variable = avgRate > 0 && realRate > 0 && Math.Abs(avgRate - realRate) > 0.01 * realRate;
        }

        if (frameRate <= 0)
        {
            frameRate = frameCount is long c && duration > 0 ? c / duration : 25;
        }

        if (duration <= 0)
        {
            duration = frameCount is long c2 ? c2 / frameRate : 1 / frameRate;
        }

        return (new VideoInfo(
            path,
            duration,
            frameRate,
            variable,
            width,
            height,
            Rotation(video),
            codec,
            hasAudio,
            frameCount ?? Math.Max(1, (long)Math.Round(duration * frameRate)))
        {
            StartTime = startTime,
            Container = container,
        }, timeline);
    }

    /// <summary>Throws NotFound / InvalidInput for a path that is missing, a folder or an empty file.</summary>
    public static void CheckFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "is a folder, not a file");
        }

        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "no such file");
        }

        if (new FileInfo(path).Length == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "empty file (0 bytes)");
        }
    }

    /// <summary>Clockwise display rotation from the display matrix side data (or the legacy "rotate" tag).</summary>
    private static int Rotation(StreamFacts video)
    {
        double degrees = 0;
        if (video.HasSideData)
        {
            if (video.DisplayMatrixRotation is double r)
            {
                degrees = -r; // the display matrix angle is counter-clockwise
            }
        }
        else if (video.RotateTag is double tag)
        {
            degrees = tag;
        }

        if (!(Math.Abs(degrees) <= 360))
        {
            return 0; // a degenerate display matrix has no angle
        }

        int rounded = (int)Math.Round(degrees / 90.0) * 90;
        return ((rounded % 360) + 360) % 360;
    }
}
