using VidSearch.Core;
using VidSearch.Media.Decoding;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;

namespace VidSearch.Media;

/// <summary>A video probed and planned, ready to decode its sampled frames.</summary>
public sealed class SampledVideo
{
    private readonly FrameTimeline timeline;
    private readonly FrameDecoder decoder;

    internal SampledVideo(VideoInfo info, FrameTimeline timeline, SamplingPlan plan, FrameDecoder decoder)
    {
        Info = info;
        this.timeline = timeline;
        Plan = plan;
        this.decoder = decoder;
    }

    public VideoInfo Info { get; }

    public SamplingPlan Plan { get; }

    /// <summary>
    /// Decodes the plan's valid timestamps in time order; <see cref="DecodedFrame.Index"/> is the slot in the plan.
    /// What could not be decoded goes to <paramref name="report"/>.
    /// </summary>
    public IEnumerable<DecodedFrame> Frames(DecodeReport report, IProgress<WorkProgress>? progress = null, CancellationToken ct = default)
    {
        var slots = new List<int>();
        var times = new List<double>();
        for (int i = 0; i < Plan.Count; i++)
        {
            if (Plan.Mask[i])
            {
                slots.Add(i);
                times.Add(Plan.Timestamps[i]);
            }
        }

        foreach (var frame in decoder.Decode(Info, timeline, times, report, progress, ct))
        {
            yield return frame with { Index = slots[frame.Index] };
        }
    }
}

/// <summary>Probe, plan and decode in one place: what indexing, the CLI and the benchmarks use for a video.</summary>
public sealed class FrameSampler(ISamplingStrategy strategy, FrameDecoder? decoder = null)
{
    private readonly FrameDecoder decoder = decoder ?? new FrameDecoder();

    public ISamplingStrategy Strategy { get; } = strategy;

    public SampledVideo Open(string path, CancellationToken ct = default)
    {
        var (info, timeline) = VideoProbe.ProbeWithTimeline(path, readTimeline: true, ct);
        return new SampledVideo(info, timeline!, Strategy.Plan(info), decoder);
    }
}
