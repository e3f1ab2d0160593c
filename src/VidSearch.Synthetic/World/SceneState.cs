namespace VidSearch.Synthetic.World;

/// <summary>An object's continuous state at one instant: centre, side length (px), colour, opacity.</summary>
public readonly record struct ObjectState(double X, double Y, double Side, double R, double G, double B, double Opacity);

/// <summary>Evaluates where and how every object is at a time of the scene's forward timeline.</summary>
public static class SceneState
{
    /// <summary>State of object <paramref name="objectIndex"/> at <paramref name="time"/> seconds (no jitter).</summary>
    public static ObjectState At(Scene scene, int objectIndex, double time)
    {
        var obj = scene.Objects[objectIndex];
        double x = obj.X, y = obj.Y;
        double side = scene.SideOf(obj.Look.Size);
        var c = Rgb.Of(obj.Look.Color);
        double r = c.R, g = c.G, b = c.B;
        double opacity = obj.InitiallyVisible ? 1 : 0;
        foreach (var e in scene.Events)
        {
            if (e.ObjectIndex != objectIndex || time < e.Start)
            {
                continue;
            }

            double f = e.Duration <= 0 ? 1 : Math.Clamp((time - e.Start) / e.Duration, 0, 1);
            switch (e.Kind)
            {
                case EventKind.MoveLeft or EventKind.MoveRight or EventKind.MoveUp or EventKind.MoveDown:
                    x += e.Dx * f;
                    y += e.Dy * f;
                    break;
                case EventKind.Grow:
                    side *= 1 + f;
                    break;
                case EventKind.Shrink:
                    side *= 1 - (0.5 * f);
                    break;
                case EventKind.Appear:
                    opacity = f;
                    break;
                case EventKind.Disappear:
                    opacity = 1 - f;
                    break;
                case EventKind.ChangeColor:
                    var to = Rgb.Of(e.ToColor ?? e.Subject.Color);
                    r += (to.R - r) * f;
                    g += (to.G - g) * f;
                    b += (to.B - b) * f;
                    break;
            }
        }

        return new ObjectState(x, y, side, r, g, b, opacity);
    }
}

