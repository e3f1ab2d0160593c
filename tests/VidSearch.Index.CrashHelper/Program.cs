using VidSearch.Core;
using VidSearch.Index.CrashHelper;
using VidSearch.Index.Indexing;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;

// Usage: VidSearch.Index.CrashHelper DB VIDEO_DIR LOG DELAY_MS
// Indexes VIDEO_DIR into DB with the fake embedder, appending each embedded path to LOG.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: VidSearch.Index.CrashHelper DB VIDEO_DIR LOG DELAY_MS");
    return 2;
}

const int Dim = 32;
var info = new CollectionInfo("fake-model", PreprocessConfig.Clip(), Dim, VectorStorageType.Float16);
using var store = CollectionStore.OpenOrCreate(args[0], info);
var embedder = new FakeVideoEmbedder(Dim, TimeSpan.FromMilliseconds(int.Parse(args[3])), args[2]);
var report = new Indexer(store, embedder, new IndexOptions { EmbedConcurrency = 2 }).Run([args[1]]);
Console.WriteLine($"added {report.Added} updated {report.Updated} unchanged {report.Unchanged} failed {report.Failures.Count}");
return 0;
