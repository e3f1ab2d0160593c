using System.Globalization;
using VidSearch.Media.Probing;
using VidSearch.Media.Shots;

namespace VidSearch.Media.Sampling;

/// <summary>
/// Shot-aware sampling: cuts the video at scene changes (<see cref="ShotDetector"/>) and takes
/// <see cref="FramesPerShot"/> frames at the middles of equal parts of each shot. The shots are the plan's segments.
/// </summary>
public sealed class ShotSampling : ISamplingStrategy
{
    private readonly ShotDetector detector;

    public ShotSampling(int framesPerShot = 1, double threshold = ShotDetector.DefaultThreshold)
    {
        SamplingStrategies.CheckCount("frames per shot", framesPerShot);
        FramesPerShot = framesPerShot;
        detector = new ShotDetector(threshold);
    }

    public int FramesPerShot { get; }

    public double Threshold => detector.Threshold;

    public string Name => string.Create(CultureInfo.InvariantCulture, $"shots:{FramesPerShot}:{Threshold}");

    public SamplingPlan Plan(VideoInfo video) => Plan(video, detector.Detect(video));

    /// <summary>The plan for shots already detected.</summary>
    public SamplingPlan Plan(VideoInfo video, IReadOnlyList<TimeSegment> shots)
    {
        var timestamps = new List<double>();
        var segments = new List<int>();
        for (int s = 0; s < shots.Count; s++)
        {
            foreach (double t in UniformSampling.Centers(shots[s].Start, shots[s].End, FramesPerShot))
            {
                timestamps.Add(t);
                segments.Add(s);
            }
        }

        return SamplingPlan.Unpadded(timestamps.ToArray()) with { Segments = shots, FrameSegments = segments.ToArray() };
    }
}
