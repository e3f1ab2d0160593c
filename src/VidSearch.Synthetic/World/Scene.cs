namespace VidSearch.Synthetic.World;

/// <summary>An 8-bit RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static Rgb Of(ObjectColor color)
    {
        var (r, g, b) = color.Rgb();
        return new Rgb(r, g, b);
    }
}

public enum BackgroundKind { Black, Gray, Gradient, Noise }

/// <summary>
/// The background of a scene. Gradient goes from <see cref="From"/> to <see cref="To"/> along
/// <see cref="Angle"/> (radians, 0 = left to right); noise is <see cref="From"/> plus a static per-pixel
/// offset of at most <see cref="NoiseAmplitude"/>.
/// </summary>
public sealed record Background(BackgroundKind Kind, Rgb From, Rgb To, double Angle = 0, int NoiseAmplitude = 0, ulong NoiseSeed = 0)
{
    public static Background Black { get; } = new(BackgroundKind.Black, new Rgb(0, 0, 0), new Rgb(0, 0, 0));
}

/// <summary>An object as it is at the start of the scene's own (forward) timeline. X, Y: centre in pixels.</summary>
public sealed record SceneObject(ObjectLook Look, double X, double Y, bool InitiallyVisible = true);

/// <summary>
/// One event on one object over [Start, End) seconds. <see cref="Subject"/> is the object's look when
/// the event starts (what a caption names); <see cref="ToColor"/> is set for colour changes;
/// <see cref="Dx"/>, <see cref="Dy"/> are the displacement of a move in pixels (y grows downwards).
/// </summary>
public sealed record SceneEvent(
    int ObjectIndex,
    EventKind Kind,
    double Start,
    double End,
    ObjectLook Subject,
    ObjectColor? ToColor = null,
    double Dx = 0,
    double Dy = 0)
{
    public double Duration => End - Start;
}

/// <summary>
/// A scene: objects and events on a forward timeline of <see cref="FrameCount"/> frames at <see cref="Fps"/>.
/// Frame i shows time (i + 0.5) / fps; events start and end on frame boundaries.
/// </summary>
public sealed record Scene(
    int CanvasSize,
    int Fps,
    int FrameCount,
    Background Background,
    IReadOnlyList<SceneObject> Objects,
    IReadOnlyList<SceneEvent> Events,
    double JitterPixels,
    ulong JitterSeed,
    double SmallFraction = 0.12)
{
    public double Duration => FrameCount / (double)Fps;

    /// <summary>Side length in pixels of an object of the given size (large is twice small).</summary>
    public double SideOf(ObjectSize size) => CanvasSize * SmallFraction * (size == ObjectSize.Large ? 2 : 1);

    public static double FrameTime(int frame, int fps) => (frame + 0.5) / fps;
}

/// <summary>
/// A clip: a scene played forwards or backwards, with its events in the clip's own timeline
/// (for a reversed clip, the reversed events of <see cref="ClipReverser"/>).
/// </summary>
public sealed record Clip(Scene Source, bool Reversed, IReadOnlyList<SceneEvent> Events)
{
    public static Clip Forward(Scene scene) => new(scene, false, scene.Events);

    public int FrameCount => Source.FrameCount;

    public int Fps => Source.Fps;

    public int CanvasSize => Source.CanvasSize;

    public double Duration => Source.Duration;

    /// <summary>The frame of the source scene shown as this clip's frame <paramref name="frame"/>.</summary>
    public int SourceFrame(int frame) => Reversed ? Source.FrameCount - 1 - frame : frame;
}
