using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>
/// The memory one query reads, the model by which Auto chooses between IVF and binary codes (<see cref="VectorIndexFactory"/>):
/// on large collections both are bound by memory traffic. Scans read contiguous lists or code blocks; re-scored rows
/// are scattered, and measured at 1M vectors they cost about five times as much per byte (binary codes: 68 MB scanned
/// in 1.6-2.8 ms, 8000 re-scored float32 rows, 16 MB, in 3.3-4.0 ms; IVF: 430 MB of int8 lists in about 21 ms;
/// search RESULTS.md).
/// </summary>
internal static class QueryCost
{
    /// <summary>Cost of a byte read at a scattered row relative to a byte of a sequential scan.</summary>
    public const double ScatteredReadFactor = 5;

    /// <summary>Sequential-byte equivalent of re-scoring <paramref name="rows"/> rows of <paramref name="store"/>.</summary>
    public static double Rescoring(VectorStore store, int rows) => (double)rows * store.Type.BytesPerVector(store.Dim) * ScatteredReadFactor;
}
