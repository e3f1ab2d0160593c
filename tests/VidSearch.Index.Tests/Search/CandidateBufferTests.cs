using VidSearch.Index.Search;

namespace VidSearch.Index.Tests.Search;

public sealed class CandidateBufferTests
{
    private static VectorHit[] BestFirst(CandidateBuffer buffer) => buffer.ToArray().OrderByDescending(h => h.Score).ThenBy(h => h.Position).ToArray();

    [Theory]
    [InlineData(1, 1000, 0)]
    [InlineData(10, 50_000, 0)]
    [InlineData(1000, 50_000, 0)]
    [InlineData(1000, 50_000, 7)]
    [InlineData(5000, 20_000, 0)]
    public void Keeps_the_same_hits_as_a_heap(int capacity, int count, int distinctScores)
    {
        var random = new Random(capacity + count + distinctScores);
        var buffer = new CandidateBuffer(capacity);
        var heap = new TopK(capacity);
        for (int i = 0; i < count; i++)
        {
            float score = distinctScores > 0 ? random.Next(distinctScores) : (float)random.NextDouble();
            buffer.Add(i, score);
            heap.Add(i, score);
        }

        Assert.Equal(heap.ToSortedArray(), BestFirst(buffer));
        Assert.Equal(heap.ToSortedArray().Select(h => h.Position).Order(), buffer.ToArray().Select(h => h.Position).Order());
    }

    [Fact]
    public void A_warm_start_threshold_admits_only_higher_scores_and_merging_keeps_the_best()
    {
        var warm = new CandidateBuffer(3, threshold: 0.5f);
        warm.Add(1, 0.5f);
        warm.Add(2, 0.2f);
        warm.Add(3, 0.9f);
        warm.Add(4, 0.6f);
        Assert.Equal(2, warm.Count);
        var other = new CandidateBuffer(3);
        other.Add(7, 0.95f);
        other.Add(8, 0.7f);
        warm.AddAll(other);
        Assert.Equal([7, 3, 8], BestFirst(warm).Select(h => h.Position));
    }
}
