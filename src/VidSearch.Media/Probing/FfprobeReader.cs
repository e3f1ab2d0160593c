using System.Globalization;
using System.Text.Json;
using VidSearch.Core;
using VidSearch.Media.Tools;

namespace VidSearch.Media.Probing;

/// <summary>Reads a file's container, streams and packets by running ffprobe and parsing its JSON (one process per call).</summary>
internal sealed class FfprobeReader : IProbeReader
{
    public static readonly FfprobeReader Instance = new();

    public string Name => "ffprobe";

    public ContainerFacts Read(string path, bool readPackets, CancellationToken ct)
    {
        // With packets, one ffprobe pass lists the container, the streams and every packet.
        string[] arguments = readPackets
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
        var streams = root.TryGetProperty("streams", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(Stream).ToList()
            : [];
        var facts = new ContainerFacts(Text(format, "format_name") ?? string.Empty, Number(format, "start_time"), Number(format, "duration"), streams);
        return readPackets ? facts with { VideoPackets = VideoPackets(root, streams) } : facts;
    }

    public IReadOnlyList<PacketTimes> ReadFirstVideoStreamPackets(string path, CancellationToken ct)
    {
        var (exit, stdout, stderr) = FfmpegProcess.Run(
            FfmpegProcess.FfprobePath,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,dts_time,duration_time,flags", "-of", "csv=p=0", path],
            ct);
        if (exit != 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "cannot read packets: " + FfmpegProcess.LastErrorLine(stderr, "ffprobe failed", path));
        }

        return ParseCsvPackets(stdout);
    }

    /// <summary>Parses ffprobe's "pts_time,dts_time,duration_time,flags" CSV lines ("N/A" for missing values).</summary>
    public static List<PacketTimes> ParseCsvPackets(string csv)
    {
        var packets = new List<PacketTimes>();
        foreach (string line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var cells = line.Split(',');
            if (cells.Length >= 4)
            {
                packets.Add(new PacketTimes(Parse(cells[0]), Parse(cells[1]), Parse(cells[2]), cells[3].Contains('K')));
            }
        }

        return packets;
    }

    private static StreamFacts Stream(JsonElement stream)
    {
        bool hasSideData = stream.TryGetProperty("side_data_list", out var list) && list.ValueKind == JsonValueKind.Array;
        double? displayRotation = null;
        if (hasSideData)
        {
            foreach (var item in list.EnumerateArray())
            {
                if (Number(item, "rotation") is double r)
                {
                    displayRotation = r;
                }
            }
        }

        return new StreamFacts
        {
            Index = Integer(stream, "index"),
            CodecType = Text(stream, "codec_type"),
            CodecName = Text(stream, "codec_name"),
            IsAttachedPicture = stream.TryGetProperty("disposition", out var d) && d.TryGetProperty("attached_pic", out var a)
                && a.ValueKind == JsonValueKind.Number && a.GetInt32() == 1,
            Width = Integer(stream, "width"),
            Height = Integer(stream, "height"),
            AverageFrameRate = Rate(Text(stream, "avg_frame_rate")),
            RealFrameRate = Rate(Text(stream, "r_frame_rate")),
            StartTime = Number(stream, "start_time"),
            Duration = Number(stream, "duration"),
            FrameCount = Number(stream, "nb_frames") is double n ? (long)n : null,
            HasSideData = hasSideData,
            DisplayMatrixRotation = displayRotation,
            RotateTag = stream.TryGetProperty("tags", out var tags) ? Number(tags, "rotate") : null,
        };
    }

    private static Dictionary<int, List<PacketTimes>> VideoPackets(JsonElement root, List<StreamFacts> streams)
    {
        var packets = streams.Where(s => s.CodecType == "video").ToDictionary(s => s.Index, _ => new List<PacketTimes>());
        if (root.TryGetProperty("packets", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var packet in list.EnumerateArray())
            {
                if (packets.TryGetValue(Integer(packet, "stream_index"), out var forStream))
                {
                    forStream.Add(new PacketTimes(
                        Number(packet, "pts_time"),
                        Number(packet, "dts_time"),
                        Number(packet, "duration_time"),
                        (Text(packet, "flags") ?? string.Empty).Contains('K')));
                }
            }
        }

        return packets;
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

    private static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.ToString()
            : null;

    private static double? Number(JsonElement element, string name) => Parse(Text(element, name));

    private static double? Parse(string? text)
        => text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;

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
