namespace VidSearch.Synthetic.World;

public enum Shape { Circle, Square, Triangle, Cross, Diamond }

public enum ObjectColor { Red, Green, Blue, Yellow, White, Purple, Orange }

public enum ObjectSize { Small, Large }

/// <summary>The 10 event classes of the world (also the action labels).</summary>
public enum EventKind { MoveLeft, MoveRight, MoveUp, MoveDown, Stay, Grow, Shrink, Appear, Disappear, ChangeColor }

/// <summary>What an object looks like at one moment: the attributes captions mention.</summary>
public readonly record struct ObjectLook(Shape Shape, ObjectColor Color, ObjectSize Size);

/// <summary>Names, colours and rules of the world's vocabulary (SYNTHETIC.md).</summary>
public static class Vocabulary
{
    public static readonly Shape[] Shapes = Enum.GetValues<Shape>();
    public static readonly ObjectColor[] Colors = Enum.GetValues<ObjectColor>();
    public static readonly EventKind[] EventKinds = Enum.GetValues<EventKind>();

    /// <summary>Colour-shape pairs that never occur in train (compositional hold-out).</summary>
    public static readonly IReadOnlyList<(ObjectColor Color, Shape Shape)> HeldOutPairs =
    [
        (ObjectColor.Purple, Shape.Triangle),
        (ObjectColor.Orange, Shape.Cross),
        (ObjectColor.White, Shape.Diamond),
        (ObjectColor.Green, Shape.Circle),
    ];

    public static bool IsHeldOut(ObjectColor color, Shape shape)
    {
        foreach (var pair in HeldOutPairs)
        {
            if (pair.Color == color && pair.Shape == shape)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a static row's group ("size-color-shape+..." as the generator writes it) shows a held-out colour-shape
    /// pair: those rows make the compositional figure.
    /// </summary>
    public static bool GroupContainsHeldOutPair(string? group)
    {
        if (string.IsNullOrEmpty(group))
        {
            return false;
        }

        foreach (string item in group.Split('+'))
        {
            var parts = item.Split('-');
            if (parts.Length == 3 && Enum.TryParse<ObjectColor>(parts[1], true, out var color)
                && Enum.TryParse<Shape>(parts[2], true, out var shape) && IsHeldOut(color, shape))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The attributes of an object in a static row's group, in the order the generator writes them ("size-color-shape").</summary>
    public static IReadOnlyList<string> GroupAttributes { get; } = ["size", "colour", "shape"];

    /// <summary>
    /// What tells two static groups apart: "count" (another number of objects), the attributes whose multisets differ
    /// joined by '+' (e.g. "shape", "size+shape"), "binding" (the same multisets bound to objects differently) or "same".
    /// </summary>
    public static string GroupDifference(string first, string second)
    {
        var a = first.Split('+').Select(o => o.Split('-')).ToArray();
        var b = second.Split('+').Select(o => o.Split('-')).ToArray();
        if (a.Length != b.Length)
        {
            return "count";
        }

        if (a.Concat(b).Any(o => o.Length != GroupAttributes.Count))
        {
            return "other";
        }

        string Values(string[][] objects, int attribute) => string.Join(",", objects.Select(o => o[attribute]).Order(StringComparer.Ordinal));
        var differing = Enumerable.Range(0, GroupAttributes.Count).Where(k => Values(a, k) != Values(b, k)).Select(k => GroupAttributes[k]).ToList();
        if (differing.Count > 0)
        {
            return string.Join("+", differing);
        }

        string Sorted(string[][] objects) => string.Join("+", objects.Select(o => string.Join("-", o)).Order(StringComparer.Ordinal));
        return Sorted(a) == Sorted(b) ? "same" : "binding";
    }

    public static string Name(this Shape shape) => shape switch
    {
        Shape.Circle => "circle",
        Shape.Square => "square",
        Shape.Triangle => "triangle",
        Shape.Cross => "cross",
        Shape.Diamond => "diamond",
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    public static string Name(this ObjectColor color) => color switch
    {
        ObjectColor.Red => "red",
        ObjectColor.Green => "green",
        ObjectColor.Blue => "blue",
        ObjectColor.Yellow => "yellow",
        ObjectColor.White => "white",
        ObjectColor.Purple => "purple",
        ObjectColor.Orange => "orange",
        _ => throw new ArgumentOutOfRangeException(nameof(color)),
    };

    public static string Name(this ObjectSize size) => size == ObjectSize.Small ? "small" : "large";

    /// <summary>The action label of an event kind, as in the manifest's `label`.</summary>
    public static string Label(this EventKind kind) => kind switch
    {
        EventKind.MoveLeft => "moving left",
        EventKind.MoveRight => "moving right",
        EventKind.MoveUp => "moving up",
        EventKind.MoveDown => "moving down",
        EventKind.Stay => "staying still",
        EventKind.Grow => "growing",
        EventKind.Shrink => "shrinking",
        EventKind.Appear => "appearing",
        EventKind.Disappear => "disappearing",
        EventKind.ChangeColor => "changing color",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The kind seen when the clip plays backwards (change of colour keeps its kind, its colours swap).</summary>
    public static EventKind Reversed(this EventKind kind) => kind switch
    {
        EventKind.MoveLeft => EventKind.MoveRight,
        EventKind.MoveRight => EventKind.MoveLeft,
        EventKind.MoveUp => EventKind.MoveDown,
        EventKind.MoveDown => EventKind.MoveUp,
        EventKind.Grow => EventKind.Shrink,
        EventKind.Shrink => EventKind.Grow,
        EventKind.Appear => EventKind.Disappear,
        EventKind.Disappear => EventKind.Appear,
        _ => kind,
    };

    public static bool IsMove(this EventKind kind) => kind is EventKind.MoveLeft or EventKind.MoveRight or EventKind.MoveUp or EventKind.MoveDown;

    /// <summary>Display colour of an object colour (sRGB).</summary>
    public static (byte R, byte G, byte B) Rgb(this ObjectColor color) => color switch
    {
        ObjectColor.Red => (225, 35, 35),
        ObjectColor.Green => (30, 200, 60),
        ObjectColor.Blue => (40, 90, 235),
        ObjectColor.Yellow => (245, 225, 30),
        ObjectColor.White => (250, 250, 250),
        ObjectColor.Purple => (155, 50, 210),
        ObjectColor.Orange => (255, 140, 20),
        _ => throw new ArgumentOutOfRangeException(nameof(color)),
    };
}
