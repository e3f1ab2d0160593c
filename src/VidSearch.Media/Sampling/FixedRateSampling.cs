using System.Globalization;
using VidSearch.Media.Probing;

namespace VidSearch.Media.Sampling;

/// <summary>Frames at a fixed rate from 0 s: 0, 1/fps, 2/fps, ... while inside the video.</summary>
public sealed class FixedRateSampling : ISamplingStrategy
{
    public FixedRateSampling(double fps)
    {
        SamplingStrategies.CheckRate(fps);
        Fps = fps;
    }

    public double Fps { get; }

    public string Name => "fps:" + Fps.ToString(CultureInfo.InvariantCulture);

    public SamplingPlan Plan(VideoInfo video)
    {
        int n = CountAt(video.Duration, Fps);
        var timestamps = new double[n];
        for (int i = 0; i < n; i++)
        {
            timestamps[i] = i / Fps;
        }

        return SamplingPlan.Unpadded(timestamps);
    }

    /// <summary>How many of the times 0, 1/fps, 2/fps... fall before the end of the video (at least 1).</summary>
    public static int CountAt(double duration, double fps)
    {
        double count = Math.Ceiling((duration * fps) - 1e-6);
        if (count > SamplingStrategies.MaxTimestamps)
        {
            throw Core.VidSearchException.Argument("sampling", $"{fps.ToString(CultureInfo.InvariantCulture)} fps over {duration:0} s asks for {count:0} frames, more than {SamplingStrategies.MaxTimestamps}");
        }

        return Math.Max(1, (int)count);
    }
}
