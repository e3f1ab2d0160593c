using VidSearch.Core;

namespace VidSearch.Models.Video;

/// <summary>A time range of a video (seconds) with its L2-normalised embedding.</summary>
public sealed record SegmentEmbedding(double Start, double End, float[] Embedding);

/// <summary>
/// Cuts an embedded video into the segments a search can return as moments. When the sampling made segments
/// (sliding windows, shots) they are the segments, each the normalised mean of its decoded frames. Otherwise the
/// decoded frames (or groups of <c>framesPerSegment</c> consecutive ones) are the segments; a frame stands for the
/// time from halfway after the previous sampled frame to halfway before the next one (the first from 0, the last to
/// the end), so the segments tile the video and a frame sampled at the middle of a part covers exactly that part.
/// </summary>
public static class VideoSegmenter
{
    public static IReadOnlyList<SegmentEmbedding> Segments(EmbeddedVideo video, int framesPerSegment = 1)
    {
        if (framesPerSegment < 1)
        {
            throw VidSearchException.Argument("frames per segment", $"must be at least 1, got {framesPerSegment}");
        }

        var frames = video.Frames;
        var plan = video.Plan;
        double duration = Math.Max(video.Info.Duration, 0);
        if (plan.Segments is { } planSegments && plan.FrameSegments is { } frameSegments)
        {
            var result = new List<SegmentEmbedding>();
            for (int s = 0; s < planSegments.Count; s++)
            {
                var rows = Enumerable.Range(0, frames.Frames.Rows).Where(i => frames.Mask[i] && frameSegments[i] == s).ToList();
                if (rows.Count > 0)
                {
                    result.Add(new SegmentEmbedding(planSegments[s].Start, planSegments[s].End, Mean(frames.Frames, rows)));
                }
            }

            return result;
        }

        // Decoded frames by time; frames sampled at the same time count once (short videos repeat timestamps).
        var times = new SortedDictionary<double, List<int>>();
        for (int i = 0; i < frames.Frames.Rows; i++)
        {
            if (frames.Mask[i])
            {
                if (!times.TryGetValue(frames.Timestamps[i], out var list))
                {
                    times[frames.Timestamps[i]] = list = [];
                }

                list.Add(i);
            }
        }

        var instants = times.ToList();
        double end = Math.Max(duration, instants.Count > 0 ? instants[^1].Key : 0);
        var segments = new List<SegmentEmbedding>();
        for (int first = 0; first < instants.Count; first += framesPerSegment)
        {
            int last = Math.Min(first + framesPerSegment, instants.Count) - 1;
            double start = first == 0 ? 0 : (instants[first - 1].Key + instants[first].Key) / 2;
            double stop = last == instants.Count - 1 ? end : (instants[last].Key + instants[last + 1].Key) / 2;
            var rows = instants.Skip(first).Take(last - first + 1).SelectMany(p => p.Value).ToList();
            segments.Add(new SegmentEmbedding(start, stop, Mean(frames.Frames, rows)));
        }

        return segments;
    }

    private static float[] Mean(EmbeddingMatrix matrix, List<int> rows)
    {
        var mask = new bool[matrix.Rows];
        foreach (int r in rows)
        {
            mask[r] = true;
        }

        return VectorMath.MeanNormalized(matrix, mask);
    }
}
