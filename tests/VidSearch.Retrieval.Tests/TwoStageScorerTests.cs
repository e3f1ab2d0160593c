using VidSearch.Core;
using VidSearch.Retrieval.Heads;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

public class TwoStageScorerTests
{
    private static readonly HeadOptions Options = new() { Dim = 6, AttentionHeads = 1, MaxFrames = 4, Temperature = 0.05f };

    [Theory]
    [InlineData("text-pool")]
    [InlineData("salient")]
    [InlineData("xclip")]
    [InlineData("prototypes")]
    public void Conditioned_heads_reorder_the_first_stage_candidates_by_their_own_score(string name)
    {
        manual_seed(11);
        var head = HeadFactory.Create(name, Options);
        var frames = randn(10, 4, 6);
        var mask = ones(10, 4, dtype: ScalarType.Bool);
        mask[3, 3] = tensor(false);
        var all = new VideoInputs(frames, mask);
        var query = new TextInputs(randn(1, 6));
        var firstStage = head.VideoEmbedding(frames, mask);
        var requested = new List<IReadOnlyList<int>>();

        var scorer = new TwoStageScorer(head, candidates: 5);
        var results = scorer.Search(query, firstStage, rows =>
        {
            requested.Add(rows);
            return all.Select(tensor(rows.Select(r => (long)r).ToArray()));
        }, topK: 3);

        var stageOne = TensorAssert.Values(nn.functional.normalize(query.Sentence, dim: -1).matmul(firstStage.t()).squeeze(0));
        var expectedCandidates = Enumerable.Range(0, 10).OrderByDescending(i => stageOne[i]).Take(5).ToArray();
        Assert.Single(requested);
        Assert.Equal(expectedCandidates, requested[0]);

        var headScores = TensorAssert.Values(head.Score(query, all).squeeze(0));
        var expected = expectedCandidates.OrderByDescending(i => headScores[i]).Take(3).ToArray();
        Assert.Equal(expected, results.Select(r => r.Index).ToArray());
        foreach (var r in results)
        {
            Assert.Equal(headScores[r.Index], r.Score, 5);
        }
    }

    [Fact]
    public void Independent_heads_use_the_first_stage_alone()
    {
        var head = HeadFactory.Create("mean", Options);
        manual_seed(12);
        var frames = randn(8, 4, 6);
        var firstStage = head.VideoEmbedding(frames, ones(8, 4, dtype: ScalarType.Bool));
        var query = new TextInputs(randn(1, 6));
        var results = new TwoStageScorer(head, 2).Search(query, firstStage, _ => throw new InvalidOperationException("no frames needed"), topK: 4);
        var scores = TensorAssert.Values(head.Score(query, VideoInputs.Unmasked(frames)).squeeze(0));
        Assert.Equal(Enumerable.Range(0, 8).OrderByDescending(i => scores[i]).Take(4).ToArray(), results.Select(r => r.Index).ToArray());
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var head = HeadFactory.Create("text-pool", Options);
        Assert.Throws<VidSearchException>(() => new TwoStageScorer(head, 0));
        var scorer = new TwoStageScorer(head, 3);
        Assert.Throws<VidSearchException>(() => scorer.Search(new TextInputs(randn(2, 6)), randn(4, 6), _ => throw new InvalidOperationException(), 1));
        Assert.Throws<VidSearchException>(() => scorer.Search(new TextInputs(randn(1, 6)), randn(4, 5), _ => throw new InvalidOperationException(), 1));
        Assert.Empty(scorer.Search(new TextInputs(randn(1, 6)), zeros(0, 6), _ => throw new InvalidOperationException(), 1));
    }
}
