using VidSearch.Index.Search;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Tests.Search;

/// <summary>Recall@10 of an index against exact search over the same store, on fresh queries from a generator.</summary>
internal static class IndexRecall
{
    public static double At10(IVectorIndex index, VectorStore store, ClusteredGaussianVectors queries, int count, VectorSearchOptions? options = null)
        => At10(index, store, Enumerable.Range(0, count).Select(_ => queries.Next()).ToArray(), options);

    public static double At10(IVectorIndex index, VectorStore store, IReadOnlyList<float[]> queries, VectorSearchOptions? options = null)
    {
        var exact = new ExactVectorIndex(store);
        double sum = 0;
        foreach (var query in queries)
        {
            var truth = exact.Search(query, 10).Select(h => h.Position).ToHashSet();
            sum += index.Search(query, 10, options).Count(h => truth.Contains(h.Position)) / 10.0;
        }

        return sum / queries.Count;
    }
}
