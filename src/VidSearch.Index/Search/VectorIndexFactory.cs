using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>Which vector index to use.</summary>
public enum VectorIndexChoice
{
    /// <summary>Exact below <see cref="VectorIndexFactory.ApproximateThreshold"/> vectors, IVF above.</summary>
    Auto,
    Exact,
    Approximate,
}

/// <summary>
/// Chooses and opens the vector index of a collection: exact search for small collections, an IVF index
/// (loaded from its file beside the database, or rebuilt and saved when missing or stale) for large ones.
/// </summary>
public static class VectorIndexFactory
{
    /// <summary>Collections with at least this many vectors use the approximate index under Auto.</summary>
    public const int ApproximateThreshold = 50_000;

    public static VectorIndexChoice ParseChoice(string value) => value.Trim().ToLowerInvariant() switch
    {
        "auto" => VectorIndexChoice.Auto,
        "exact" => VectorIndexChoice.Exact,
        "approximate" or "ann" or "ivf" => VectorIndexChoice.Approximate,
        _ => throw VidSearchException.Argument("--index", $"'{value}' is not an index choice (auto, exact, approximate)"),
    };

    /// <param name="annPath">Where the IVF index is cached; null keeps it in memory only.</param>
    /// <param name="fingerprint">Identifies the store's content; a cached index with another one is rebuilt.</param>
    public static IVectorIndex Open(
        VectorStore store,
        VectorIndexChoice choice,
        string? annPath,
        long fingerprint,
        IvfBuildOptions? buildOptions = null,
        IProgress<WorkProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        bool approximate = choice == VectorIndexChoice.Approximate || (choice == VectorIndexChoice.Auto && store.Count >= ApproximateThreshold);
        if (!approximate)
        {
            return new ExactVectorIndex(store);
        }

        if (annPath is not null && IvfIndex.TryLoad(annPath, store, fingerprint) is { } cached)
        {
            return cached;
        }

        var built = IvfIndex.Build(store, buildOptions, progress, cancellationToken);
        if (annPath is not null)
        {
            try
            {
                built.Save(annPath, fingerprint);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The cache is an optimisation: a read-only folder only costs a rebuild next time.
            }
        }

        return built;
    }
}
