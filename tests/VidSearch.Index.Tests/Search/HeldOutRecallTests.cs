using VidSearch.Index.Search;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Tests.Search;

public sealed class HeldOutRecallTests
{
    private static readonly VectorStore Store = new ClusteredGaussianVectors(16, 1, 100f, seed: 21).FillStore(VectorStorageType.Float32, 400);

    /// <summary>Even rows find all 10 neighbours within 5 candidates, odd rows half of them; all are found within 11.</summary>
    private static HeldOutRecall HalfFoundOnOddRows(int[] rows)
        => HeldOutRecall.OfCandidateRanks(Store, Store.Count, rows, null, 10, (_, row, truth) => truth.Select((_, j) => row % 2 == 0 || j < 5 ? 0 : 10).ToArray(), 2, default);

    [Fact]
    public void The_lower_bound_is_the_mean_less_1_645_standard_errors_of_the_per_query_recalls()
    {
        int[] rows = [2, 4, 6, 1, 3, 5, 7, 9];
        var recall = HalfFoundOnOddRows(rows);
        double[] perQuery = [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5];
        double mean = perQuery.Average();
        double sd = Math.Sqrt(perQuery.Sum(r => (r - mean) * (r - mean)) / (perQuery.Length - 1));
        Assert.Equal(mean, recall.At(5), 12);
        Assert.Equal(mean - (1.645 * sd / Math.Sqrt(perQuery.Length)), recall.LowerBound(5), 12);
        Assert.Equal(1.0, recall.At(11));
        Assert.Equal(1.0, recall.LowerBound(11));
    }

    [Fact]
    public void The_smallest_setting_must_reach_the_target_with_confidence_not_only_on_average()
    {
        var recall = HalfFoundOnOddRows([2, 4, 6, 1, 3, 5, 7, 9]);
        Assert.True(recall.At(5) >= 0.68);
        Assert.Equal(11, recall.SmallestMeeting(0.68, low: 0, high: 1, limit: 400, tolerance: _ => 1));
        Assert.Equal(1, HalfFoundOnOddRows([2, 4, 6, 8]).SmallestMeeting(0.68, low: 0, high: 1, limit: 400, tolerance: _ => 1));
    }

    [Fact]
    public void The_truth_leaves_each_query_s_own_row_out()
    {
        int[] rows = HeldOutRecall.SampleRows(Store.Count, 12, seed: 3);
        var seen = new List<(int Row, int[] Truth)>();
        HeldOutRecall.OfCandidateRanks(Store, Store.Count, rows, null, 10, (query, row, truth) =>
        {
            lock (seen)
            {
                seen.Add((row, truth));
            }

            return new int[truth.Length];
        }, 2, default);
        Assert.Equal(rows.Order(), seen.Select(s => s.Row).Order());
        var exact = new ExactVectorIndex(Store);
        foreach (var (row, truth) in seen)
        {
            Assert.Equal(exact.Search(Store.Get(row), 11).Select(h => h.Position).Where(p => p != row).Take(10), truth);
        }
    }

