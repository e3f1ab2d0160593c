using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>
/// Brute-force search: every row is scored with SIMD dot products, split across threads, each thread keeping
/// its own bounded heap; the heaps are merged at the end.
/// </summary>
public sealed class ExactVectorIndex(VectorStore store) : IVectorIndex
{
    private const int Block = 2048;

    public string Kind => "exact";

    public int Count => store.Count;

    public int Dim => store.Dim;

    public IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorSearchOptions? options = null)
        => SearchRange(store, query, 0, store.Count, k, options?.Threads ?? 2);

    /// <summary>Exact top-k over rows [start, end) of a store.</summary>
    internal static VectorHit[] SearchRange(VectorStore store, ReadOnlySpan<float> query, int start, int end, int k, int threads)
    {
        VectorQueryCheck.KAndQuery(k, query.Length, store.Dim);

        int rows = end - start;
        if (rows <= 0)
        {
            return [];
        }

        int parts = Math.Clamp(Math.Min(threads, rows / Block), 1, Math.Max(1, Environment.ProcessorCount));
        var heaps = new TopK[parts];
        var queryCopy = query.ToArray();
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
        {
            var heap = new TopK(k);
            var scores = new float[Block];
            int from = start + (int)((long)rows * part / parts);
            int to = start + (int)((long)rows * (part + 1) / parts);
            for (int row = from; row < to; row += Block)
            {
                int n = Math.Min(Block, to - row);
                store.Score(queryCopy, row, scores.AsSpan(0, n));
                heap.AddRange(row, scores.AsSpan(0, n));
            }

            heaps[part] = heap;
        });

        return Merge(heaps);
    }

    /// <summary>Rows scored against every query of a batch while they are in cache.</summary>
    private const int BatchBlock = 128;

    /// <summary>
    /// Exact top-k of each of <paramref name="queries"/> over rows [start, end): one pass over the rows, each block of
    /// rows scored against every query while it is in cache, so a batch costs about one scan of memory instead of
    /// one per query (used to measure recall against exact search).
    /// </summary>
    internal static VectorHit[][] SearchRangeMany(VectorStore store, IReadOnlyList<float[]> queries, int start, int end, int k, int threads, CancellationToken cancellationToken = default)
    {
        VectorQueryCheck.K(k);

        var prepared = queries.Select(q => store.Prepare(q)).ToArray();
        int rows = Math.Max(0, end - start);
        int parts = Math.Clamp(Math.Min(threads, rows / Block), 1, Math.Max(1, Environment.ProcessorCount));
        var heaps = new TopK[parts][];
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts, CancellationToken = cancellationToken }, part =>
        {
            var partHeaps = prepared.Select(_ => new TopK(k)).ToArray();
            var scores = new float[BatchBlock];
            int from = start + (int)((long)rows * part / parts);
            int to = start + (int)((long)rows * (part + 1) / parts);
            for (int row = from; row < to; row += BatchBlock)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(BatchBlock, to - row);
                for (int q = 0; q < prepared.Length; q++)
                {
                    store.ScorePrepared(prepared[q], row, scores.AsSpan(0, n));
                    partHeaps[q].AddRange(row, scores.AsSpan(0, n));
                }
            }

            heaps[part] = partHeaps;
        });

        return Enumerable.Range(0, prepared.Length).Select(q => Merge(heaps.Select(h => h[q]).ToArray())).ToArray();
    }

    private static VectorHit[] Merge(TopK[] heaps)
    {
        var merged = heaps[0];
        for (int i = 1; i < heaps.Length; i++)
        {
            merged.AddAll(heaps[i]);
        }

        return merged.ToSortedArray();
    }
}
