using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Search;

public sealed class PrepareIndexTests
{
    [Theory]
    [InlineData(8, 20, 1f, "ivf")]
    [InlineData(128, 1, 100f, "binary")]
    public void Large_collections_get_a_cached_approximate_index_chosen_from_the_data_and_auto_uses_it(int dim, int clusters, float spread, string kind)
    {
        using var dir = new TempDirectory();
        var generator = new ClusteredGaussianVectors(dim, clusters, spread, seed: 3);
        using var store = LargeCollection(dir, generator);
        Assert.True(Searcher.PrepareIndex(store));
        Assert.True(File.Exists(VectorIndexFactory.CachePath(store.AnnIndexPath, "ivf")));
        Assert.Equal(kind == "binary", File.Exists(VectorIndexFactory.CachePath(store.AnnIndexPath, "binary")));
        Assert.False(Searcher.PrepareIndex(store));
        var searcher = new Searcher(store);
        Assert.Equal(kind, searcher.IndexKind);
        Assert.Equal(10, searcher.Search(generator.Next()).Videos.Count);
    }

    [Fact]
    public void New_tuning_queries_make_the_cached_index_stale_and_the_rebuilt_one_is_tuned_on_them_too()
    {
        using var dir = new TempDirectory();
        var generator = new ClusteredGaussianVectors(8, 20, 1f, seed: 3);
        using var store = LargeCollection(dir, generator);
        Assert.True(Searcher.PrepareIndex(store));
        var before = IvfIndex.TryLoad(store.AnnIndexPath, store.LoadSegments(SegmentKind.Segment).Vectors, store.VectorsGeneration)!;
        Assert.Equal(0, before.Tuning!.Measured.TuningQueries);

        store.ReplaceTuningQueries([.. Enumerable.Range(0, 40).Select(i => new TuningQuery($"query {i}", generator.Next()))]);
        Assert.True(Searcher.PrepareIndex(store));
        var after = IvfIndex.TryLoad(store.AnnIndexPath, store.LoadSegments(SegmentKind.Segment).Vectors, store.VectorsGeneration)!;
        Assert.Equal(40, after.Tuning!.Measured.TuningQueries);
        Assert.InRange(after.Tuning.Measured.TuningQueryRecall!.Value, 0.9, 1.0);
        Assert.False(Searcher.PrepareIndex(store));
        Assert.Equal("ivf", new Searcher(store).IndexKind);
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
