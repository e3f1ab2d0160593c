namespace VidSearch.Media.Probing;

/// <summary>
/// One packet of a stream as the demuxer returns it, in seconds of container time (null where the packet has no
/// value), rounded to the microsecond as ffprobe prints it.
/// </summary>
public readonly record struct PacketTimes(double? Pts, double? Dts, double? Duration, bool IsKey);

/// <summary>
/// What a prober read of one stream, in ffprobe's terms: the figures ffprobe prints, times rounded to the
/// microsecond, absent values as null. Both probe engines produce these, so that one piece of code turns them
/// into a <see cref="VideoInfo"/>.
/// </summary>
internal sealed record StreamFacts
{
    public int Index { get; init; }

    /// <summary>video, audio, data, subtitle, attachment; null when unknown.</summary>
    public string? CodecType { get; init; }

    /// <summary>The codec's ffmpeg name; null when libavcodec does not know it.</summary>
    public string? CodecName { get; init; }

    public bool IsAttachedPicture { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    /// <summary>avg_frame_rate as a number (0 when unknown).</summary>
    public double AverageFrameRate { get; init; }

    /// <summary>r_frame_rate as a number (0 when unknown).</summary>
    public double RealFrameRate { get; init; }

    public double? StartTime { get; init; }

    public double? Duration { get; init; }

    /// <summary>nb_frames; null when the container does not say.</summary>
    public long? FrameCount { get; init; }

    /// <summary>Whether the stream carries side data of any kind (then its rotation comes only from there).</summary>
    public bool HasSideData { get; init; }

    /// <summary>The display matrix's counter-clockwise rotation in whole degrees, when the stream has one.</summary>
    public double? DisplayMatrixRotation { get; init; }

    /// <summary>The legacy "rotate" metadata tag, when present and numeric.</summary>
    public double? RotateTag { get; init; }
}

/// <summary>What a prober read of a file: the container and its streams, and the packets of its video streams when asked.</summary>
internal sealed record ContainerFacts(string FormatName, double? StartTime, double? Duration, IReadOnlyList<StreamFacts> Streams)
{
    /// <summary>Packets of each video stream in the order read (keyed by stream index); null when not read.</summary>
    public IReadOnlyDictionary<int, List<PacketTimes>>? VideoPackets { get; init; }
}
