namespace VidSearch.Index.Search;

/// <summary>A best-matching time range of a video (seconds) and its score (the best segment inside it).</summary>
public sealed record Moment(double Start, double End, float Score);

/// <summary>
/// Cuts moments from one video's segment scores: segments scoring above a threshold relative to the video's
/// best are kept, adjacent or overlapping kept segments are merged, the runs are ranked by their best score.
/// </summary>
public static class MomentFinder
{
    /// <param name="starts">Segment starts; with ends and scores, one entry per segment, any order.</param>
    public static IReadOnlyList<Moment> Find(ReadOnlySpan<double> starts, ReadOnlySpan<double> ends, ReadOnlySpan<float> scores, MomentOptions options)
    {
        int n = scores.Length;
        if (starts.Length != n || ends.Length != n)
        {
            throw new ArgumentException("starts, ends and scores differ in length");
        }

        if (n == 0)
        {
            return [];
        }

        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        var startArray = starts.ToArray();
        var endArray = ends.ToArray();
        Array.Sort(order, (a, b) => startArray[a] != startArray[b] ? startArray[a].CompareTo(startArray[b]) : endArray[a].CompareTo(endArray[b]));

        float best = float.NegativeInfinity;
        float worst = float.PositiveInfinity;
        foreach (float s in scores)
        {
            best = Math.Max(best, s);
            worst = Math.Min(worst, s);
        }

        double threshold = worst + options.RelativeThreshold * (best - worst);
        var moments = new List<Moment>();
        Moment? current = null;
        foreach (int i in order)
        {
            if (scores[i] < threshold && scores[i] != best)
            {
                Flush();
                continue;
            }

            if (current is not null && startArray[i] - current.End <= options.MaxGapSeconds)
            {
                current = current with { End = Math.Max(current.End, endArray[i]), Score = Math.Max(current.Score, scores[i]) };
            }
            else
            {
                Flush();
                current = new Moment(startArray[i], endArray[i], scores[i]);
            }
        }

        Flush();
        return moments.OrderByDescending(m => m.Score).ThenBy(m => m.Start).Take(options.MaxMoments).ToList();

        void Flush()
        {
            if (current is not null)
            {
                moments.Add(current);
                current = null;
            }
        }
    }
}
