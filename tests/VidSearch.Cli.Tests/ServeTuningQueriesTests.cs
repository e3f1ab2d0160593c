using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;

namespace VidSearch.Cli.Tests;

/// <summary>`serve` (here through `bench serve`, which opens the collection the same way) on a collection indexed before tuning queries existed.</summary>
[Collection(nameof(ConsoleCapture))]
public class ServeTuningQueriesTests(TinyWorld world)
{
    [Fact]
    public async Task Serving_a_large_collection_without_tuning_queries_embeds_them_with_its_model()
    {
        string db = world.Temp("large-without-tuning-queries.db");
        using (var opened = Infrastructure.ModelWiring.LoadModel(world.Model))
        {
            var clip = opened.Model;
            int dim = ((IImageEncoder)clip).EmbeddingDim;
            var vectors = new ClusteredGaussianVectors(dim, 50, 1f, seed: 8);
            var segments = Enumerable.Range(0, VectorIndexFactory.ApproximateThreshold)
                .Select(i => new SegmentRecord(i, i + 1, SegmentKind.Segment, vectors.Next())).ToList();
            using var store = CollectionStore.OpenOrCreate(db, new CollectionInfo(clip.ModelId, clip.Preprocess, dim, VectorStorageType.Float16));
            store.SaveVideo("/videos/long.mp4", new FileIdentity(1, 1, "long"), segments.Count, segments, []);
            store.SetModelSource(world.Model);
            Assert.Empty(store.TuningQueries());
        }

        var (code, _, error) = await EndToEndTests.Run("bench", "serve", "--collection", db, "--requests", "4", "--concurrency", "1");
        Assert.True(code == 0, error);
        using var reopened = CollectionStore.Open(db);
        var queries = reopened.TuningQueries();
        Assert.Equal(VidSearch.Index.Indexing.TuningQueries.Texts(reopened), queries.Select(q => q.Text));
        var dog = EndToEndTests.Embedding((await EndToEndTests.Run("embed", "--json", "--model", world.Model, "--text", "a dog running on the grass")).Out);
        Assert.Equal(dog, queries.Single(q => q.Text == "a dog running on the grass").Vector, (x, y) => Math.Abs(x - y) < 1e-5f);
    }
}
