using VidSearch.Core;
using VidSearch.Retrieval.Ranking;

namespace VidSearch.Retrieval.Tests;

public class RerankingTests
{
    [Fact]
    public void Dual_softmax_matches_hand_computation_and_can_change_the_ranking()
    {
        var sim = new float[,] { { 0.9f, 0.8f }, { 0.85f, 0.1f } };
        double Prior(double a, double b) => Math.Exp(a) / (Math.Exp(a) + Math.Exp(b));
        var expected = new[]
        {
            (float)(0.9 * Prior(0.9, 0.85) * 2), (float)(0.8 * Prior(0.8, 0.1) * 2),
            (float)(0.85 * Prior(0.85, 0.9) * 2), (float)(0.1 * Prior(0.1, 0.8) * 2),
        };
        var result = Reranking.DualSoftmax(sim);
        TensorAssert.Close(expected, Flatten(result));
        Assert.True(result[0, 1] > result[0, 0], "video 1 now outranks video 0 for query 0");

        var viaTensor = Reranking.DualSoftmax(TensorAssert.Matrix(sim));
        TensorAssert.Close(expected, TensorAssert.Values(viaTensor));

        var sharp = Reranking.DualSoftmax(sim, temperature: 0.5f);
        Assert.Equal((float)(0.9 * Prior(1.8, 1.7) * 2), sharp[0, 0], 5);
    }

    [Fact]
    public void QueryBank_norm_applies_the_dynamic_inverted_softmax()
    {
        const float beta = 20f;
        // Both bank queries retrieve item 0 first: the activation set is {0}.
        var bank = new float[,] { { 0.9f, 0.1f }, { 0.8f, 0.3f } };
        var sim = new float[,] { { 0.5f, 0.4f }, { 0.2f, 0.7f } };
        double Normaliser(int j) => Math.Exp(beta * bank[0, j]) + Math.Exp(beta * bank[1, j]);
        var expected = new[]
        {
            (float)(Math.Exp(beta * 0.5) / Normaliser(0)), (float)(Math.Exp(beta * 0.4) / Normaliser(1)),
            0.2f, 0.7f,
        };
        var result = Reranking.QueryBankNorm(sim, bank);
        TensorAssert.Close(expected, Flatten(result), 1e-6f);
        Assert.True(result[0, 1] > result[0, 0], "the hub item 0 is pushed down for query 0");

        var viaTensor = Reranking.QueryBankNorm(TensorAssert.Matrix(sim), TensorAssert.Matrix(bank));
        TensorAssert.Close(expected, TensorAssert.Values(viaTensor), 1e-6f);
    }

    [Fact]
    public void QueryBank_norm_with_k_2_activates_more_items()
    {
        var bank = new float[,] { { 0.9f, 0.1f, 0.5f } };
        var sim = new float[,] { { 0.1f, 0.2f, 0.6f } };
        Assert.Equal(0.6f, Reranking.QueryBankNorm(sim, bank, k: 1)[0, 2]);
        Assert.NotEqual(0.6f, Reranking.QueryBankNorm(sim, bank, k: 2)[0, 2]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Array_and_tensor_versions_agree_on_random_matrices(int k)
    {
        var random = new Random(5);
        var sim = new float[7, 9];
        var bank = new float[11, 9];
        foreach (var m in new[] { sim, bank })
        {
            for (int i = 0; i < m.GetLength(0); i++)
            {
                for (int j = 0; j < m.GetLength(1); j++)
                {
                    m[i, j] = (float)((random.NextDouble() * 2) - 1);
                }
            }
        }

        TensorAssert.Close(Flatten(Reranking.QueryBankNorm(sim, bank, k: k)), TensorAssert.Values(Reranking.QueryBankNorm(TensorAssert.Matrix(sim), TensorAssert.Matrix(bank), k: k)), 1e-6f);
        TensorAssert.Close(Flatten(Reranking.DualSoftmax(sim, 0.3f)), TensorAssert.Values(Reranking.DualSoftmax(TensorAssert.Matrix(sim), 0.3f)), 1e-6f);
    }

    [Fact]
    public void Bad_matrices_are_rejected()
    {
        Assert.Throws<VidSearchException>(() => Reranking.DualSoftmax(new float[0, 3]));
        Assert.Throws<VidSearchException>(() => Reranking.DualSoftmax(new float[2, 2], temperature: 0));
        Assert.Throws<VidSearchException>(() => Reranking.QueryBankNorm(new float[2, 2], new float[3, 3]));
        Assert.Throws<VidSearchException>(() => Reranking.QueryBankNorm(new float[2, 2], new float[3, 2], k: 3));
    }

    private static float[] Flatten(float[,] m) => m.Cast<float>().ToArray();
}
