namespace VidSearch.Retrieval.Training;

/// <summary>
/// Training items grouped into units that always share a batch (e.g. a clip and its reversed twin, which then are hard
/// negatives of each other); the trainer samples units, and a batch of units is flattened into items.
/// </summary>
public static class BatchUnits
{
    /// <summary>
    /// One unit per group (its members in item order, units in order of each group's first item); an item whose group
    /// is null stands alone.
    /// </summary>
    public static IReadOnlyList<int[]> ByGroup(int count, Func<int, string?> groupOf)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(groupOf);
        var members = new List<List<int>>();
        var slotOfGroup = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string? group = groupOf(i);
            if (group is not null && slotOfGroup.TryGetValue(group, out int slot))
            {
                members[slot].Add(i);
                continue;
            }

            if (group is not null)
            {
                slotOfGroup[group] = members.Count;
            }

            members.Add([i]);
        }

        return members.Select(m => m.ToArray()).ToList();
    }

    /// <summary>Counts the items of a batch of units (for <see cref="Trainer.Fit"/>'s throughput figures).</summary>
    public static Func<int[], int> ItemCounter(IReadOnlyList<int[]> units)
        => unitBatch => unitBatch.Sum(u => units[u].Length);

    /// <summary>
    /// Units per batch so that a batch holds about <paramref name="itemBatch"/> items on average (at least 2, at most
    /// every unit).
    /// </summary>
    public static int BatchSize(int itemBatch, int units, int items)
        => Math.Min(Math.Max(2, (int)Math.Round((double)itemBatch * units / items)), units);
}
