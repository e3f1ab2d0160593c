using System.Globalization;
using VidSearch.Core;
using VidSearch.Media.Probing;
using VidSearch.Media.Sampling;
using VidSearch.Media.Tools;

namespace VidSearch.Media.Shots;

/// <summary>
/// Finds shot boundaries with ffmpeg's scene-change score (the difference between consecutive frames, 0..1,
/// computed on 128x72 thumbnails): a cut where the score exceeds <see cref="Threshold"/>, cuts closer than
/// <see cref="MinShotSeconds"/> merged.
/// </summary>
public sealed class ShotDetector
{
    public const double DefaultThreshold = 0.3;

    public ShotDetector(double threshold = DefaultThreshold, double minShotSeconds = 0.5)
    {
        if (!double.IsFinite(threshold) || threshold <= 0 || threshold >= 1)
        {
            throw VidSearchException.Argument("shot threshold", $"must be between 0 and 1 (exclusive), got {threshold.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!double.IsFinite(minShotSeconds) || minShotSeconds < 0)
        {
            throw VidSearchException.Argument("minimum shot length", $"must be >= 0 seconds, got {minShotSeconds.ToString(CultureInfo.InvariantCulture)}");
        }

        Threshold = threshold;
        MinShotSeconds = minShotSeconds;
    }

    public double Threshold { get; }

    public double MinShotSeconds { get; }

    public IReadOnlyList<TimeSegment> Detect(string path, CancellationToken ct = default) => Detect(VideoProbe.Probe(path, ct), ct);

    /// <summary>The shots of the video, in order, covering [0, duration) (seconds from the first frame).</summary>
    public IReadOnlyList<TimeSegment> Detect(VideoInfo video, CancellationToken ct = default)
    {
        string filter = string.Create(CultureInfo.InvariantCulture, $"scale=128:72,select='gt(scene,{Threshold:R})',showinfo");
        var (exit, _, stderr) = FfmpegProcess.Run(
            FfmpegProcess.FfmpegPath,
            ["-nostdin", "-hide_banner", "-nostats", "-v", "info", "-copyts", "-i", video.Path, "-map", "0:v:0", "-an", "-vf", filter, "-f", "null", "-"],
            ct);
        if (exit != 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, video.Path, "scene detection failed: " + FfmpegProcess.LastErrorLine(stderr, "ffmpeg failed", video.Path));
        }

        var cuts = new List<double>();
        foreach (string line in stderr.Split('\n'))
        {
            int at = line.IndexOf(" pts_time:", StringComparison.Ordinal);
            if (at < 0 || !line.Contains("showinfo", StringComparison.Ordinal))
            {
                continue;
            }

            int start = at + " pts_time:".Length;
            int end = line.IndexOf(' ', start);
            if (double.TryParse(end > start ? line[start..end] : line[start..], NumberStyles.Float, CultureInfo.InvariantCulture, out double pts))
            {
                cuts.Add(pts - video.StartTime);
            }
        }

        return Segments(cuts, video.Duration, MinShotSeconds);
    }

    /// <summary>Turns cut times into shots covering [0, duration), dropping cuts that would leave a shot shorter than the minimum.</summary>
    public static IReadOnlyList<TimeSegment> Segments(IEnumerable<double> cuts, double duration, double minShotSeconds)
    {
        var shots = new List<TimeSegment>();
        double start = 0;
        foreach (double cut in cuts.Order())
        {
            if (cut - start >= minShotSeconds && duration - cut >= minShotSeconds && cut > start)
            {
                shots.Add(new TimeSegment(start, cut));
                start = cut;
            }
        }

        shots.Add(new TimeSegment(start, Math.Max(duration, start + 1e-3)));
        return shots;
    }
}
