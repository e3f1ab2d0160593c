using VidSearch.Core;

namespace VidSearch.Index.Search;

/// <summary>The argument checks every vector index makes before a search: a positive k and a query of the index's dimension.</summary>
internal static class VectorQueryCheck
{
    public static void K(int k)
    {
        if (k <= 0)
        {
            throw VidSearchException.Argument("k", $"must be positive, got {k}");
        }
    }

    public static void KAndQuery(int k, int queryLength, int dim)
    {
        K(k);
        if (queryLength != dim)
        {
            throw VidSearchException.Argument("query", $"has {queryLength} dimensions, the index holds {dim}");
        }
    }
}
