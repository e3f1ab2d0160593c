using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Search;

public sealed class BinaryCodeIndexTests
{
    private static ClusteredGaussianVectors Uniform(int dim, int seed) => new(dim, 1, 100f, seed);

    [Fact]
    public void On_uniform_vectors_recall_grows_with_the_candidates_and_is_exact_when_all_are_rescored()
    {
        var store = Uniform(128, 1).FillStore(VectorStorageType.Float32, 20_000);
        var index = BinaryCodeIndex.Build(store, new BinaryBuildOptions { TargetRecall = null });
        double few = IndexRecall.At10(index, store, Uniform(128, 2), 30, new VectorSearchOptions { RerankCandidates = 20 });
        double many = IndexRecall.At10(index, store, Uniform(128, 2), 30, new VectorSearchOptions { RerankCandidates = 1000 });
        double all = IndexRecall.At10(index, store, Uniform(128, 2), 30, new VectorSearchOptions { RerankCandidates = 20_000 });
        Assert.True(many >= 0.9, $"recall@10 with 1000 of 20000 candidates re-scored: {many}");
        Assert.True(many > few + 0.2, $"recall@10 {many} with 1000 candidates is not well above {few} with 20");
        Assert.Equal(1.0, all);
    }

    [Fact]
    public void The_estimate_ranks_better_than_chance()
    {
        // 200 candidates of 20000 is 1 %: a random choice would find 0.1 of the true neighbours.
        var store = Uniform(256, 3).FillStore(VectorStorageType.Float32, 20_000);
        var index = BinaryCodeIndex.Build(store, new BinaryBuildOptions { TargetRecall = null });
        double recall = IndexRecall.At10(index, store, Uniform(256, 4), 30, new VectorSearchOptions { RerankCandidates = 200 });
        Assert.True(recall >= 0.5, $"recall@10 {recall}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_warm_started_scan_finds_the_same_candidates_as_a_cold_one(int threads)
    {
        var store = Uniform(64, 5).FillStore(VectorStorageType.Float32, 70_000);
        var index = BinaryCodeIndex.Build(store, new BinaryBuildOptions { TargetRecall = null });
        var queries = Uniform(64, 6);
        for (int q = 0; q < 5; q++)
        {
            var query = queries.Next();
            var warm = index.Candidates(query, 4000, threads).Select(h => h.Position).Order();
            var cold = index.Candidates(query, 4000, threads, warmStart: false).Select(h => h.Position).Order();
            Assert.Equal(cold, warm);
        }
    }

    [Fact]
    public void Tuning_reaches_the_target_on_stored_queries_and_about_it_on_fresh_ones()
    {
        var store = Uniform(96, 7).FillStore(VectorStorageType.Float32, 15_000);
        var index = BinaryCodeIndex.Build(store, new BinaryBuildOptions { TargetRecall = 0.95 });
        Assert.NotNull(index.Tuning);
        Assert.True(index.Tuning!.Measured.Recall >= 0.95, $"tuned recall {index.Tuning.Measured.Recall}");
        Assert.Equal(index.Tuning.Candidates, index.DefaultCandidates);
        Assert.InRange(index.DefaultCandidates, 11, 15_000);
        double fresh = IndexRecall.At10(index, store, Uniform(96, 8), 40);
        Assert.True(fresh >= 0.9, $"recall@10 on fresh queries {fresh} with {index.DefaultCandidates} candidates");
    }

    [Fact]
    public void The_ranks_of_the_true_neighbours_give_the_recall_the_search_itself_finds()
    {
        var store = Uniform(64, 17).FillStore(VectorStorageType.Float32, 20_000);
        var index = BinaryCodeIndex.Build(store, new BinaryBuildOptions { TargetRecall = null });
        var rows = HeldOutRecall.SampleRows(store.Count, 30, seed: 5);
        var byRanks = HeldOutRecall.OfCandidateRanks(store, store.Count, rows, null, 10, index.CandidateRanks, 2, default);
        var bySearch = HeldOutRecall.OfSearch(store, store.Count, rows, null, 10, (candidates, query, row) =>
            index.Search(query, 11, new VectorSearchOptions { RerankCandidates = candidates + 1 }).Select(h => h.Position).Where(p => p != row).Take(10), 2, default);
        foreach (int candidates in new[] { 10, 40, 150, 600, 2500 })
        {
            Assert.Equal(bySearch.At(candidates), byRanks.At(candidates), 12);
        }

        Assert.True(byRanks.At(10) < byRanks.At(600), $"{byRanks.At(10)} vs {byRanks.At(600)}");
    }

    [Theory]
    [InlineData(VectorStorageType.Float16)]
    [InlineData(VectorStorageType.Int8)]
    public void Works_over_every_storage_type(VectorStorageType type)
    {
        var store = new ClusteredGaussianVectors(48, 10, 1f, seed: 9).FillStore(type, 3000);
        var index = BinaryCodeIndex.Build(store, new BinaryBuildOptions { TargetRecall = null });
        double recall = IndexRecall.At10(index, store, new ClusteredGaussianVectors(48, 10, 1f, seed: 9), 20, new VectorSearchOptions { RerankCandidates = 300 });
        Assert.True(recall >= 0.9, $"recall@10 {recall} over {type}");
    }

    [Fact]
    public void Rows_added_after_the_build_are_searched_exactly()
    {
        var gen = Uniform(32, 10);
        var store = gen.FillStore(VectorStorageType.Float32, 2000);
        var index = BinaryCodeIndex.Build(store, new BinaryBuildOptions { TargetRecall = null });
        var query = gen.Next();
        store.Add(query);
        var hits = index.Search(query, 5, new VectorSearchOptions { RerankCandidates = 10 });
        Assert.Equal(2000, hits[0].Position);
        Assert.Equal(2000, index.BuiltCount);
        Assert.Equal(2001, index.Count);
    }

    [Fact]
    public void Saved_codes_load_back_with_the_same_answers_and_a_stale_or_damaged_file_reads_as_null()
    {
        using var dir = new TempDirectory();
        var gen = Uniform(40, 11);
        var store = gen.FillStore(VectorStorageType.Float32, 5000);
        var index = BinaryCodeIndex.Build(store);
        string path = dir.File("c.codes");
        index.Save(path, 42);
        var loaded = BinaryCodeIndex.TryLoad(path, store, 42);
        Assert.NotNull(loaded);
        Assert.Equal(index.Tuning, loaded!.Tuning);
        for (int q = 0; q < 5; q++)
        {
            var query = gen.Next();
            Assert.Equal(index.Search(query, 10), loaded.Search(query, 10));
        }

        Assert.Null(BinaryCodeIndex.TryLoad(path, store, 43));
        Assert.Null(BinaryCodeIndex.TryLoad(path, Uniform(41, 1).FillStore(VectorStorageType.Float32, 5000), 42));
        Assert.Null(BinaryCodeIndex.TryLoad(dir.File("missing.codes"), store, 42));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^1]);
        Assert.Null(BinaryCodeIndex.TryLoad(path, store, 42));
        File.WriteAllBytes(path, [.. bytes, 0]);
        Assert.Null(BinaryCodeIndex.TryLoad(path, store, 42));
    }

