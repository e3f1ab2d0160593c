using VidSearch.Core;

namespace VidSearch.Synthetic;

/// <summary>Which caption templates the motion (video-text pretraining) task draws from.</summary>
public enum MotionTemplates
{
    /// <summary>Train and test-only templates alike (web text knows every paraphrase).</summary>
    All,
    /// <summary>Train templates only (test-only words then never occur in any pretraining text).</summary>
    Train,
}

/// <summary>Every parameter of the synthetic world and of a generated dataset (defaults from SYNTHETIC.md).</summary>
public sealed record WorldOptions
{
    /// <summary>Seed of every random choice: same seed and options give the same dataset.</summary>
    public long Seed { get; init; }

    /// <summary>Canvas side in pixels (square frames).</summary>
    public int CanvasSize { get; init; } = 128;

    public int Fps { get; init; } = 8;

    public double ClipMinSeconds { get; init; } = 2;

    public double ClipMaxSeconds { get; init; } = 6;

    public double LocalizationMinSeconds { get; init; } = 12;

    public double LocalizationMaxSeconds { get; init; } = 30;

    public int LocalizationMinEvents { get; init; } = 2;

    public int LocalizationMaxEvents { get; init; } = 4;

    public int MinObjects { get; init; } = 1;

    public int MaxObjects { get; init; } = 3;

    /// <summary>Side of a small object as a fraction of the canvas side; large objects are twice as big.</summary>
    public double SmallSizeFraction { get; init; } = 0.12;

    /// <summary>Smallest displacement of a move, as a fraction of the canvas side.</summary>
    public double MinMoveFraction { get; init; } = 0.3;

    public double MaxMoveFraction { get; init; } = 0.5;

    /// <summary>Largest per-frame position jitter in pixels.</summary>
    public double JitterPixels { get; init; } = 1.5;

    /// <summary>Shortest event of a retrieval clip, in seconds.</summary>
    public double MinEventSeconds { get; init; } = 0.75;

    /// <summary>Share of retrieval clips holding two events ("A, then B").</summary>
    public double TwoEventShare { get; init; } = 0.5;

    /// <summary>Share of two-event clips whose events happen to the same object.</summary>
    public double SameObjectShare { get; init; } = 0.5;

    public int CaptionsPerClip { get; init; } = 5;

    public int CaptionsPerImage { get; init; } = 3;

    public double ValFraction { get; init; } = 0.1;

    public double TestFraction { get; init; } = 0.2;

    /// <summary>Clips per task (the reversal task makes Clips/2 pairs).</summary>
    public int Clips { get; init; } = 100;

    /// <summary>Static image-caption pairs (PNG) of the static task.</summary>
    public int StaticPairs { get; init; } = 1000;

    /// <summary>
    /// Share of static captions that name where each object is ("a red circle on the left"); 0 = never, as the spec's
    /// static captions. An extension for pretraining encoders that must see positions (moves, in the video heads).
    /// </summary>
    public double StillPlaces { get; init; }

    /// <summary>
    /// Share of stills that come with a mirror twin (left-right or top-bottom, drawn at random): both are captioned
    /// with their places and share a training batch (same <c>unit</c>), so captions that differ only in place words are
    /// hard negatives of each other. An extension for pretraining encoders that must see positions; 0 = none.
    /// </summary>
    public double StillMirrors { get; init; }

    /// <summary>Film strips of the motion task (clips and their reversed twins: MotionClips/2 pairs).</summary>
    public int MotionClips { get; init; } = 1000;

    /// <summary>Frames per film strip of the motion task, sampled at the midpoints of equal segments of the clip.</summary>
    public int StripFrames { get; init; } = 4;

    /// <summary>Which paraphrase templates motion captions use: all (train and test-only, as web text would) or train only.</summary>
    public MotionTemplates MotionTemplates { get; init; } = MotionTemplates.All;

    /// <summary>Clips rendered and encoded at the same time (one ffmpeg process each).</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Clips encoded by one ffmpeg process (cut into files by its segment muxer); 1 = one process per clip.</summary>
    public int ClipsPerEncoder { get; init; } = 32;

