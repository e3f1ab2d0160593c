using System.Numerics.Tensors;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Search;

public sealed class VectorIndexTests
{
    [Fact]
    public void TopK_keeps_the_best_scores_in_order()
    {
        var random = new Random(5);
        var scores = Enumerable.Range(0, 1000).Select(_ => (float)random.NextDouble()).ToArray();
        var top = new TopK(10);
        top.AddRange(0, scores);
        var expected = scores.Select((s, i) => (s, i)).OrderByDescending(p => p.s).ThenBy(p => p.i).Take(10).Select(p => p.i);
        Assert.Equal(expected, top.ToSortedArray().Select(h => h.Position));
    }

    [Fact]
    public void TopK_with_fewer_items_than_k_returns_them_all_and_ignores_nan()
    {
        var top = new TopK(5);
        top.Add(1, 0.5f);
        top.Add(2, float.NaN);
        top.Add(3, 0.7f);
        Assert.Equal([3, 1], top.ToSortedArray().Select(h => h.Position));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Exact_search_equals_brute_force(int threads)
    {
        var gen = new ClusteredGaussianVectors(48, 20, 1f, seed: 6);
        var store = gen.FillStore(VectorStorageType.Float32, 9000);
        var index = new ExactVectorIndex(store);
        var query = gen.Next();
        var hits = index.Search(query, 7, new VectorSearchOptions { Threads = threads });
        var expected = Enumerable.Range(0, store.Count).OrderByDescending(i => TensorPrimitives.Dot(query, store.Get(i))).Take(7);
        Assert.Equal(expected, hits.Select(h => h.Position));
        Assert.Equal(TensorPrimitives.Dot(query, store.Get(hits[0].Position)), hits[0].Score, 5);
    }

    [Fact]
    public void Exact_search_rejects_bad_k_and_dimension()
    {
        var index = new ExactVectorIndex(VectorStore.Create(VectorStorageType.Float32, 4));
        Assert.Throws<VidSearchException>(() => index.Search(new float[4], 0));
        Assert.Throws<VidSearchException>(() => index.Search(new float[3], 1));
        Assert.Empty(index.Search(new float[4], 3));
    }

    [Fact]
    public void Ivf_recall_at_10_on_clustered_vectors_is_high_and_nprobe_all_is_exact()
    {
        var gen = new ClusteredGaussianVectors(64, 50, 1f, seed: 7);
        var store = gen.FillStore(VectorStorageType.Float32, 20_000);
        var ivf = IvfIndex.Build(store, new IvfBuildOptions { Lists = 64, Iterations = 6 });
        var exact = new ExactVectorIndex(store);
        double recall = 0;
        double recallAll = 0;
        const int queries = 30;
        for (int q = 0; q < queries; q++)
        {
            var query = gen.Next();
            var truth = exact.Search(query, 10).Select(h => h.Position).ToHashSet();
            recall += ivf.Search(query, 10, new VectorSearchOptions { Nprobe = 8 }).Count(h => truth.Contains(h.Position)) / 10.0;
            recallAll += ivf.Search(query, 10, new VectorSearchOptions { Nprobe = 64, RerankCandidates = 400 }).Count(h => truth.Contains(h.Position)) / 10.0;
        }

        Assert.True(recall / queries >= 0.9, $"recall@10 {recall / queries}");
        Assert.True(recallAll / queries >= 0.99, $"recall@10 with every list probed {recallAll / queries}");
    }

    [Fact]
    public void Ivf_tuned_nprobe_reaches_the_target_on_fresh_queries_and_grows_when_the_data_is_less_clustered()
    {
        int Tuned(float spread, out double freshRecall)
        {
            var gen = new ClusteredGaussianVectors(64, 40, spread, seed: 11);
            var store = gen.FillStore(VectorStorageType.Float32, 12_000);
            var ivf = IvfIndex.Build(store, new IvfBuildOptions { Lists = 64, Iterations = 6, TargetRecall = 0.95 });
            var tuning = Assert.IsType<NprobeTuning>(ivf.Tuning);
            Assert.Equal(tuning.Nprobe, ivf.DefaultNprobe);
            Assert.True(tuning.Measured.Recall >= 0.95 || tuning.Nprobe == ivf.ListCount, $"tuned recall {tuning.Measured.Recall} at nprobe {tuning.Nprobe}");
            var exact = new ExactVectorIndex(store);
            double sum = 0;
            const int queries = 40;
            for (int q = 0; q < queries; q++)
            {
                var query = gen.Next();
                var truth = exact.Search(query, 10).Select(h => h.Position).ToHashSet();
                sum += ivf.Search(query, 10).Count(h => truth.Contains(h.Position)) / 10.0;
            }

            freshRecall = sum / queries;
            return tuning.Nprobe;
        }

        int clustered = Tuned(1f, out double clusteredRecall);
        int weak = Tuned(4f, out double weakRecall);
        Assert.True(clusteredRecall >= 0.9, $"recall@10 at the tuned nprobe {clustered}: {clusteredRecall}");
        Assert.True(weakRecall >= 0.9, $"recall@10 at the tuned nprobe {weak}: {weakRecall}");
        Assert.True(weak > clustered, $"weakly clustered data needs more probes ({weak}) than clustered data ({clustered})");
    }

    [Fact]
    public void Ivf_tuning_is_saved_and_refuses_absurd_settings()
    {
        using var dir = new TempDirectory();
        var gen = new ClusteredGaussianVectors(32, 10, 2f, seed: 12);
        var store = gen.FillStore(VectorStorageType.Float32, 3000);
        var ivf = IvfIndex.Build(store, new IvfBuildOptions { Lists = 30, TargetRecall = 0.99 });
        string path = dir.File("t.ivf");
        ivf.Save(path, fingerprint: 5);
        var loaded = IvfIndex.TryLoad(path, store, 5);
        Assert.NotNull(loaded);
        Assert.Equal(ivf.Tuning, loaded.Tuning);
        Assert.Equal(ivf.DefaultNprobe, loaded.DefaultNprobe);

        var untuned = IvfIndex.Build(store, new IvfBuildOptions { Lists = 30, TargetRecall = null });
        Assert.Null(untuned.Tuning);
        Assert.Equal(8, untuned.DefaultNprobe);
        Assert.Throws<VidSearchException>(() => untuned.Tune(targetRecall: 1.5));
        Assert.Throws<VidSearchException>(() => untuned.Tune(k: 0));
    }

    [Fact]
    public void Ivf_finds_rows_appended_after_the_build()
    {
        var gen = new ClusteredGaussianVectors(32, 10, 1f, seed: 8);
        var store = gen.FillStore(VectorStorageType.Float32, 3000);
        var ivf = IvfIndex.Build(store, new IvfBuildOptions { Lists = 16 });
        var extra = gen.Next();
        store.Add(extra);
        var hit = ivf.Search(extra, 1)[0];
        Assert.Equal(3000, hit.Position);
        Assert.Equal(1f, hit.Score, 4);
    }

    [Fact]
    public void Ivf_saves_and_loads_and_refuses_stale_or_corrupt_files()
    {
        using var dir = new TempDirectory();
        var gen = new ClusteredGaussianVectors(32, 10, 1f, seed: 9);
        var store = gen.FillStore(VectorStorageType.Float16, 4000);
        var ivf = IvfIndex.Build(store, new IvfBuildOptions { Lists = 20 });
        string path = dir.File("c.ivf");
        ivf.Save(path, fingerprint: 42);

        var loaded = IvfIndex.TryLoad(path, store, 42);
        Assert.NotNull(loaded);
        var query = gen.Next();
        Assert.Equal(ivf.Search(query, 5), loaded.Search(query, 5));

        Assert.Null(IvfIndex.TryLoad(path, store, 43));
        Assert.Null(IvfIndex.TryLoad(dir.File("missing.ivf"), store, 42));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Null(IvfIndex.TryLoad(path, store, 42));
        File.WriteAllBytes(path, []);
        Assert.Null(IvfIndex.TryLoad(path, store, 42));
    }

    [Fact]
    public void Factory_chooses_by_size_unless_forced_and_rebuilds_a_stale_cache()
    {
        using var dir = new TempDirectory();
        var gen = new ClusteredGaussianVectors(16, 4, 1f, seed: 10);
        var store = gen.FillStore(VectorStorageType.Float32, 500);
        string path = dir.File("c.ivf");
        Assert.Equal("exact", VectorIndexFactory.Open(store, VectorIndexChoice.Auto, path, 1).Kind);
        Assert.False(File.Exists(path));
        Assert.Equal("ivf", VectorIndexFactory.Open(store, VectorIndexChoice.Ivf, path, 1).Kind);
        Assert.True(File.Exists(path));
        Assert.NotNull(IvfIndex.TryLoad(path, store, 1));
        VectorIndexFactory.Open(store, VectorIndexChoice.Ivf, path, 2);
        Assert.NotNull(IvfIndex.TryLoad(path, store, 2));
        Assert.Equal(VectorIndexChoice.Exact, VectorIndexFactory.ParseChoice("exact"));
        Assert.Throws<VidSearchException>(() => VectorIndexFactory.ParseChoice("fast"));
    }

    [Fact]
    public void Factory_opens_hnsw_when_asked_caches_it_beside_the_ivf_file_and_rebuilds_a_stale_or_corrupt_one()
    {
        using var dir = new TempDirectory();
        var gen = new ClusteredGaussianVectors(16, 4, 1f, seed: 13);
        var store = gen.FillStore(VectorStorageType.Float32, 800);
        string path = dir.File("c.db.ivf");
        string graphPath = dir.File("c.db.hnsw");
        Assert.Equal(graphPath, VectorIndexFactory.CachePath(path, "hnsw"));
        Assert.Equal(VectorIndexChoice.Hnsw, VectorIndexFactory.ParseChoice(" HNSW "));
        Assert.Equal(VectorIndexChoice.Ivf, VectorIndexFactory.ParseChoice("ivf"));

        Assert.Equal("hnsw", VectorIndexFactory.Open(store, VectorIndexChoice.Hnsw, path, 1).Kind);
        Assert.True(File.Exists(graphPath));
        Assert.False(File.Exists(path));
        Assert.NotNull(HnswIndex.TryLoad(graphPath, store, 1));

        File.WriteAllBytes(graphPath, [1, 2, 3]);
        var rebuilt = VectorIndexFactory.Open(store, VectorIndexChoice.Hnsw, path, 1);
        Assert.Equal("hnsw", rebuilt.Kind);
        Assert.NotNull(HnswIndex.TryLoad(graphPath, store, 1));
        VectorIndexFactory.Open(store, VectorIndexChoice.Hnsw, path, 2);
        Assert.NotNull(HnswIndex.TryLoad(graphPath, store, 2));
        Assert.Null(HnswIndex.TryLoad(graphPath, store, 1));
    }

    [Theory]
    [InlineData("approximate")]
    [InlineData("ann")]
    public void Approximate_is_chosen_from_the_data_and_auto_chooses_it_above_the_threshold(string name)
    {
        var choice = VectorIndexFactory.ParseChoice(name);
        Assert.Equal(VectorIndexChoice.Approximate, choice);
        Assert.Equal(VectorIndexFactory.ChosenFromData, VectorIndexFactory.KindFor(choice, 10));
        Assert.Equal(VectorIndexFactory.ChosenFromData, VectorIndexFactory.KindFor(VectorIndexChoice.Auto, VectorIndexFactory.ApproximateThreshold));
        Assert.Equal("exact", VectorIndexFactory.KindFor(VectorIndexChoice.Auto, VectorIndexFactory.ApproximateThreshold - 1));
        Assert.Equal("ivf", VectorIndexFactory.KindFor(VectorIndexChoice.Ivf, 10));
        Assert.Equal("hnsw", VectorIndexFactory.KindFor(VectorIndexChoice.Hnsw, 10));
    }

    [Fact]
    public void Approximate_keeps_ivf_on_clustered_data_and_takes_binary_codes_where_ivf_must_probe_most_lists()
    {
        using var dir = new TempDirectory();
        string path = dir.File("c.db.ivf");
        var clustered = new ClusteredGaussianVectors(128, 40, 1f, seed: 40).FillStore(VectorStorageType.Float32, 50_000);
        var lists = VectorIndexFactory.Open(clustered, VectorIndexChoice.Approximate, path, 1);
        Assert.Equal("ivf", lists.Kind);
        Assert.True(((IvfIndex)lists).EstimatedQueryBytes < BinaryCodeIndex.ScanBytes(50_000, 128));
        Assert.False(File.Exists(VectorIndexFactory.CachePath(path, "binary")));

        var uniform = new ClusteredGaussianVectors(128, 1, 100f, seed: 41).FillStore(VectorStorageType.Float32, 20_000);
        var codes = VectorIndexFactory.Open(uniform, VectorIndexChoice.Approximate, path, 2);
        Assert.Equal("binary", codes.Kind);
        var ivf = IvfIndex.TryLoad(path, uniform, 2);
        Assert.NotNull(ivf);
        Assert.True(((BinaryCodeIndex)codes).EstimatedQueryBytes < ivf!.EstimatedQueryBytes);
        Assert.True(ivf.DefaultNprobe * 4 > ivf.ListCount, $"nprobe {ivf.DefaultNprobe} of {ivf.ListCount}");

        var written = File.GetLastWriteTimeUtc(VectorIndexFactory.CachePath(path, "binary"));
        Assert.Equal("binary", VectorIndexFactory.Open(uniform, VectorIndexChoice.Approximate, path, 2, tuningQueries: null, progress: null, default, out bool built).Kind);
        Assert.False(built);
        Assert.Equal(written, File.GetLastWriteTimeUtc(VectorIndexFactory.CachePath(path, "binary")));
    }

    [Theory]
    [InlineData(VectorStorageType.Float32, 1)]
    [InlineData(VectorStorageType.Float32, 2)]
    [InlineData(VectorStorageType.Float16, 2)]
    [InlineData(VectorStorageType.Int8, 2)]
    public void A_batch_of_exact_searches_gives_each_query_s_own_answer(VectorStorageType type, int threads)
    {
        var gen = new ClusteredGaussianVectors(24, 5, 1f, seed: 31);
        var store = gen.FillStore(type, 9000);
        var queries = Enumerable.Range(0, 7).Select(_ => gen.Next()).ToArray();
        var batch = ExactVectorIndex.SearchRangeMany(store, queries, 100, 8999, 12, threads);
        Assert.Equal(queries.Length, batch.Length);
        for (int q = 0; q < queries.Length; q++)
        {
            Assert.Equal(ExactVectorIndex.SearchRange(store, queries[q], 100, 8999, 12, threads), batch[q]);
        }

        Assert.All(ExactVectorIndex.SearchRangeMany(store, queries, 5, 5, 3, threads), Assert.Empty);
        Assert.Throws<VidSearchException>(() => ExactVectorIndex.SearchRangeMany(store, [new float[3]], 0, 10, 3, threads));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    public void Approximate_on_a_tiny_store_answers_what_exact_search_answers(int count)
    {
        using var dir = new TempDirectory();
        var gen = new ClusteredGaussianVectors(96, 1, 100f, seed: 50);
        var store = gen.FillStore(VectorStorageType.Float32, count);
        var index = VectorIndexFactory.Open(store, VectorIndexChoice.Approximate, dir.File("c.db.ivf"), 1);
        var query = gen.Next();
        Assert.Equal(new ExactVectorIndex(store).Search(query, 5).Select(h => h.Position), index.Search(query, 5).Select(h => h.Position));
        Assert.Equal(index.Kind, VectorIndexFactory.Open(store, VectorIndexChoice.Approximate, dir.File("c.db.ivf"), 1).Kind);
    }
}
