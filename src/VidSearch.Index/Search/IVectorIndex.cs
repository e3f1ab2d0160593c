namespace VidSearch.Index.Search;

/// <summary>Options of one vector search; null fields take the index's defaults.</summary>
public sealed record VectorSearchOptions
{
    /// <summary>Threads scanning in parallel (the product targets 2 cores).</summary>
    public int Threads { get; init; } = 2;

    /// <summary>IVF: inverted lists probed per query (higher: better recall, slower).</summary>
    public int? Nprobe { get; init; }

    /// <summary>IVF and binary codes: candidates from the coarse scan re-scored exactly before taking the top k.</summary>
    public int? RerankCandidates { get; init; }

    /// <summary>HNSW: candidates kept while walking layer 0 (higher: better recall, slower; at least k is used).</summary>
    public int? Ef { get; init; }
}

/// <summary>
/// Nearest-neighbour search by dot product (cosine for unit vectors) over the rows of a
/// <see cref="Vectors.VectorStore"/>. Exact and approximate indexes answer the same way.
/// </summary>
public interface IVectorIndex
{
    /// <summary>"exact", "ivf", "hnsw" or "binary".</summary>
    string Kind { get; }

    int Count { get; }

    int Dim { get; }

    /// <summary>The k rows most similar to <paramref name="query"/>, best first.</summary>
    IReadOnlyList<VectorHit> Search(ReadOnlySpan<float> query, int k, VectorSearchOptions? options = null);
}
