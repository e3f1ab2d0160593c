using VidSearch.Core;

namespace VidSearch.Synthetic;

/// <summary>The datasets the generator can write (SYNTHETIC.md, "Tasks and metrics").</summary>
public enum SyntheticTask
{
    /// <summary>Clips of one or two events with 5 captions each.</summary>
    Retrieval,
    /// <summary>Clips and their reversed twins (same `group`).</summary>
    Reversal,
    /// <summary>Test clips whose events involve a held-out colour-shape pair.</summary>
    Compositional,
    /// <summary>Single-event clips with an action `label` (10 classes).</summary>
    Actions,
    /// <summary>Long clips with 2-4 events at known times (`events`).</summary>
    Localization,
    /// <summary>Clips with 5 candidate captions (`choices`, `answer`).</summary>
    Choice,
    /// <summary>Single frames (PNG) with static captions, for image-text pretraining.</summary>
    Static,
    /// <summary>
    /// Short clips and their reversed twins as film strips (one PNG of a few frames side by side, `frames` in the row)
    /// with captions from every paraphrase template, for video-text pretraining (the offline stand-in for web video
    /// captions, which real CLIP-family models have seen).
    /// </summary>
    Motion,
}

public static class SyntheticTasks
{
    public static IReadOnlyList<SyntheticTask> All { get; } = Enum.GetValues<SyntheticTask>();

    /// <summary>The folder name and command-line name of a task.</summary>
    public static string Name(this SyntheticTask task) => task.ToString().ToLowerInvariant();

    /// <summary>Parses "retrieval", "all", or a comma-separated list; unknown names give a clear error.</summary>
    public static IReadOnlyList<SyntheticTask> Parse(string text)
    {
        var result = new List<SyntheticTask>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                return All;
            }

            var match = All.Where(t => t.Name().Equals(part, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 0)
            {
                throw VidSearchException.Argument("--task", $"unknown task '{part}' (expected one of: {string.Join(", ", All.Select(t => t.Name()))}, all)");
            }

            if (!result.Contains(match[0]))
            {
                result.Add(match[0]);
            }
        }

        if (result.Count == 0)
        {
            throw VidSearchException.Argument("--task", "no task given");
        }

        return result;
    }
}
