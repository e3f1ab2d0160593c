namespace VidSearch.Media.Sampling;

/// <summary>A time range of a video in seconds (relative to its first frame): a window or a shot.</summary>
public readonly record struct TimeSegment(double Start, double End)
{
    public double Length => End - Start;
}

/// <summary>
/// The timestamps (seconds from the first frame) at which to take frames. When a fixed count was asked and the
/// video is too short, the plan is padded: padded slots repeat the last real timestamp and have Mask = false.
/// Strategies that cut the video into segments (windows, shots) say which segment each frame belongs to.
/// </summary>
public sealed record SamplingPlan(double[] Timestamps, bool[] Mask)
{
    /// <summary>Segments of the video (sliding windows or shots), when the strategy makes them.</summary>
    public IReadOnlyList<TimeSegment>? Segments { get; init; }

    /// <summary>For each timestamp, the index of its segment in <see cref="Segments"/>.</summary>
    public int[]? FrameSegments { get; init; }

    public int Count => Timestamps.Length;

    public int ValidCount => Mask.Count(m => m);

    /// <summary>The timestamps to decode (padding left out), in plan order.</summary>
    public double[] ValidTimestamps => Timestamps.Where((_, i) => Mask[i]).ToArray();

    public static SamplingPlan Unpadded(double[] timestamps) => new(timestamps, Enumerable.Repeat(true, timestamps.Length).ToArray());
}

/// <summary>Chooses the frames of a video to look at.</summary>
public interface ISamplingStrategy
{
    /// <summary>A spec that <see cref="SamplingStrategies.Parse"/> turns back into this strategy (e.g. "clip4clip:12").</summary>
    string Name { get; }

    SamplingPlan Plan(Probing.VideoInfo video);
}
