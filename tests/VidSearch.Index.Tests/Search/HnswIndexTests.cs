using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Search;

public sealed class HnswIndexTests
{
    [Theory]
    [InlineData(1f, 64)]
    [InlineData(4f, 256)]
    public void Recall_at_10_against_exact_reaches_0_95_on_clustered_and_near_uniform_vectors(float spread, int ef)
    {
        var gen = new ClusteredGaussianVectors(64, 20, spread, seed: 21);
        var store = gen.FillStore(VectorStorageType.Float32, 10_000);
        var hnsw = HnswIndex.Build(store, new HnswBuildOptions { M = 12, EfConstruction = 80 });
        double recall = IndexRecall.At10(hnsw, store, gen, 40, new VectorSearchOptions { Ef = ef });
        Assert.True(recall >= 0.95, $"recall@10 {recall}");
    }

    [Fact]
    public void A_larger_ef_finds_more_of_the_true_neighbours_than_the_smallest()
    {
        var gen = new ClusteredGaussianVectors(64, 1, 100f, seed: 22);
        var store = gen.FillStore(VectorStorageType.Float32, 8000);
        var hnsw = HnswIndex.Build(store, new HnswBuildOptions { M = 4, EfConstruction = 16 });
        double small = IndexRecall.At10(hnsw, store, new ClusteredGaussianVectors(64, 1, 100f, seed: 23), 40, new VectorSearchOptions { Ef = 10 });
        double large = IndexRecall.At10(hnsw, store, new ClusteredGaussianVectors(64, 1, 100f, seed: 23), 40, new VectorSearchOptions { Ef = 200 });
        Assert.True(large > small, $"recall@10 with ef 200 ({large}) is not above ef 10 ({small})");
    }

    [Fact]
    public void The_graph_is_the_same_for_a_seed_whatever_the_thread_count_and_differs_for_another_seed()
    {
        var gen = new ClusteredGaussianVectors(32, 10, 2f, seed: 24);
        var store = gen.FillStore(VectorStorageType.Float32, 3000);
        using var dir = new TempDirectory();
        byte[] Saved(int seed, int threads)
        {
            string path = dir.File($"{seed}-{threads}.hnsw");
            HnswIndex.Build(store, new HnswBuildOptions { Seed = seed, Threads = threads, M = 8 }).Save(path, 1);
            return File.ReadAllBytes(path);
        }

        var one = Saved(5, 1);
        Assert.Equal(one, Saved(5, 2));
        Assert.Equal(one, Saved(5, 1));
        Assert.NotEqual(one, Saved(6, 1));
    }

    [Fact]
    public void Saves_and_loads_and_refuses_stale_or_corrupt_files()
    {
        using var dir = new TempDirectory();
        var gen = new ClusteredGaussianVectors(32, 10, 1f, seed: 25);
        var store = gen.FillStore(VectorStorageType.Float16, 4000);
        var hnsw = HnswIndex.Build(store, new HnswBuildOptions { M = 8, DefaultEf = 40, TargetRecall = null });
        string path = dir.File("c.hnsw");
        hnsw.Save(path, fingerprint: 42);

        var loaded = HnswIndex.TryLoad(path, store, 42);
        Assert.NotNull(loaded);
        Assert.Equal(40, loaded.DefaultEf);
        Assert.Null(loaded.Tuning);
        for (int q = 0; q < 5; q++)
        {
            var query = gen.Next();
            Assert.Equal(hnsw.Search(query, 5), loaded.Search(query, 5));
        }

        Assert.Null(HnswIndex.TryLoad(path, store, 43));
        Assert.Null(HnswIndex.TryLoad(dir.File("missing.hnsw"), store, 42));
        Assert.Null(HnswIndex.TryLoad(path, gen.FillStore(VectorStorageType.Float16, 10), 42));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Null(HnswIndex.TryLoad(path, store, 42));

        var outOfRange = (byte[])bytes.Clone();
        const int header = 72;
        BitConverter.TryWriteBytes(outOfRange.AsSpan(header + store.Count + sizeof(int)), int.MaxValue); // node 0's first link
        Assert.Equal(bytes.Length, outOfRange.Length);
        File.WriteAllBytes(path, outOfRange);
        Assert.Null(HnswIndex.TryLoad(path, store, 42));
        File.WriteAllBytes(path, []);
        Assert.Null(HnswIndex.TryLoad(path, store, 42));
    }

