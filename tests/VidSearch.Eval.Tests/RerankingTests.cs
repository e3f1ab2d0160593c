using VidSearch.Core;
using VidSearch.Eval.Reranking;
using static VidSearch.Eval.Tests.Frames;

namespace VidSearch.Eval.Tests;

public class RerankingTests
{
    [Fact]
    public void DualSoftmaxMatchesHandComputedValuesAndCanFlipARanking()
    {
        var sim = Matrix([0.9f, 0.8f], [0.85f, 0.1f]);
        var result = DualSoftmax.Apply(sim, temperature: 0.1);
        // column 0: softmax([9, 8.5]) = [0.62246, 0.37754]; column 1: softmax([8, 1]) = [0.99909, 0.00091]; x N = 2
        Assert.Equal(0.9 * 0.62246 * 2, result[0, 0], 3);
        Assert.Equal(0.8 * 0.99909 * 2, result[0, 1], 3);
        Assert.Equal(0.85 * 0.37754 * 2, result[1, 0], 3);
        Assert.True(result[0, 1] > result[0, 0], "query 0 now prefers video 1");
    }

    [Fact]
    public void DualSoftmaxRejectsABadTemperature()
    {
        Assert.Throws<VidSearchException>(() => DualSoftmax.Apply(Matrix([1f]), 0));
    }

    [Fact]
    public void QueryBankNormalizationIsDynamic()
    {
        // Both bank queries retrieve item 0 first: only item 0 is activated.
        var bank = Matrix([0.9f, 0.1f], [0.8f, 0.2f]);
        var test = Matrix([0.6f, 0.5f], [0.3f, 0.4f]);
        var result = QueryBankNormalization.Apply(test, bank, beta: 1);
        double log0 = Math.Log(Math.Exp(0.9) + Math.Exp(0.8)), log1 = Math.Log(Math.Exp(0.1) + Math.Exp(0.2));
        Assert.Equal(0.6 - log0, result[0, 0], 5);
        Assert.Equal(0.5 - log1, result[0, 1], 5);
        Assert.True(result[0, 1] > result[0, 0], "the hub item 0 is pushed down for a query whose top-1 is activated");
        Assert.Equal(0.3f, result[1, 0]);
        Assert.Equal(0.4f, result[1, 1]);
    }

    [Fact]
    public void QueryBankNormalizationDoesNotOverflowAtBeta20()
    {
        var bank = Matrix([50f, 1f], [49f, 2f]);
        var result = QueryBankNormalization.Apply(Matrix([40f, 30f]), bank);
        Assert.All(new[] { result[0, 0], result[0, 1] }, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void QueryBankNormalizationRejectsMismatchedBank()
    {
        Assert.Throws<VidSearchException>(() => QueryBankNormalization.Apply(Matrix([1f, 2f]), Matrix([1f, 2f, 3f])));
        Assert.Throws<VidSearchException>(() => QueryBankNormalization.Apply(Matrix([1f, 2f]), Matrix([1f, 2f]), beta: -1));
    }
}