    [Fact]
    public void Tuning_queries_come_after_the_rows_with_no_row_left_out_and_bound_the_setting_on_their_own()
    {
        int[] rows = [2, 4, 6, 8];
        float[][] tuningQueries = [Store.Get(10), Store.Get(11)];
        var seen = new List<(int Row, int[] Truth)>();
        // Rows find everything within 1 candidate; the tuning queries need 30.
        var recall = HeldOutRecall.OfCandidateRanks(Store, Store.Count, rows, tuningQueries, 10, (query, row, truth) =>
        {
            lock (seen)
            {
                seen.Add((row, truth));
            }

            return truth.Select(_ => row < 0 ? 29 : 0).ToArray();
        }, 2, default);

        var exact = new ExactVectorIndex(Store);
        var outside = seen.Where(s => s.Row < 0).Select(s => s.Truth).ToList();
        Assert.Equal(2, outside.Count);
        Assert.Contains(exact.Search(Store.Get(10), 10).Select(h => h.Position), outside);
        Assert.Contains(outside, truth => truth.Contains(11));
        Assert.Equal(1.0, recall.At(1));
        Assert.Equal(0.0, recall.LowerBound(1));
        Assert.Equal(30, recall.SmallestMeeting(0.95, low: 0, high: 1, limit: 400, tolerance: _ => 1));
        var measured = recall.Measurement(30, 0.95);
        Assert.Equal((1.0, 4, 2, 1.0), (measured.Recall, measured.SampleQueries, measured.TuningQueries, measured.TuningQueryRecall));
        Assert.Equal(1, HeldOutRecall.OfCandidateRanks(Store, Store.Count, rows, null, 10, (_, row, truth) => new int[truth.Length], 2, default)
            .SmallestMeeting(0.95, low: 0, high: 1, limit: 400, tolerance: _ => 1));
    }

    [Fact]
    public void The_sample_rows_moved_across_the_gap_follow_with_their_own_row_left_out_and_bound_the_setting_too()
    {
        int[] rows = [2, 4, 6, 8];
        float[][] tuningQueries = [Store.Get(10), Store.Get(11)];
        // The gap: the tuning queries' mean less the stored vectors' mean (all 400 rows: under the sample limit).
        var gap = new double[Store.Dim];
        for (int d = 0; d < Store.Dim; d++)
        {
            gap[d] = tuningQueries.Average(q => (double)q[d]) - Enumerable.Range(0, Store.Count).Average(r => (double)Store.Get(r)[d]);
        }

        var expected = rows.ToDictionary(r => r, r => VidSearch.Core.VectorMath.Normalized(Store.Get(r).Select((x, d) => x + (float)gap[d]).ToArray()));
        var seen = new List<(float[] Query, int Row, int[] Truth)>();
        // Stored rows and tuning queries find everything within 1 candidate; the moved rows need 30.
        var recall = HeldOutRecall.OfCandidateRanks(Store, Store.Count, rows, tuningQueries, 10, (query, row, truth) =>
        {
            lock (seen)
            {
                seen.Add((query, row, truth));
            }

            bool moved = row >= 0 && !query.SequenceEqual(Store.Get(row));
            return truth.Select(_ => moved ? 29 : 0).ToArray();
        }, 2, default);

        Assert.Equal(rows.Length + tuningQueries.Length + rows.Length, seen.Count);
        var exact = new ExactVectorIndex(Store);
        foreach (int row in rows)
        {
            var moved = Assert.Single(seen, s => s.Row == row && !s.Query.SequenceEqual(Store.Get(row)));
            Assert.Equal(expected[row], moved.Query, (x, y) => Math.Abs(x - y) < 1e-5f);
            Assert.Equal(exact.Search(moved.Query, 11).Select(h => h.Position).Where(p => p != row).Take(10), moved.Truth);
        }

        Assert.Equal(30, recall.SmallestMeeting(0.95, low: 0, high: 1, limit: 400, tolerance: _ => 1));
        var measured = recall.Measurement(30, 0.95);
        Assert.Equal((4, 2, 4, 1.0), (measured.SampleQueries, measured.TuningQueries, measured.GapShiftedQueries, measured.GapShiftedRecall));
        Assert.Equal(0.0, recall.Measurement(1, 0.95).GapShiftedRecall);
        Assert.Equal(1.0, recall.Measurement(1, 0.95).TuningQueryRecall);

        var withoutTuningQueries = HeldOutRecall.OfCandidateRanks(Store, Store.Count, rows, null, 10, (_, _, truth) => new int[truth.Length], 2, default);
        Assert.Equal((0, (double?)null), (withoutTuningQueries.Measurement(1, 0.95).GapShiftedQueries, withoutTuningQueries.Measurement(1, 0.95).GapShiftedRecall));
    }
}
