using VidSearch.Core;

namespace VidSearch.Retrieval.Training;

/// <summary>
/// Shuffled batches of item indices [0, count): the order of an epoch depends only on (seed, epoch), so a resumed run
/// sees exactly the batches an uninterrupted one would. Uses its own generator (SplitMix64 + Fisher-Yates), stable
/// across .NET versions.
/// </summary>
public sealed class BatchSampler
{
    public BatchSampler(int count, int batchSize, long seed, bool dropLast)
    {
        if (count <= 0)
        {
            throw VidSearchException.Argument("dataset", $"has no items (count {count})");
        }

        if (batchSize <= 0)
        {
            throw VidSearchException.Argument("batchSize", $"must be positive, got {batchSize}");
        }

        if (dropLast && batchSize > count)
        {
            throw VidSearchException.Argument("batchSize", $"{batchSize} exceeds the {count} items while dropping incomplete batches");
        }

        Count = count;
        BatchSize = batchSize;
        Seed = seed;
        DropLast = dropLast;
    }

    public int Count { get; }

    public int BatchSize { get; }

    public long Seed { get; }

    public bool DropLast { get; }

    public int BatchesPerEpoch => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>The batches of the 0-based epoch.</summary>
    public IReadOnlyList<int[]> Epoch(int epoch)
    {
        var order = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            order[i] = i;
        }

        ulong state = Mix((ulong)Seed ^ Mix((ulong)epoch + 0x9E3779B97F4A7C15UL));
        Shuffle(order, ref state);

        var batches = new int[BatchesPerEpoch][];
        for (int b = 0; b < batches.Length; b++)
        {
            int start = b * BatchSize;
            batches[b] = order.AsSpan(start, Math.Min(BatchSize, Count - start)).ToArray();
        }

        return batches;
    }

    /// <summary>A seed derived from (seed, epoch) for torch's generator.</summary>
    public static long EpochSeed(long seed, int epoch) => (long)(Mix((ulong)seed + Mix((ulong)epoch + 1)) >> 1);

    /// <summary>Fisher-Yates shuffle of <paramref name="items"/> driven by a SplitMix64 stream that advances <paramref name="state"/>.</summary>
    internal static void Shuffle<T>(IList<T> items, ref ulong state)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            state += 0x9E3779B97F4A7C15UL;
            int j = (int)(Mix(state) % (ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>SplitMix64's finaliser: a well-mixed 64-bit hash of <paramref name="z"/>.</summary>
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
