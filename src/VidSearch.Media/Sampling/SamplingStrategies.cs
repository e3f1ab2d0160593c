using System.Globalization;
using VidSearch.Core;

namespace VidSearch.Media.Sampling;

/// <summary>
/// Builds strategies from CLI specs: "clip4clip[:N[:fps]]", "uniform:N", "fps:R", "windows:L:S[:K]",
/// "shots[:K[:threshold]]".
/// </summary>
public static class SamplingStrategies
{
    public const int MaxFramesPerVideo = 10_000;

    public const int MaxTimestamps = 1_000_000;

    public const string Help = "clip4clip[:N[:fps]] (default clip4clip:12), uniform:N, fps:R, windows:L:S[:K] (L-second windows every S seconds, K frames each), shots[:K[:threshold]]";

    public static ISamplingStrategy Parse(string spec)
    {
        if (string.IsNullOrWhiteSpace(spec))
        {
            throw VidSearchException.Argument("--strategy", "empty; expected " + Help);
        }

        var parts = spec.Trim().ToLowerInvariant().Split(':');
        string name = parts[0];
        var args = parts[1..];
        try
        {
            return name switch
            {
                "clip4clip" when args.Length <= 2 => new Clip4ClipSampling(
                    args.Length > 0 ? Int(args[0]) : 12,
                    args.Length > 1 ? Real(args[1]) : 1),
                "uniform" when args.Length == 1 => new UniformSampling(Int(args[0])),
                "fps" when args.Length == 1 => new FixedRateSampling(Real(args[0])),
                "windows" when args.Length is 2 or 3 => new SlidingWindowSampling(Real(args[0]), Real(args[1]), args.Length > 2 ? Int(args[2]) : 4),
                "shots" when args.Length <= 2 => new ShotSampling(
                    args.Length > 0 ? Int(args[0]) : 1,
                    args.Length > 1 ? Real(args[1]) : Shots.ShotDetector.DefaultThreshold),
                _ => throw VidSearchException.Argument("--strategy", $"'{spec}' is not a strategy; expected {Help}"),
            };
        }
        catch (VidSearchException e) when (e.Subject != "--strategy")
        {
            throw VidSearchException.Argument("--strategy", $"'{spec}': {e.Subject} {e.Cause}");
        }
    }

    internal static void CheckCount(string what, int value)
    {
        if (value < 1 || value > MaxFramesPerVideo)
        {
            throw VidSearchException.Argument(what, $"must be between 1 and {MaxFramesPerVideo}, got {value}");
        }
    }

    internal static void CheckRate(double fps)
    {
        if (!double.IsFinite(fps) || fps <= 0 || fps > 1000)
        {
            throw VidSearchException.Argument("fps", $"must be above 0 and at most 1000, got {fps.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    internal static void CheckSeconds(string what, double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0.01 || seconds > 1e6)
        {
            throw VidSearchException.Argument(what, $"must be between 0.01 and 1e6 seconds, got {seconds.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static int Int(string text)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw VidSearchException.Argument("value", $"'{text}' is not a whole number");

    private static double Real(string text)
        => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw VidSearchException.Argument("value", $"'{text}' is not a number");
}
