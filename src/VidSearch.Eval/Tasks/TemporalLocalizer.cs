using System.Numerics.Tensors;
using VidSearch.Core;

namespace VidSearch.Eval.Tasks;

/// <summary>A class-agnostic proposal: a time range (seconds) and its actionness score.</summary>
public sealed record Proposal(double Start, double End, double Score);

/// <summary>Settings of <see cref="TemporalLocalizer"/>.</summary>
public sealed record LocalizationOptions
{
    /// <summary>Actionness levels (after min-max scaling per video) at which consecutive frames are grouped.</summary>
    public IReadOnlyList<double> Thresholds { get; init; } = [0.3, 0.5, 0.7];

    /// <summary>Sliding-window lengths in frames (added to the grouped proposals; empty for none).</summary>
    public IReadOnlyList<int> WindowFrames { get; init; } = [4, 8, 16];

    /// <summary>Window stride as a fraction of the window length.</summary>
    public double WindowStride { get; init; } = 0.5;

    /// <summary>Proposals overlapping a better one by at least this tIoU are dropped.</summary>
    public double NmsThreshold { get; init; } = 0.5;

    /// <summary>At most this many proposals per video after NMS.</summary>
    public int MaxProposals { get; init; } = 20;

    /// <summary>Each proposal is emitted with its best this-many classes (ActivityNet practice: 1-2).</summary>
    public int ClassesPerProposal { get; init; } = 1;

    public void Validate()
    {
        if (Thresholds.Any(t => !(t >= 0 && t < 1)) || WindowFrames.Any(w => w <= 0) || Thresholds.Count + WindowFrames.Count == 0)
        {
            throw VidSearchException.Argument("localization", "thresholds must lie in [0, 1), windows be positive, and at least one of them be given");
        }

        if (!(WindowStride > 0 && WindowStride <= 1) || !(NmsThreshold > 0 && NmsThreshold <= 1) || MaxProposals <= 0 || ClassesPerProposal <= 0)
        {
            throw VidSearchException.Argument("localization", "stride and NMS threshold must lie in (0, 1], max proposals and classes per proposal be positive");
        }
    }
}

/// <summary>
/// Temporal action localization from frame embeddings, without training:
/// 1. actionness of a frame = its highest cosine similarity to any class embedding, min-max scaled within the video;
/// 2. class-agnostic proposals = runs of consecutive frames above each threshold (a run also ends where the frames'
///    nearest class changes, so that back-to-back actions are not merged), plus sliding windows; a proposal's score is
///    the mean actionness of its frames times its purity (the share of its frames whose nearest class is the most
///    common one inside it); frame i covers [t_i, t_(i+1)), the last frame one median step;
/// 3. non-maximum suppression at <see cref="LocalizationOptions.NmsThreshold"/> tIoU;
/// 4. each proposal's frames are mean-pooled (normalised) and classified against the class embeddings with a softmax
///    at the model's logit scale; detection score = proposal score x class probability.
/// </summary>
public sealed class TemporalLocalizer(LocalizationOptions? options = null)
{
    private readonly LocalizationOptions options = Validated(options ?? new LocalizationOptions());

    public IReadOnlyList<Detection> Localize(string videoId, FrameEmbeddings video, EmbeddingMatrix classEmbeddings, IReadOnlyList<string> classNames, float logitScale)
    {
        if (classNames.Count != classEmbeddings.Rows)
        {
            throw VidSearchException.Argument("classes", $"{classNames.Count} names for {classEmbeddings.Rows} embeddings");
        }

        var frames = ValidFrames(video);
        if (frames.Count == 0)
        {
            return [];
        }

        var normalized = frames.Select(i => VectorMath.Normalized(video.Frames.RowReadOnly(i))).ToList();
        var times = frames.Select(i => video.Timestamps[i]).ToArray();
        var nearest = new int[normalized.Count];
        var actionness = new double[normalized.Count];
        for (int i = 0; i < normalized.Count; i++)
        {
            actionness[i] = double.NegativeInfinity;
            for (int c = 0; c < classEmbeddings.Rows; c++)
            {
                double cos = VectorMath.Cosine(normalized[i], classEmbeddings.RowReadOnly(c));
                if (cos > actionness[i])
                {
                    (actionness[i], nearest[i]) = (cos, c);
                }
            }
        }

        var proposals = Propose(times, Scale(actionness), nearest);
        var detections = new List<Detection>();
        foreach (var p in proposals)
        {
            var pooled = new float[classEmbeddings.Dim];
            for (int i = 0; i < times.Length; i++)
            {
                if (times[i] >= p.Start && times[i] < p.End)
                {
                    TensorPrimitives.Add(pooled, normalized[i], pooled);
                }
            }

            VectorMath.NormalizeInPlace(pooled);
            var logits = new double[classEmbeddings.Rows];
            for (int c = 0; c < logits.Length; c++)
            {
                logits[c] = logitScale * VectorMath.Cosine(pooled, classEmbeddings.RowReadOnly(c));
            }

            double max = logits.Max();
            double sum = logits.Sum(l => Math.Exp(l - max));
            foreach (int c in Enumerable.Range(0, logits.Length).OrderByDescending(c => logits[c]).ThenBy(c => c).Take(options.ClassesPerProposal))
            {
                detections.Add(new Detection(videoId, classNames[c], p.Start, p.End, p.Score * Math.Exp(logits[c] - max) / sum));
            }
        }

        return detections;
    }

