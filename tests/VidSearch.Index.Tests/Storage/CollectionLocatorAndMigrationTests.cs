using VidSearch.Core;
using VidSearch.Index.CrashHelper;
using VidSearch.Index.Indexing;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Storage;

public sealed class CollectionLocatorAndMigrationTests
{
    [Fact]
    public void Names_map_into_the_home_folder_and_paths_stay_paths()
    {
        Assert.Equal(Path.Combine(CollectionLocator.Home, "collections", "holidays.db"), CollectionLocator.Resolve("holidays"));
        Assert.Equal(Path.GetFullPath("x/y.db"), CollectionLocator.Resolve("x/y.db"));
        Assert.Equal(Path.GetFullPath("z.db"), CollectionLocator.Resolve("z.db"));
        Assert.Throws<VidSearchException>(() => CollectionLocator.Resolve(" "));
        Assert.Throws<VidSearchException>(() => CollectionLocator.Resolve("bad name!"));
        Assert.Throws<VidSearchException>(() => CollectionLocator.Resolve(".hidden"));
    }

    [Fact]
    public void Reindex_moves_a_collection_to_another_model_and_storage()
    {
        using var dir = new TempDirectory();
        for (int i = 0; i < 4; i++)
        {
            File.WriteAllText(dir.File($"v{i}.mp4"), $"video {i}");
        }

        string db = dir.File("c.db");
        using (var store = CollectionStore.OpenOrCreate(db, new CollectionInfo("old-model", PreprocessConfig.Clip(), 16, VectorStorageType.Float32)))
        {
            new Indexer(store, new FakeVideoEmbedder(16)).Run([dir.Path]);
            _ = new Searcher(store, new SearcherOptions { Index = VectorIndexChoice.Ivf });
            _ = new Searcher(store, new SearcherOptions { Index = VectorIndexChoice.Hnsw });
            Assert.True(File.Exists(db + ".hnsw"));
        }

        File.Delete(dir.File("v3.mp4"));
        var target = new CollectionInfo("new-model", PreprocessConfig.Clip(336), 24, VectorStorageType.Int8);
        var report = CollectionMigration.Reindex(db, target, new FakeVideoEmbedder(24));
        Assert.Equal(3, report.Added);
        Assert.False(File.Exists(db + ".reindex"));
        Assert.False(File.Exists(db + ".ivf"));
        Assert.False(File.Exists(db + ".hnsw"));
        using var migrated = CollectionStore.Open(db);
        Assert.Equal((target.ModelId, target.EmbeddingDim, target.Storage), (migrated.Info.ModelId, migrated.Info.EmbeddingDim, migrated.Info.Storage));
        Assert.Equal(336, migrated.Info.Preprocess.ImageSize);
        Assert.Equal(3, migrated.Videos().Count);
        Assert.Empty(migrated.CheckConsistency());
    }

    [Fact]
    public void Searcher_rebuilds_a_stale_ann_cache_after_new_videos()
    {
        using var dir = new TempDirectory();
        string db = dir.File("c.db");
        using var store = CollectionStore.OpenOrCreate(db, new CollectionInfo("m", PreprocessConfig.Clip(), 16, VectorStorageType.Float32));
        File.WriteAllText(dir.File("a.mp4"), "a");
        new Indexer(store, new FakeVideoEmbedder(16)).Run([dir.Path]);
        var options = new SearcherOptions { Index = VectorIndexChoice.Approximate };
        _ = new Searcher(store, options);
        long generation = store.VectorsGeneration;
        File.WriteAllText(dir.File("b.mp4"), "b");
        new Indexer(store, new FakeVideoEmbedder(16)).Run([dir.Path]);
        Assert.True(store.VectorsGeneration > generation);

        var searcher = new Searcher(store, options);
        long b = store.FindVideo(dir.File("b.mp4"))!.Id;
        var top = searcher.Search(searcher.VideoVector(b), new SearchOptions { K = 1 });
        Assert.Equal(b, top.Videos[0].VideoId);
        Assert.NotNull(VectorIndexFactory.TryLoadCached(store.LoadSegments(SegmentKind.Segment).Vectors, "ivf", store.AnnIndexPath, store.VectorsGeneration));
    }
}
