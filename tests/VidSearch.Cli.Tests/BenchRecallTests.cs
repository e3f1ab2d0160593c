using System.Text.Json;
using VidSearch.Benchmarks.Search;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;

namespace VidSearch.Cli.Tests;

/// <summary>`vidsearch bench recall`: a collection's approximate index on real text queries, with and without its tuning queries.</summary>
[Collection(nameof(ConsoleCapture))]
public class BenchRecallTests(TinyWorld world)
{
    [Fact]
    public void Text_like_queries_get_the_target_only_from_the_index_tuned_on_tuning_queries_and_the_gap_shows()
    {
        const int Dim = 64;
        var data = new ClusteredGaussianVectors(Dim, 20, 1f, seed: 5);
        var store = data.FillStore(VectorStorageType.Float32, 20_000);
        var offset = new ClusteredGaussianVectors(Dim, 1, 0, seed: 99).Next();
        float[][] Shifted(int count) => Enumerable.Range(0, count).Select(_ =>
        {
            var query = data.Next();
            for (int d = 0; d < Dim; d++)
            {
                query[d] += 3 * offset[d];
            }

            return VectorMath.Normalized(query);
        }).ToArray();
        var tuning = Shifted(128);
        var measured = Shifted(100);

        var report = CollectionRecallBenchmark.Run(store, measured, tuning, new CollectionRecallOptions { Index = VectorIndexChoice.Ivf });

        Assert.Equal((20_000, Dim, 100, 10, 128), (report.Vectors, report.Dim, report.Queries, report.K, report.TuningQueries));
        Assert.Equal(["stored vectors", "stored vectors + 128 tuning queries"], report.Indexes.Select(r => r.Tuning));
        Assert.All(report.Indexes, r => Assert.Equal("ivf", r.Kind));
        var (storedOnly, withTuning) = (report.Indexes[0], report.Indexes[1]);
        Assert.True(storedOnly.RecallAtK < 0.9, $"tuned on stored vectors: {storedOnly.RecallAtK} at {storedOnly.Setting} (the premise)");
        Assert.True(withTuning.RecallAtK >= 0.92, $"tuned on tuning queries too: {withTuning.RecallAtK} at {withTuning.Setting}");
        Assert.Equal(128, withTuning.Measured!.TuningQueries);
        Assert.Equal(0, storedOnly.Measured!.TuningQueries);

        // The recall is the index's own: searching again with its tuned setting gives the same figure.
        var ivf = IvfIndex.Build(store, new IvfBuildOptions { TuningQueries = tuning });
        Assert.Equal(withTuning.Setting, VectorIndexFactory.SettingOf(ivf).Setting);
        var exact = new ExactVectorIndex(store);
        double recall = measured.Average(q =>
        {
            var truth = exact.Search(q, 10).Select(h => h.Position).ToHashSet();
            return ivf.Search(q, 10).Count(h => truth.Contains(h.Position)) / 10.0;
        });
        Assert.Equal(recall, withTuning.RecallAtK, 6);

        // Shifted queries are much farther from their nearest stored vector than stored vectors are from theirs.
        Assert.True(report.QueryTop1Similarity < report.StoredTop1Similarity - 0.2, $"{report.QueryTop1Similarity} vs {report.StoredTop1Similarity}");
    }

    [Fact]
    public async Task Measures_a_collection_on_a_query_file_with_the_collection_model_and_refuses_bad_input()
    {
        string folder = world.VideoFolder("recall-videos", 3);

        string db = world.Temp("recall.db");
        var (code, _, error) = await EndToEndTests.Run("index", folder, "--collection", db, "--model", world.Model, "--strategy", "uniform:3");
        Assert.True(code == 0, error);
        string queries = world.Temp("recall-queries.txt");
        File.WriteAllLines(queries, ["a red circle moves left", "", "a blue square", "  ", "a green triangle grows"]);

        string output;
        (code, output, error) = await EndToEndTests.Run("bench", "recall", "--collection", db, "--queries", queries, "--index", "ivf", "--json");
        Assert.True(code == 0, error);
        using (var doc = JsonDocument.Parse(output))
        {
            var root = doc.RootElement;
            using var store = CollectionStore.Open(db);
            Assert.Equal(store.SegmentCount(SegmentKind.Segment), root.GetProperty("vectors").GetInt32());
            Assert.Equal(3, root.GetProperty("queries").GetInt32());
            Assert.Equal(store.TuningQueries().Count, root.GetProperty("tuningQueries").GetInt32());
            var rows = root.GetProperty("indexes").EnumerateArray().ToList();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.Equal("ivf", r.GetProperty("kind").GetString()));
            Assert.All(rows, r => Assert.InRange(r.GetProperty("recallAtK").GetDouble(), 0, 1));
        }

        (code, output, error) = await EndToEndTests.Run("bench", "recall", "--collection", db, "--queries", queries, "--index", "binary");
        Assert.True(code == 0, error);
        Assert.Contains("stored vectors + ", output);
        Assert.Contains("candidates=", output);

        (code, _, error) = await EndToEndTests.Run("bench", "recall", "--collection", db, "--queries", world.Temp("no-queries.txt"));
        Assert.Equal(3, code);
        Assert.Contains("no-queries.txt", error);
        string blank = world.Temp("blank-queries.txt");
        File.WriteAllLines(blank, ["", "   "]);
        (code, _, error) = await EndToEndTests.Run("bench", "recall", "--collection", db, "--queries", blank);
        Assert.NotEqual(0, code);
        Assert.Contains("holds no query", error);
        (code, _, error) = await EndToEndTests.Run("bench", "recall", "--collection", db, "--queries", queries, "--index", "exact");
        Assert.Equal(2, code);
        Assert.Contains("--index", error);
        (code, _, error) = await EndToEndTests.Run("bench", "recall", "--collection", db, "--queries", queries, "-k", "0");
        Assert.Equal(2, code);
        Assert.Contains("k must be", error);
    }
}