    /// <summary>Checks every value, throwing a <see cref="VidSearchException"/> that names the bad one.</summary>
    public WorldOptions Validate()
    {
        Require(Clips >= 0, "--clips", $"{Clips} is negative");
        Require(Clips <= 10_000_000, "--clips", $"{Clips} is absurdly large");
        Require(StaticPairs >= 0, "--static-pairs", $"{StaticPairs} is negative");
        Require(StaticPairs <= 100_000_000, "--static-pairs", $"{StaticPairs} is absurdly large");
        Require(StillPlaces is >= 0 and <= 1, "--still-places", $"{StillPlaces} is outside [0, 1]");
        Require(StillMirrors is >= 0 and <= 1, "--still-mirrors", $"{StillMirrors} is outside [0, 1]");
        Require(MotionClips >= 0, "--motion-clips", $"{MotionClips} is negative");
        Require(MotionClips <= 10_000_000, "--motion-clips", $"{MotionClips} is absurdly large");
        Require(StripFrames is >= 2 and <= 32, "--strip-frames", $"{StripFrames} is outside [2, 32]");
        Require(Enum.IsDefined(MotionTemplates), "--motion-templates", $"{MotionTemplates} is not a template choice");
        Require(CanvasSize is >= 32 and <= 2048 && CanvasSize % 2 == 0, "--size", $"{CanvasSize} is not an even side in [32, 2048]");
        Require(Fps is >= 1 and <= 120, "--fps", $"{Fps} is outside [1, 120]");
        Require(ClipMinSeconds > 0 && ClipMinSeconds <= ClipMaxSeconds && ClipMaxSeconds <= 600, "--min-seconds/--max-seconds",
            $"clip duration range [{ClipMinSeconds}, {ClipMaxSeconds}] s is empty or outside (0, 600]");
        Require(LocalizationMinSeconds > 0 && LocalizationMinSeconds <= LocalizationMaxSeconds && LocalizationMaxSeconds <= 3600, "localization duration",
            $"range [{LocalizationMinSeconds}, {LocalizationMaxSeconds}] s is empty or outside (0, 3600]");
        Require(LocalizationMinEvents >= 1 && LocalizationMinEvents <= LocalizationMaxEvents && LocalizationMaxEvents <= 20, "localization events",
            $"range [{LocalizationMinEvents}, {LocalizationMaxEvents}] is empty or outside [1, 20]");
        Require(MinObjects >= 1 && MinObjects <= MaxObjects && MaxObjects <= 5, "objects", $"range [{MinObjects}, {MaxObjects}] is empty or outside [1, 5]");
        Require(SmallSizeFraction is > 0.02 and <= 0.2, "small size", $"{SmallSizeFraction} of the canvas is outside (0.02, 0.2]");
        Require(MinMoveFraction > 0 && MinMoveFraction <= MaxMoveFraction && MaxMoveFraction <= 0.6, "move distance",
            $"range [{MinMoveFraction}, {MaxMoveFraction}] of the canvas is empty or outside (0, 0.6]");
        Require(JitterPixels is >= 0 and <= 8, "jitter", $"{JitterPixels} px is outside [0, 8]");
        Require(MinEventSeconds > 0 && MinEventSeconds * 2 <= ClipMinSeconds, "event duration",
            $"{MinEventSeconds} s must be positive and fit twice in the shortest clip ({ClipMinSeconds} s)");
        Require(MinEventSeconds * Fps >= 2, "event duration", $"{MinEventSeconds} s at {Fps} fps is under 2 frames");
        Require(TwoEventShare is >= 0 and <= 1, "two-event share", $"{TwoEventShare} is outside [0, 1]");
        Require(SameObjectShare is >= 0 and <= 1, "same-object share", $"{SameObjectShare} is outside [0, 1]");
        Require(CaptionsPerClip is >= 1 and <= 9, "--captions", $"{CaptionsPerClip} is outside [1, 9]");
        Require(CaptionsPerImage is >= 1 and <= 9, "captions per image", $"{CaptionsPerImage} is outside [1, 9]");
        Require(ValFraction >= 0 && TestFraction >= 0 && ValFraction + TestFraction <= 1, "--val-fraction/--test-fraction",
            $"{ValFraction} + {TestFraction} must be non-negative and at most 1");
        Require(ClipsPerEncoder is >= 1 and <= 10_000, "--clips-per-encoder", $"{ClipsPerEncoder} is outside [1, 10000]");
        Require(Parallelism is >= 1 and <= 64, "--parallel", $"{Parallelism} is outside [1, 64]");
        return this;
    }

    private static void Require(bool condition, string name, string cause)
    {
        if (!condition)
        {
            throw VidSearchException.Argument(name, cause);
        }
    }
}
