using VidSearch.Core;

namespace VidSearch.Eval.Tasks;

/// <summary>A ground-truth action instance.</summary>
public sealed record GroundTruthSegment(string VideoId, string Label, double Start, double End);

/// <summary>A predicted action instance with its confidence.</summary>
public sealed record Detection(string VideoId, string Label, double Start, double End, double Score);

/// <summary>mAP at each tIoU threshold and their average.</summary>
public sealed record DetectionResult(double[] Thresholds, double[] MeanAp, double AverageMap, int Classes, int GroundTruth, int Predictions)
{
    public Dictionary<string, double> ByThreshold => Thresholds.Select((t, i) => (t, i)).ToDictionary(p => p.t.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), p => MeanAp[p.i]);
}

/// <summary>
/// Temporal detection mAP as the ActivityNet evaluation computes it: per class, predictions sorted by descending
/// score (stable for equal scores); each is matched to the not-yet-matched ground truth of the same video with the
/// highest tIoU, a true positive when that tIoU &gt;= the threshold; a ground truth matches at most once; AP is the
/// interpolated area under the precision-recall curve (precision made monotone from the right, summed over the
/// recall steps). mAP = mean AP over the classes present in the ground truth (a class without predictions has AP 0).
/// </summary>
public static class DetectionMap
{
    public static readonly double[] ThumosThresholds = [0.3, 0.4, 0.5, 0.6, 0.7];
    public static readonly double[] ActivityNetThresholds = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

    public static double TemporalIoU(double aStart, double aEnd, double bStart, double bEnd)
    {
        double intersection = Math.Max(0, Math.Min(aEnd, bEnd) - Math.Max(aStart, bStart));
        double union = (aEnd - aStart) + (bEnd - bStart) - intersection;
        return union > 0 ? intersection / union : 0;
    }

    public static DetectionResult Evaluate(IReadOnlyList<GroundTruthSegment> groundTruth, IReadOnlyList<Detection> predictions, IReadOnlyList<double> thresholds)
    {
        if (thresholds.Count == 0 || thresholds.Any(t => !(t > 0 && t <= 1)))
        {
            throw VidSearchException.Argument("tIoU thresholds", "need one or more thresholds in (0, 1]");
        }

        var classes = groundTruth.Select(g => g.Label).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
        {
            throw VidSearchException.Argument("ground truth", "no ground-truth segments to evaluate against");
        }

        var mean = new double[thresholds.Count];
        foreach (string label in classes)
        {
            var ap = AveragePrecision(
                groundTruth.Where(g => g.Label == label).ToList(),
                predictions.Where(p => p.Label == label).ToList(),
                thresholds);
            for (int t = 0; t < thresholds.Count; t++)
            {
                mean[t] += ap[t] / classes.Count;
            }
        }

        return new DetectionResult(thresholds.ToArray(), mean, mean.Average(), classes.Count, groundTruth.Count, predictions.Count);
    }

    /// <summary>AP of one class at each threshold.</summary>
    public static double[] AveragePrecision(IReadOnlyList<GroundTruthSegment> groundTruth, IReadOnlyList<Detection> predictions, IReadOnlyList<double> thresholds)
    {
        var ap = new double[thresholds.Count];
        if (groundTruth.Count == 0 || predictions.Count == 0)
        {
            return ap;
        }

        var byVideo = groundTruth.Select((g, i) => (g, i)).GroupBy(p => p.g.VideoId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var sorted = predictions.Select((p, i) => (p, i)).OrderByDescending(x => x.p.Score).ThenBy(x => x.i).Select(x => x.p).ToList();
        for (int t = 0; t < thresholds.Count; t++)
        {
            var matched = new bool[groundTruth.Count];
            var tp = new double[sorted.Count];
            for (int k = 0; k < sorted.Count; k++)
            {
                var p = sorted[k];
                if (!byVideo.TryGetValue(p.VideoId, out var candidates))
                {
                    continue;
                }

                foreach (var (g, index) in candidates.OrderByDescending(c => TemporalIoU(p.Start, p.End, c.g.Start, c.g.End)).ThenBy(c => c.i))
                {
                    if (TemporalIoU(p.Start, p.End, g.Start, g.End) < thresholds[t])
                    {
                        break;
                    }

                    if (matched[index])
                    {
                        continue;
                    }

                    matched[index] = true;
                    tp[k] = 1;
                    break;
                }
            }

            var precision = new double[sorted.Count];
            var recall = new double[sorted.Count];
            double tpSum = 0;
            for (int k = 0; k < sorted.Count; k++)
            {
                tpSum += tp[k];
                precision[k] = tpSum / (k + 1);
                recall[k] = tpSum / groundTruth.Count;
            }

            ap[t] = InterpolatedAp(precision, recall);
        }

        return ap;
    }

    /// <summary>Area under the precision-recall curve with precision made non-increasing from the right.</summary>
    public static double InterpolatedAp(IReadOnlyList<double> precision, IReadOnlyList<double> recall)
    {
        int n = precision.Count;
        var mprec = new double[n + 2];
        var mrec = new double[n + 2];
        mrec[n + 1] = 1;
        for (int i = 0; i < n; i++)
        {
            mprec[i + 1] = precision[i];
            mrec[i + 1] = recall[i];
        }

        for (int i = n; i >= 0; i--)
        {
            mprec[i] = Math.Max(mprec[i], mprec[i + 1]);
        }

        double ap = 0;
        for (int i = 1; i < n + 2; i++)
        {
            if (mrec[i] != mrec[i - 1])
            {
                ap += (mrec[i] - mrec[i - 1]) * mprec[i];
            }
        }

        return ap;
    }
}
