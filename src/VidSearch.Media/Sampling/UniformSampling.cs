using VidSearch.Media.Probing;

namespace VidSearch.Media.Sampling;

/// <summary>
/// N frames spread evenly over the whole video: the middle of N equal segments (TSN/X-CLIP style). Very short
/// videos give repeated frames; every slot is valid.
/// </summary>
public sealed class UniformSampling : ISamplingStrategy
{
    public UniformSampling(int count)
    {
        SamplingStrategies.CheckCount("frame count", count);
        Count = count;
    }

    public int Count { get; }

    public string Name => $"uniform:{Count}";

    public SamplingPlan Plan(VideoInfo video) => SamplingPlan.Unpadded(Centers(0, video.Duration, Count));

    /// <summary>The middles of <paramref name="count"/> equal parts of [start, end).</summary>
    public static double[] Centers(double start, double end, int count)
    {
        var result = new double[count];
        double step = (end - start) / count;
        for (int i = 0; i < count; i++)
        {
            result[i] = start + ((i + 0.5) * step);
        }

        return result;
    }
}
