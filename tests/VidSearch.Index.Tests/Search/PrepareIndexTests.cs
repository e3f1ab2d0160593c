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
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), new CollectionInfo("m", PreprocessConfig.Clip(), 8, VectorStorageType.Int8));
        Assert.False(Searcher.PrepareIndex(store));
        var generator = new ClusteredGaussianVectors(8, 20, 1f, seed: 3);
        const int perVideo = 500;
        for (int v = 0; v < VectorIndexFactory.ApproximateThreshold / perVideo; v++)
        {
            store.SaveVideo($"/v/{v}.mp4", new FileIdentity(1, 1, "h"), perVideo,
                [.. Enumerable.Range(0, perVideo).Select(i => new SegmentRecord(i, i + 1, SegmentKind.Segment, generator.Next()))], []);
        }

        Assert.True(Searcher.PrepareIndex(store));
        Assert.True(File.Exists(VectorIndexFactory.CachePath(store.AnnIndexPath, VectorIndexFactory.DefaultApproximateKind)));
        Assert.False(Searcher.PrepareIndex(store));
        var searcher = new Searcher(store);
        Assert.Equal(VectorIndexFactory.DefaultApproximateKind, searcher.IndexKind);
        Assert.Equal(10, searcher.Search(generator.Next()).Videos.Count);
    }
}
