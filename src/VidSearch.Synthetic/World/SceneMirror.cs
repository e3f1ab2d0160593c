namespace VidSearch.Synthetic.World;

/// <summary>The axis a scene is mirrored across.</summary>
public enum MirrorAxis
{
    /// <summary>Left and right swap (x -> canvas - x).</summary>
    LeftRight,

    /// <summary>Top and bottom swap (y -> canvas - y).</summary>
    TopBottom,
}

/// <summary>
/// Mirror images of a still scene: the same objects with their places mirrored, the same background. A still and its
/// mirror differ only in where things are, which makes them hard negatives that teach positions and place words.
/// </summary>
public static class SceneMirror
{
    public static Scene Mirror(Scene scene, MirrorAxis axis)
    {
        if (scene.Events.Count > 0)
        {
            throw new ArgumentException("only still scenes (no events) are mirrored", nameof(scene));
        }

        int canvas = scene.CanvasSize;
        var objects = scene.Objects
            .Select(o => axis == MirrorAxis.LeftRight ? o with { X = canvas - o.X } : o with { Y = canvas - o.Y })
            .ToList();
        return scene with { Objects = objects };
    }
}