    [Fact]
    public void Tuned_ef_reaches_the_target_on_fresh_queries_grows_for_less_clustered_data_and_is_saved()
    {
        int Tuned(float spread, out double freshRecall)
        {
            var gen = new ClusteredGaussianVectors(64, 20, spread, seed: 30);
            var store = gen.FillStore(VectorStorageType.Float32, 6000);
            var hnsw = HnswIndex.Build(store, new HnswBuildOptions { M = 12, EfConstruction = 80, TargetRecall = 0.95 });
            var tuning = Assert.IsType<EfTuning>(hnsw.Tuning);
            Assert.Equal(tuning.Ef, hnsw.DefaultEf);
            Assert.True(tuning.Measured.Recall >= 0.95, $"tuned recall {tuning.Measured.Recall} at ef {tuning.Ef}");
            freshRecall = IndexRecall.At10(hnsw, store, gen, 40);

            using var dir = new TempDirectory();
            hnsw.Save(dir.File("t.hnsw"), 3);
            Assert.Equal(tuning, HnswIndex.TryLoad(dir.File("t.hnsw"), store, 3)?.Tuning);
            return tuning.Ef;
        }

        int clustered = Tuned(1f, out double clusteredRecall);
        int uniform = Tuned(4f, out double uniformRecall);
        Assert.True(clusteredRecall >= 0.9, $"recall@10 at the tuned ef {clustered}: {clusteredRecall}");
        Assert.True(uniformRecall >= 0.9, $"recall@10 at the tuned ef {uniform}: {uniformRecall}");
        Assert.True(uniform > clustered, $"near-uniform data needs a larger ef ({uniform}) than clustered data ({clustered})");
    }

    [Fact]
    public void Empty_store_answers_nothing_and_k_above_the_count_returns_every_row()
    {
        var empty = HnswIndex.Build(VectorStore.Create(VectorStorageType.Float32, 8));
        Assert.Empty(empty.Search(new float[8], 3));

        var gen = new ClusteredGaussianVectors(8, 2, 1f, seed: 26);
        var store = gen.FillStore(VectorStorageType.Float32, 7);
        var hnsw = HnswIndex.Build(store);
        var hits = hnsw.Search(gen.Next(), 20);
        Assert.Equal(Enumerable.Range(0, 7), hits.Select(h => h.Position).Order());
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Fact]
    public void Finds_rows_appended_after_the_build()
    {
        var gen = new ClusteredGaussianVectors(32, 10, 1f, seed: 27);
        var store = gen.FillStore(VectorStorageType.Float32, 2000);
        var hnsw = HnswIndex.Build(store);
        var extra = gen.Next();
        store.Add(extra);
        var hit = hnsw.Search(extra, 1)[0];
        Assert.Equal(2000, hit.Position);
        Assert.Equal(1f, hit.Score, 4);
    }

    [Fact]
    public void Refuses_bad_parameters()
    {
        var store = new ClusteredGaussianVectors(8, 2, 1f, seed: 28).FillStore(VectorStorageType.Float32, 50);
        Assert.Throws<VidSearchException>(() => HnswIndex.Build(store, new HnswBuildOptions { M = 1 }));
        Assert.Throws<VidSearchException>(() => HnswIndex.Build(store, new HnswBuildOptions { EfConstruction = 0 }));
        var hnsw = HnswIndex.Build(store);
        Assert.Throws<VidSearchException>(() => hnsw.Search(new float[8], 5, new VectorSearchOptions { Ef = 0 }));
        Assert.Throws<VidSearchException>(() => hnsw.Search(new float[8], 0));
        Assert.Throws<VidSearchException>(() => hnsw.Search(new float[7], 1));
        Assert.Throws<VidSearchException>(() => hnsw.TuneEf(targetRecall: 0));
        Assert.Throws<VidSearchException>(() => HnswIndex.Build(store, new HnswBuildOptions { TargetRecall = 1.5 }));
    }

    [Fact]
    public void Build_reports_progress_and_stops_when_cancelled()
    {
        var store = new ClusteredGaussianVectors(16, 4, 1f, seed: 29).FillStore(VectorStorageType.Float32, 3000);
        var reports = new List<WorkProgress>();
        HnswIndex.Build(store, null, new SynchronousProgress(reports.Add));
        var build = reports.Where(r => r.Task == "hnsw build").ToList();
        Assert.Equal(3000, build[^1].Done);
        Assert.True(build.Count > 2, $"{build.Count} progress reports");
        Assert.All(build, r => Assert.Equal(3000, r.Total));

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => HnswIndex.Build(store, null, null, cancelled.Token));
    }

    private sealed class SynchronousProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
