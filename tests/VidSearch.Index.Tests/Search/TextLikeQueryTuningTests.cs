using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Search;

/// <summary>
/// Text queries sit apart from the image embeddings they search (CLIP's modality gap, close to one constant offset):
/// here every query is a fresh draw of the data's distribution shifted by 3 x one fixed unit vector. A setting tuned on
/// stored vectors alone misses the target for such queries; tuned on a sample of them too, it reaches it.
/// </summary>
public sealed class TextLikeQueryTuningTests
{
    private const int Dim = 64;

    private static readonly ClusteredGaussianVectors Data = new(Dim, 20, 1f, seed: 5);
    private static readonly VectorStore Store = Data.FillStore(VectorStorageType.Float32, 20_000);
    private static readonly float[] Offset = new ClusteredGaussianVectors(Dim, 1, 0, seed: 99).Next();
    private static readonly float[][] TuningQueries = ShiftedDraws(128);
    private static readonly float[][] FreshQueries = ShiftedDraws(100);

    private static float[][] ShiftedDraws(int count)
    {
        lock (Data)
        {
            return Enumerable.Range(0, count).Select(_ =>
            {
                var query = Data.Next();
                for (int d = 0; d < Dim; d++)
                {
                    query[d] += 3 * Offset[d];
                }

                return VectorMath.Normalized(query);
            }).ToArray();
        }
    }

    public static TheoryData<string> Kinds => ["ivf", "hnsw", "binary"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_index_tuned_on_text_like_queries_too_reaches_the_target_on_fresh_ones(string kind)
    {
        var (storedOnly, storedOnlySetting, _) = Tuned(kind, null);
        var (withQueries, setting, measured) = Tuned(kind, TuningQueries);

        double before = IndexRecall.At10(storedOnly, Store, FreshQueries);
        double after = IndexRecall.At10(withQueries, Store, FreshQueries);
        Assert.True(before < 0.9, $"{kind}: tuned on stored vectors only, fresh shifted queries reached {before} at {storedOnlySetting} (the premise)");
        Assert.True(after >= 0.92, $"{kind}: tuned on 128 shifted queries too, fresh ones reached {after} at {setting}");
        Assert.True(setting > storedOnlySetting, $"{kind}: {setting} vs {storedOnlySetting}");
        Assert.Equal(128, measured.TuningQueries);
        Assert.True(measured.TuningQueryRecall >= 0.95, $"{kind}: recall on the tuning queries {measured.TuningQueryRecall}");
        Assert.True(measured.Recall >= 0.95, $"{kind}: recall on stored vectors {measured.Recall}");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Tuning_queries_of_another_dimension_are_refused_with_the_index_named(string kind)
    {
        var error = Assert.Throws<VidSearchException>(() => Tuned(kind, [new float[Dim + 1]]));
        Assert.Contains(kind, error.Message);
        Assert.Contains($"{Dim + 1} dimensions", error.Message);
    }

    [Fact]
    public void The_tuning_and_its_recall_on_tuning_queries_survive_a_save_and_load()
    {
        using var dir = new TempDirectory();
        var ivf = IvfIndex.Build(Store, new IvfBuildOptions { TuningQueries = TuningQueries });
        ivf.Save(dir.File("c.ivf"), 7);
        Assert.Equal(ivf.Tuning, IvfIndex.TryLoad(dir.File("c.ivf"), Store, 7)!.Tuning);
        var hnsw = HnswIndex.Build(Store, new HnswBuildOptions { TuningQueries = TuningQueries });
        hnsw.Save(dir.File("c.hnsw"), 7);
        Assert.Equal(hnsw.Tuning, HnswIndex.TryLoad(dir.File("c.hnsw"), Store, 7)!.Tuning);
        var codes = BinaryCodeIndex.Build(Store, new BinaryBuildOptions { TuningQueries = TuningQueries });
        codes.Save(dir.File("c.codes"), 7);
        Assert.Equal(codes.Tuning, BinaryCodeIndex.TryLoad(dir.File("c.codes"), Store, 7)!.Tuning);
        Assert.Equal(128, codes.Tuning!.Measured.TuningQueries);
    }

    private static (IVectorIndex Index, int Setting, TuningMeasurement Measured) Tuned(string kind, IReadOnlyList<float[]>? tuningQueries)
    {
        switch (kind)
        {
            case "ivf":
                var ivf = IvfIndex.Build(Store, new IvfBuildOptions { TargetRecall = null });
                var nprobe = ivf.Tune(tuningQueries: tuningQueries);
                return (ivf, nprobe.Nprobe, nprobe.Measured);
            case "hnsw":
                var hnsw = HnswIndex.Build(Store, new HnswBuildOptions { TargetRecall = null });
                var ef = hnsw.TuneEf(tuningQueries: tuningQueries);
                return (hnsw, ef.Ef, ef.Measured);
            default:
                var codes = BinaryCodeIndex.Build(Store, new BinaryBuildOptions { TargetRecall = null });
                var candidates = codes.Tune(tuningQueries: tuningQueries);
                return (codes, candidates.Candidates, candidates.Measured);
        }
    }
}
