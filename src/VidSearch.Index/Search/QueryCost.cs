using VidSearch.Index.Vectors;

namespace VidSearch.Index.Search;

/// <summary>
/// The memory one query reads, the model by which Auto chooses between IVF and binary codes (<see cref="VectorIndexFactory"/>):
/// on large collections both are bound by memory traffic. Scans read contiguous lists or code blocks; re-scored rows
/// are scattered and cost several times as much per byte. From `vidsearch bench search --sizes 1000000 --queries 1000
/// --clusters 1 --spread 100 --storage float32 --approximate binary,ivf --nprobe 64 --candidates 5000,8000` (search
/// RESULTS.md): 3000 more re-scored float32 rows (6.1 MB) added 1.13 ms (5.4 GB/s), while IVF at nprobe 881/1000 read
/// about 460 MB of lists in 19.4 ms (24 GB/s): a factor of about 4.4, rounded up to 5.
/// </summary>
internal static class QueryCost
{
    /// <summary>Cost of a byte read at a scattered row relative to a byte of a sequential scan.</summary>
    public const double ScatteredReadFactor = 5;

    /// <summary>Sequential-byte equivalent of re-scoring <paramref name="rows"/> rows of <paramref name="store"/>.</summary>
    public static double Rescoring(VectorStore store, int rows) => (double)rows * store.Type.BytesPerVector(store.Dim) * ScatteredReadFactor;
}
