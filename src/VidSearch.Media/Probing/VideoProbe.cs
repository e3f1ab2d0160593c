using System.Globalization;
using System.Text.Json;
using VidSearch.Core;
using VidSearch.Media.Tools;

namespace VidSearch.Media.Probing;

/// <summary>Reads a video's properties with ffprobe, and refuses files that are not videos with a clear reason.</summary>
public static class VideoProbe
{
    /// <summary>Containers whose duration ffprobe estimates from the bitrate: their frames are counted instead.</summary>
    private static readonly HashSet<string> ElementaryFormats = new(StringComparer.Ordinal)
    {
        "mpegvideo", "h264", "hevc", "m4v", "h261", "h263", "mjpeg", "cavsvideo", "vc1", "rawvideo", "yuv4mpegpipe", "ivf", "dirac",
    };

    /// <summary>Codecs that ffprobe reports as a video stream although the file is text or a still image.</summary>
    private static readonly HashSet<string> NotVideoCodecs = new(StringComparer.Ordinal) { "ansi", "bintext", "xbin", "idf", "tty" };

    public static VideoInfo Probe(string path, CancellationToken ct = default) => ProbeWithTimeline(path, readTimeline: false, ct).Info;

    /// <summary>
    /// Probes the file; with <paramref name="readTimeline"/> also reads every frame's timestamp from the packets
    /// (one demux pass, no decoding), which the decoder uses to pick and seek frames exactly.
    /// </summary>
    public static (VideoInfo Info, FrameTimeline? Timeline) ProbeWithTimeline(string path, bool readTimeline, CancellationToken ct = default)
    {
        CheckFile(path);
        // With the timeline, one ffprobe pass lists the container, the streams and every packet.
        string[] arguments = readTimeline
            ? ["-v", "error", "-show_entries", "format:stream:packet=stream_index,pts_time,dts_time,duration_time,flags", "-of", "json", path]
            : ["-v", "error", "-show_format", "-show_streams", "-of", "json", path];
        var (exit, stdout, stderr) = FfmpegProcess.Run(FfmpegProcess.FfprobePath, arguments, ct);
        if (exit != 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "not a readable video: " + FfmpegProcess.LastErrorLine(stderr, "ffprobe failed", path));
        }

        using var document = ParseJson(path, stdout);
        var root = document.RootElement;
        var format = root.TryGetProperty("format", out var f) ? f : default;
        string container = Text(format, "format_name") ?? string.Empty;
        var streams = root.TryGetProperty("streams", out var s) && s.ValueKind == JsonValueKind.Array ? s.EnumerateArray().ToList() : [];
        bool hasAudio = streams.Any(x => Text(x, "codec_type") == "audio");
        var video = streams.FirstOrDefault(x => Text(x, "codec_type") == "video" && !IsAttachedPicture(x));
        if (video.ValueKind != JsonValueKind.Object)
        {
            string kinds = streams.Count == 0 ? "no streams" : "streams: " + string.Join(", ", streams.Select(x => Text(x, "codec_type") ?? "unknown"));
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"no video stream ({kinds})");
        }

        string codec = Text(video, "codec_name") ?? "unknown";
        if (NotVideoCodecs.Contains(codec) || container == "tty")
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "not a video (text file)");
        }

        if (container.EndsWith("_pipe", StringComparison.Ordinal) || container is "image2" or "png" or "bmp")
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"a still image ({codec}), not a video");
        }

        int width = Integer(video, "width");
        int height = Integer(video, "height");
        if (width <= 0 || height <= 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"video stream ({codec}) has no frame size: corrupt or unsupported");
        }

        double avgRate = Rate(Text(video, "avg_frame_rate"));
        double realRate = Rate(Text(video, "r_frame_rate"));
        double frameRate = avgRate > 0 && avgRate < 1000 ? avgRate : realRate;
        double startTime = Number(video, "start_time") ?? Number(format, "start_time") ?? 0;
        double? streamDuration = Number(video, "duration");
        double? formatDuration = Number(format, "duration");
        long? frameCount = Number(video, "nb_frames") is double n && n > 0 ? (long)n : null;

        bool elementary = container.Split(',').Any(ElementaryFormats.Contains);
        bool needTimeline = readTimeline || elementary || streamDuration is null || container == "gif";
        FrameTimeline? timeline = readTimeline
            ? FrameTimeline.FromPackets(VideoPackets(root, Integer(video, "index")), frameRate > 0 ? frameRate : 25)
            : needTimeline ? FrameTimeline.Read(path, frameRate > 0 ? frameRate : 25, ct) : null;
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

    private static List<string[]> VideoPackets(JsonElement root, int streamIndex)
    {
        var rows = new List<string[]>();
        if (root.TryGetProperty("packets", out var packets) && packets.ValueKind == JsonValueKind.Array)
        {
            foreach (var packet in packets.EnumerateArray())
            {
                if (Integer(packet, "stream_index") == streamIndex)
                {
                    rows.Add([Text(packet, "pts_time") ?? "N/A", Text(packet, "dts_time") ?? "N/A", Text(packet, "duration_time") ?? "N/A", Text(packet, "flags") ?? string.Empty]);
                }
            }
        }

        return rows;
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

    private static JsonDocument ParseJson(string path, string json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.External, path, "ffprobe printed unreadable output: " + e.Message, e);
        }
    }

    private static bool IsAttachedPicture(JsonElement stream)
        => stream.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var a) && a.ValueKind == JsonValueKind.Number && a.GetInt32() == 1;

    /// <summary>Clockwise display rotation from the display matrix side data (or the legacy "rotate" tag).</summary>
    private static int Rotation(JsonElement video)
    {
        double degrees = 0;
        if (video.TryGetProperty("side_data_list", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (Number(item, "rotation") is double r)
                {
                    degrees = -r; // the display matrix angle is counter-clockwise
                }
            }
        }
        else if (video.TryGetProperty("tags", out var tags) && Number(tags, "rotate") is double tag)
        {
            degrees = tag;
        }

        int rounded = (int)Math.Round(degrees / 90.0) * 90;
        return ((rounded % 360) + 360) % 360;
    }

    private static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString()
            : null;

    private static double? Number(JsonElement element, string name)
        => Text(element, name) is string t && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;

    private static int Integer(JsonElement element, string name) => (int)(Number(element, name) ?? 0);

    private static double Rate(string? text)
    {
        if (text is null)
        {
            return 0;
        }

        var parts = text.Split('/');
        if (parts.Length == 2
            && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double num)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double den)
            && den > 0)
        {
            return num / den;
        }

        return 0;
    }
}
