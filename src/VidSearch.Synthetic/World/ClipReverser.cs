namespace VidSearch.Synthetic.World;

/// <summary>
/// Time reversal (SYNTHETIC.md): left/right, up/down, grow/shrink and appear/disappear swap, c1->c2
/// becomes c2->c1, and "A then B" becomes "rev(B) then rev(A)". The frames of the reversed clip are the
/// original frames in reverse order.
/// </summary>
public static class ClipReverser
{
    public static Clip Reverse(Clip clip)
    {
        double duration = clip.Duration;
        var reversed = new List<SceneEvent>(clip.Events.Count);
        for (int i = clip.Events.Count - 1; i >= 0; i--)
        {
            reversed.Add(Reverse(clip.Events[i], duration));
        }

        reversed.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new Clip(clip.Source, !clip.Reversed, reversed);
    }

    /// <summary>The event as seen backwards in a clip of the given duration.</summary>
    public static SceneEvent Reverse(SceneEvent e, double duration)
    {
        var end = LookAfter(e);
        return e with
        {
            Kind = e.Kind.Reversed(),
            Start = Round(duration - e.End),
            End = Round(duration - e.Start),
            Subject = end,
            ToColor = e.Kind == EventKind.ChangeColor ? e.Subject.Color : null,
            Dx = -e.Dx,
            Dy = -e.Dy,
        };
    }

    /// <summary>The object's look once the event is over.</summary>
    public static ObjectLook LookAfter(SceneEvent e) => e.Kind switch
    {
        EventKind.Grow => e.Subject with { Size = ObjectSize.Large },
        EventKind.Shrink => e.Subject with { Size = ObjectSize.Small },
        EventKind.ChangeColor => e.Subject with { Color = e.ToColor ?? e.Subject.Color },
        _ => e.Subject,
    };

    private static double Round(double seconds) => Math.Round(seconds, 6);
}
