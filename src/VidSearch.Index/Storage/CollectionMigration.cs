using VidSearch.Core;
using VidSearch.Index.Indexing;

namespace VidSearch.Index.Storage;

/// <summary>
/// `reindex`: rebuilds a collection with another model, preprocessing or storage type. The videos of the old
/// collection are embedded again into a side file (NAME.db.reindex, resumable like any indexing run), which
/// replaces the old collection only when every video is done; until then the old collection keeps answering.
/// </summary>
public static class CollectionMigration
{
    public static IndexReport Reindex(string path, CollectionInfo target, IVideoEmbedder embedder, IndexOptions? options = null, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        List<string> paths;
        using (var old = CollectionStore.Open(path))
        {
            paths = old.Videos().Select(v => v.Path).Where(File.Exists).ToList();
        }

        string side = path + ".reindex";
        IndexReport report;
        using (var fresh = CollectionStore.OpenOrCreate(side, target))
        {
            report = paths.Count == 0
                ? new IndexReport()
                : new Indexer(fresh, embedder, (options ?? new IndexOptions()) with { RetryFailed = true, RemoveDeleted = false }).Run(paths, progress, cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        foreach (string suffix in new[] { "-wal", "-shm", ".ivf", ".hnsw", ".codes" })
        {
            File.Delete(path + suffix);
        }

        File.Move(side, path, overwrite: true);
        foreach (string suffix in new[] { "-wal", "-shm" })
        {
            File.Delete(side + suffix);
        }

        return report;
    }
}
