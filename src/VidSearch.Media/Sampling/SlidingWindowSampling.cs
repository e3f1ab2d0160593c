using System.Globalization;
using VidSearch.Media.Probing;

namespace VidSearch.Media.Sampling;

/// <summary>
/// For long videos: windows of <see cref="WindowSeconds"/> starting every <see cref="StrideSeconds"/> (the last one
/// clipped to the end), each sampled with <see cref="FramesPerWindow"/> frames at the middles of equal parts.
/// The windows are the plan's segments: the moments an index can return.
/// </summary>
public sealed class SlidingWindowSampling : ISamplingStrategy
{
    public SlidingWindowSampling(double windowSeconds, double strideSeconds, int framesPerWindow = 4)
    {
        SamplingStrategies.CheckSeconds("window length", windowSeconds);
        SamplingStrategies.CheckSeconds("window stride", strideSeconds);
        SamplingStrategies.CheckCount("frames per window", framesPerWindow);
        WindowSeconds = windowSeconds;
        StrideSeconds = strideSeconds;
        FramesPerWindow = framesPerWindow;
    }

    public double WindowSeconds { get; }

    public double StrideSeconds { get; }

    public int FramesPerWindow { get; }

    public string Name => string.Create(CultureInfo.InvariantCulture, $"windows:{WindowSeconds}:{StrideSeconds}:{FramesPerWindow}");

    /// <summary>The windows covering the video: [k*stride, min(k*stride + length, duration)) until the end is covered.</summary>
    public IReadOnlyList<TimeSegment> Windows(VideoInfo video)
    {
        var windows = new List<TimeSegment>();
        double duration = Math.Max(video.Duration, 1e-3);
        for (int k = 0; ; k++)
        {
            double start = k * StrideSeconds;
            double end = Math.Min(start + WindowSeconds, duration);
            windows.Add(new TimeSegment(start, end));
            if (start + WindowSeconds >= duration - 1e-9 || windows.Count * FramesPerWindow >= SamplingStrategies.MaxTimestamps)
            {
                break;
            }
        }

        return windows;
    }

    public SamplingPlan Plan(VideoInfo video)
    {
        var windows = Windows(video);
        var timestamps = new List<double>(windows.Count * FramesPerWindow);
        var segments = new List<int>(windows.Count * FramesPerWindow);
        for (int w = 0; w < windows.Count; w++)
        {
            foreach (double t in UniformSampling.Centers(windows[w].Start, windows[w].End, FramesPerWindow))
            {
                timestamps.Add(t);
                segments.Add(w);
            }
        }

        return SamplingPlan.Unpadded(timestamps.ToArray()) with { Segments = windows, FrameSegments = segments.ToArray() };
    }
}
