using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Search;

public sealed class PrepareIndexTests
{
    [Fact]
    public void Large_collections_get_a_cached_ann_index_and_auto_uses_it()
    {
        using var dir = new TempDirectory();
        var generator = new ClusteredGaussianVectors(8, 20, 1f, seed: 3);
        using var store = LargeCollection(dir, generator);
        Assert.True(Searcher.PrepareIndex(store));
        Assert.True(File.Exists(VectorIndexFactory.CachePath(store.AnnIndexPath, "ivf")));
        Assert.False(File.Exists(VectorIndexFactory.CachePath(store.AnnIndexPath, "binary")));
        Assert.False(Searcher.PrepareIndex(store));
        var searcher = new Searcher(store);
        Assert.Equal("ivf", searcher.IndexKind);
        Assert.Equal(10, searcher.Search(generator.Next()).Videos.Count);
    }

    [Fact]
    public void On_near_uniform_vectors_auto_caches_and_uses_the_binary_codes()
    {
        using var dir = new TempDirectory();
        var generator = new ClusteredGaussianVectors(128, 1, 100f, seed: 4);
        using var store = LargeCollection(dir, generator);
        Assert.True(Searcher.PrepareIndex(store));
        Assert.True(File.Exists(VectorIndexFactory.CachePath(store.AnnIndexPath, "ivf")));
        Assert.True(File.Exists(VectorIndexFactory.CachePath(store.AnnIndexPath, "binary")));
        Assert.False(Searcher.PrepareIndex(store));
        Assert.Equal("binary", new Searcher(store).IndexKind);
    }

    private static CollectionStore LargeCollection(TempDirectory dir, ClusteredGaussianVectors generator)
    {
        var store = CollectionStore.OpenOrCreate(dir.File("c.db"), new CollectionInfo("m", PreprocessConfig.Clip(), generator.Dim, VectorStorageType.Int8));
        Assert.False(Searcher.PrepareIndex(store));
        const int perVideo = 500;
        for (int v = 0; v < VectorIndexFactory.ApproximateThreshold / perVideo; v++)
        {
            store.SaveVideo($"/v/{v}.mp4", new FileIdentity(1, 1, "h"), perVideo,
                [.. Enumerable.Range(0, perVideo).Select(i => new SegmentRecord(i, i + 1, SegmentKind.Segment, generator.Next()))], []);
        }

        return store;
    }
}
