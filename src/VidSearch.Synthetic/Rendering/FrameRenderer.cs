using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Rendering;

/// <summary>
/// Rasterises the frames of one clip into RGB24 buffers (rows top to bottom). Shapes are drawn from
/// signed distances with one pixel of anti-aliasing; the background is computed once per clip.
/// Frame i of a reversed clip is exactly frame N-1-i of its source.
/// </summary>
public sealed class FrameRenderer
{
    private readonly Clip _clip;
    private readonly byte[] _background;

    public FrameRenderer(Clip clip)
    {
        _clip = clip;
        _background = BackgroundPainter.Paint(clip.Source.Background, clip.CanvasSize);
    }

    public FrameRenderer(Scene scene)
        : this(Clip.Forward(scene))
    {
    }

    public int Width => _clip.CanvasSize;

    public int Height => _clip.CanvasSize;

    public int FrameCount => _clip.FrameCount;

    public int FrameLength => Width * Height * 3;

    /// <summary>Renders the clip's frame <paramref name="frame"/> into <paramref name="destination"/>.</summary>
    public void Render(int frame, Span<byte> destination)
    {
        if ((uint)frame >= (uint)FrameCount)
        {
            throw new ArgumentOutOfRangeException(nameof(frame), $"frame {frame} is outside [0, {FrameCount})");
        }

        if (destination.Length != FrameLength)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, expected {FrameLength}", nameof(destination));
        }

        var scene = _clip.Source;
        int source = _clip.SourceFrame(frame);
        double time = Scene.FrameTime(source, scene.Fps);
        _background.CopyTo(destination);
        for (int o = 0; o < scene.Objects.Count; o++)
        {
            var state = SceneState.At(scene, o, time);
            if (state.Opacity <= 0)
            {
                continue;
            }

            var (jx, jy) = Jitter(scene, source, o);
            ShapeRasterizer.Draw(destination, Width, Height, scene.Objects[o].Look.Shape, state.X + jx, state.Y + jy, state.Side,
                state.R, state.G, state.B, state.Opacity);
        }
    }

    public byte[] Render(int frame)
    {
        var buffer = new byte[FrameLength];
        Render(frame, buffer);
        return buffer;
    }

    /// <summary>The per-frame offset of an object: a pure function of the scene's seed, the source frame and the object.</summary>
    public static (double Dx, double Dy) Jitter(Scene scene, int sourceFrame, int objectIndex)
    {
        if (scene.JitterPixels <= 0)
        {
            return (0, 0);
        }

        ulong h = DeterministicRandom.Hash(scene.JitterSeed ^ DeterministicRandom.Hash(((ulong)sourceFrame << 8) | (uint)objectIndex));
        double u = (h >> 11 & 0xFFFFF) / (double)0xFFFFF;
        double v = (h >> 33 & 0xFFFFF) / (double)0xFFFFF;
        return (Math.Round(((2 * u) - 1) * scene.JitterPixels, 2), Math.Round(((2 * v) - 1) * scene.JitterPixels, 2));
    }
}