    [Fact]
    public void Absurd_arguments_are_refused_with_the_argument_named()
    {
        var store = Uniform(16, 12).FillStore(VectorStorageType.Float32, 100);
        var index = BinaryCodeIndex.Build(store);
        Assert.Contains("k", Assert.Throws<VidSearchException>(() => index.Search(new float[16], 0)).Message);
        Assert.Contains("query", Assert.Throws<VidSearchException>(() => index.Search(new float[15], 3)).Message);
        Assert.Contains("candidates", Assert.Throws<VidSearchException>(() => index.Search(new float[16], 3, new VectorSearchOptions { RerankCandidates = 0 })).Message);
        Assert.Throws<VidSearchException>(() => BinaryCodeIndex.Build(store, new BinaryBuildOptions { Rounds = 0 }));
        Assert.Empty(BinaryCodeIndex.Build(VectorStore.Create(VectorStorageType.Float32, 16)).Search(new float[16], 3));
    }

    [Fact]
    public void Factory_opens_binary_codes_when_asked_and_caches_them_beside_the_ivf_file()
    {
        using var dir = new TempDirectory();
        var store = Uniform(16, 13).FillStore(VectorStorageType.Float32, 800);
        string path = dir.File("c.db.ivf");
        string codesPath = dir.File("c.db.codes");
        Assert.Equal(VectorIndexChoice.Binary, VectorIndexFactory.ParseChoice("Binary"));
        Assert.Equal("binary", VectorIndexFactory.KindFor(VectorIndexChoice.Binary, 10));
        Assert.Equal(codesPath, VectorIndexFactory.CachePath(path, "binary"));
        Assert.Equal("binary", VectorIndexFactory.Open(store, VectorIndexChoice.Binary, path, 1).Kind);
        Assert.True(File.Exists(codesPath));
        Assert.False(File.Exists(path));
        Assert.NotNull(BinaryCodeIndex.TryLoad(codesPath, store, 1));
        VectorIndexFactory.Open(store, VectorIndexChoice.Binary, path, 2);
        Assert.Null(BinaryCodeIndex.TryLoad(codesPath, store, 1));
        Assert.NotNull(BinaryCodeIndex.TryLoad(codesPath, store, 2));
    }
}
