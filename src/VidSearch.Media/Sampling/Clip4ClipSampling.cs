using VidSearch.Core;
using VidSearch.Media.Probing;

namespace VidSearch.Media.Sampling;

/// <summary>
/// The sampling of CLIP4Clip (PROTOCOL.md, "Frames"): one frame per second from 0 s; when more than
/// <see cref="MaxFrames"/> remain, keep indices linspace(0, n-1, MaxFrames) rounded down; otherwise keep all and
/// pad to MaxFrames with a false mask.
/// </summary>
public sealed class Clip4ClipSampling : ISamplingStrategy
{
    public Clip4ClipSampling(int maxFrames = 12, double fps = 1)
    {
        SamplingStrategies.CheckCount("max frames", maxFrames);
        SamplingStrategies.CheckRate(fps);
        MaxFrames = maxFrames;
        Fps = fps;
    }

    public int MaxFrames { get; }

    public double Fps { get; }

    public string Name => Fps == 1 ? $"clip4clip:{MaxFrames}" : FormattableString.Invariant($"clip4clip:{MaxFrames}:{Fps}");

    public SamplingPlan Plan(VideoInfo video)
    {
        int n = FixedRateSampling.CountAt(video.Duration, Fps);
        var all = new double[n];
        for (int i = 0; i < n; i++)
        {
            all[i] = i / Fps;
        }

        var timestamps = new double[MaxFrames];
        var mask = new bool[MaxFrames];
        if (n > MaxFrames)
        {
            var indices = LinspaceFloor(n - 1, MaxFrames);
            for (int i = 0; i < MaxFrames; i++)
            {
                timestamps[i] = all[indices[i]];
                mask[i] = true;
            }
        }
        else
        {
            for (int i = 0; i < MaxFrames; i++)
            {
                timestamps[i] = all[Math.Min(i, n - 1)];
                mask[i] = i < n;
            }
        }

        return new SamplingPlan(timestamps, mask);
    }

    /// <summary>numpy.linspace(0, stop, count, dtype=int): arange(count) * (stop / (count-1)), last set to stop, truncated.</summary>
    public static int[] LinspaceFloor(int stop, int count)
    {
        var result = new int[count];
        if (count == 1)
        {
            return result;
        }

        double step = (double)stop / (count - 1);
        for (int i = 0; i < count; i++)
        {
            result[i] = (int)(i * step);
        }

        result[^1] = stop;
        return result;
    }
}
