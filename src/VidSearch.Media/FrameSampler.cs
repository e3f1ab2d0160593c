using System.Runtime.ExceptionServices;
using System.Threading.Channels;
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

    /// <summary>How videos are probed; null: as VIDSEARCH_PROBE says (see <see cref="ProbeEngines"/>).</summary>
    public ProbeEngine? ProbeEngine { get; init; }

    public SampledVideo Open(string path, CancellationToken ct = default)
    {
        var (info, timeline) = VideoProbe.ProbeWithTimeline(path, readTimeline: true, ProbeEngine ?? ProbeEngines.Requested, ct);
        return new SampledVideo(info, timeline!, Strategy.Plan(info), decoder);
    }

    /// <summary>
    /// Opens the videos of a batch in order, probing up to <paramref name="lookahead"/> videos ahead on another
    /// thread, so that the next files are probed while the caller decodes the current one. A file that cannot be
    /// opened comes as an <see cref="OpenedVideo"/> with its error, and the batch goes on.
    /// </summary>
    public IEnumerable<OpenedVideo> OpenAll(IEnumerable<string> paths, int lookahead = 2, CancellationToken ct = default)
    {
        if (lookahead < 1)
        {
            throw VidSearchException.Argument("lookahead", $"must be at least 1, got {lookahead}");
        }

        return OpenAllIterator(paths, lookahead, ct);
    }

    private IEnumerable<OpenedVideo> OpenAllIterator(IEnumerable<string> paths, int lookahead, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var opened = Channel.CreateBounded<OpenedVideo>(new BoundedChannelOptions(lookahead) { SingleReader = true, SingleWriter = true });
        var prober = Task.Run(async () =>
        {
            try
            {
                foreach (string path in paths)
                {
                    stop.Token.ThrowIfCancellationRequested();
                    OpenedVideo next;
                    try
                    {
                        next = new OpenedVideo(path, Open(path, stop.Token), null);
                    }
                    catch (VidSearchException e)
                    {
                        next = new OpenedVideo(path, null, e);
                    }

                    await opened.Writer.WriteAsync(next, stop.Token).ConfigureAwait(false);
                }

                opened.Writer.Complete();
            }
            catch (Exception e)
            {
                opened.Writer.Complete(e);
            }
        });

        try
        {
            while (true)
            {
                OpenedVideo? video;
                try
                {
                    if (!opened.Reader.WaitToReadAsync(ct).AsTask().GetAwaiter().GetResult())
                    {
                        break;
                    }
                }
                catch (ChannelClosedException e) when (e.InnerException is not null)
                {
                    ExceptionDispatchInfo.Throw(e.InnerException);
                    throw;
                }

                if (opened.Reader.TryRead(out video))
                {
                    yield return video;
                }
            }
        }
        finally
        {
            stop.Cancel();
            try
            {
                prober.Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
                // The prober ends by cancellation or with the error already rethrown above.
            }
        }
    }
}

/// <summary>One video of <see cref="FrameSampler.OpenAll"/>: opened, or the reason it could not be.</summary>
public sealed record OpenedVideo(string Path, SampledVideo? Video, VidSearchException? Error);
