using VidSearch.Core;

namespace VidSearch.Eval.Metrics;

/// <summary>How a video query is scored against a multi-caption gallery (v2t).</summary>
public enum VideoToTextVariant
{
    /// <summary>Candidates are all captions; the video is correct at rank r if any of its captions is at rank r.</summary>
    AnyCaption,
    /// <summary>Candidates are the other videos' caption groups, each scored by the maximum over its captions.</summary>
    GroupMax,
}

/// <summary>t2v and v2t figures of one similarity matrix.</summary>
public sealed record RetrievalResult(RetrievalMetrics TextToVideo, RetrievalMetrics VideoToText, string VideoToTextVariant, string TiePolicy);

/// <summary>
/// Retrieval metrics from a caption x video similarity matrix (rows = captions, columns = videos) and the video
/// index of each caption. t2v: every caption is a query against all videos (several captions per video allowed).
/// v2t: every video with at least one caption is a query; see <see cref="VideoToTextVariant"/>. For one caption
/// per video (MSR-VTT 1k-A) both variants equal the usual transposed evaluation.
/// </summary>
public static class RetrievalEvaluator
{
    public static RetrievalResult Evaluate(float[,] textToVideo, IReadOnlyList<int> captionVideo, VideoToTextVariant variant = VideoToTextVariant.AnyCaption)
    {
        int captions = textToVideo.GetLength(0), videos = textToVideo.GetLength(1);
        if (captionVideo.Count != captions)
        {
            throw VidSearchException.Argument("captions", $"{captionVideo.Count} caption-video links for {captions} matrix rows");
        }

        var t2v = RetrievalMetrics.FromRanks(RankCalculator.Ranks(textToVideo, captionVideo), videos);
        return new RetrievalResult(t2v, VideoToText(textToVideo, captionVideo, variant), Describe(variant), RankCalculator.TiePolicy);
    }

    public static RetrievalMetrics VideoToText(float[,] textToVideo, IReadOnlyList<int> captionVideo, VideoToTextVariant variant)
    {
        int captions = textToVideo.GetLength(0), videos = textToVideo.GetLength(1);
        var groups = new List<int>[videos];
        for (int c = 0; c < captions; c++)
        {
            int v = captionVideo[c];
            if ((uint)v >= (uint)videos)
            {
                throw VidSearchException.Argument("captions", $"caption {c} points to video {v} outside the {videos} columns");
            }

            (groups[v] ??= []).Add(c);
        }

        var queries = Enumerable.Range(0, videos).Where(v => groups[v] is not null).ToArray();
        if (variant == VideoToTextVariant.AnyCaption)
        {
            // Computed column by column rather than on a transposed copy: the full MSR-VTT matrix is 59,800 x 2,990.
            var ranks = new int[queries.Length];
            for (int q = 0; q < queries.Length; q++)
            {
                int v = queries[q];
                float best = float.NegativeInfinity;
                foreach (int c in groups[v])
                {
                    best = Math.Max(best, textToVideo[c, v]);
                }

                int rank = 0;
                for (int c = 0; c < captions; c++)
                {
                    if (captionVideo[c] != v && textToVideo[c, v] >= best)
                    {
                        rank++;
                    }
                }

                ranks[q] = rank;
            }

            return RetrievalMetrics.FromRanks(ranks, captions);
        }

        var grouped = new float[queries.Length, queries.Length];
        for (int q = 0; q < queries.Length; q++)
        {
            for (int g = 0; g < queries.Length; g++)
            {
                float best = float.NegativeInfinity;
                foreach (int c in groups[queries[g]])
                {
                    best = Math.Max(best, textToVideo[c, queries[q]]);
                }

                grouped[q, g] = best;
            }
        }

        return RetrievalMetrics.FromRanks(RankCalculator.Ranks(grouped, Enumerable.Range(0, queries.Length).ToArray()), queries.Length);
    }

    public static string Describe(VideoToTextVariant variant) => variant switch
    {
        VideoToTextVariant.AnyCaption => "v2t any-caption: a video query is correct at rank r if any of its captions is at rank r among all captions",
        _ => "v2t group-max: candidate videos scored by the maximum over their captions",
    };
}
