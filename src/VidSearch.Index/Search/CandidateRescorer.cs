using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>
/// The second stage of the approximate indexes: re-scores the candidates of a coarse scan with the store's own vectors
/// and keeps the exact top k. Candidates are visited in row order,
/// split over threads when there are many.
/// </summary>
internal static class CandidateRescorer
{
    private const int ParallelFrom = 1024;

    /// <summary>Adds the exact scores of <paramref name="candidates"/> to <paramref name="result"/>.</summary>
    public static void Rescore(VectorStore store, ReadOnlySpan<float> query, IEnumerable<VectorHit> candidates, TopK result, int threads)
    {
        int[] positions = candidates.Select(c => c.Position).ToArray();
        Array.Sort(positions);
        var scores = new float[positions.Length];
        int parts = positions.Length < ParallelFrom ? 1 : Math.Max(1, threads);
        if (parts == 1)
        {
            store.Score(query, positions, scores);
        }
        else
        {
            var queryCopy = query.ToArray();
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
            {
                int from = (int)((long)positions.Length * part / parts);
                int to = (int)((long)positions.Length * (part + 1) / parts);
                store.Score(queryCopy, positions.AsSpan(from, to - from), scores.AsSpan(from, to - from));
            });
        }

        for (int i = 0; i < positions.Length; i++)
        {
            result.Add(positions[i], scores[i]);
        }
    }
}