    /// <summary>
    /// Proposals (after NMS) from per-frame actionness in [0, 1] at the given frame times and, optionally, each
    /// frame's nearest class (runs break where it changes; proposal scores are weighted by purity).
    /// </summary>
    public IReadOnlyList<Proposal> Propose(IReadOnlyList<double> times, IReadOnlyList<double> actionness, IReadOnlyList<int>? nearestClass = null)
    {
        int n = times.Count;
        if (n == 0)
        {
            return [];
        }

        double step = n > 1 ? Median(Enumerable.Range(1, n - 1).Select(i => times[i] - times[i - 1]).ToList()) : 1.0;
        double End(int lastFrame) => lastFrame + 1 < n ? times[lastFrame + 1] : times[lastFrame] + step;
        double Mean(int first, int last)
        {
            var range = Enumerable.Range(first, last - first + 1);
            double purity = nearestClass is null ? 1 : range.GroupBy(i => nearestClass[i]).Max(g => g.Count()) / (double)(last - first + 1);
            return range.Average(i => actionness[i]) * purity;
        }

        bool SameClass(int i) => nearestClass is null || i == 0 || nearestClass[i] == nearestClass[i - 1];

        var candidates = new List<Proposal>();
        foreach (double threshold in options.Thresholds)
        {
            int start = -1;
            for (int i = 0; i <= n; i++)
            {
                bool above = i < n && actionness[i] > threshold;
                if (start >= 0 && (!above || !SameClass(i)))
                {
                    candidates.Add(new Proposal(times[start], End(i - 1), Mean(start, i - 1)));
                    start = -1;
                }

                if (above && start < 0)
                {
                    start = i;
                }
            }
        }

        foreach (int window in options.WindowFrames.Where(w => w <= n))
        {
            int stride = Math.Max(1, (int)Math.Round(window * options.WindowStride));
            for (int first = 0; first + window <= n; first += stride)
            {
                candidates.Add(new Proposal(times[first], End(first + window - 1), Mean(first, first + window - 1)));
            }
        }

        return Suppress(candidates, options.NmsThreshold, options.MaxProposals);
    }

    /// <summary>Greedy non-maximum suppression: keep the best, drop those overlapping it by tIoU &gt;= threshold.</summary>
    public static IReadOnlyList<Proposal> Suppress(IReadOnlyList<Proposal> proposals, double threshold, int max)
    {
        var kept = new List<Proposal>();
        foreach (var p in proposals.Select((p, i) => (p, i)).OrderByDescending(x => x.p.Score).ThenBy(x => x.i).Select(x => x.p))
        {
            if (kept.Count >= max)
            {
                break;
            }

            if (kept.All(k => DetectionMap.TemporalIoU(k.Start, k.End, p.Start, p.End) < threshold))
            {
                kept.Add(p);
            }
        }

        return kept;
    }

    private static double[] Scale(double[] values)
    {
        double min = values.Min(), max = values.Max();
        return max > min ? values.Select(v => (v - min) / (max - min)).ToArray() : values.Select(_ => 1.0).ToArray();
    }

    private static List<int> ValidFrames(FrameEmbeddings video)
        => Enumerable.Range(0, video.Frames.Rows).Where(i => video.Mask.Length <= i || video.Mask[i]).OrderBy(i => video.Timestamps[i]).ToList();

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    private static LocalizationOptions Validated(LocalizationOptions o)
    {
        o.Validate();
        return o;
    }
}
