using VidSearch.Core;

namespace VidSearch.Eval.Reranking;

/// <summary>
/// QB-Norm with the dynamic inverted softmax. A querybank of TRAINING queries (never test queries) is scored
/// against the gallery (bank x gallery). A gallery item is "activated" when it is the top-1 result of at least one
/// bank query. For a test query whose top-1 item is activated, every score becomes
/// exp(beta * s[g]) / sum_b exp(beta * bank[b, g]); otherwise the row is left unchanged (the "dynamic" part).
/// Scores are returned in the log domain (beta * s[g] - logsumexp_b(beta * bank[b, g])), which ranks identically
/// and cannot overflow. Default inverse temperature beta = 20. Reported separately from the main figures.
/// </summary>
public static class QueryBankNormalization
{
    public const double DefaultBeta = 20;

    public static float[,] Apply(float[,] similarity, float[,] bankSimilarity, double beta = DefaultBeta)
    {
        if (!(beta > 0) || double.IsInfinity(beta))
        {
            throw VidSearchException.Argument("beta", $"must be positive, got {beta}");
        }

        int rows = similarity.GetLength(0), cols = similarity.GetLength(1), bank = bankSimilarity.GetLength(0);
        if (bankSimilarity.GetLength(1) != cols)
        {
            throw VidSearchException.Argument("querybank", $"scored against {bankSimilarity.GetLength(1)} gallery items, the test matrix has {cols}");
        }

        if (bank == 0)
        {
            throw VidSearchException.Argument("querybank", "empty (QB-Norm needs training queries)");
        }

        var activated = new bool[cols];
        for (int b = 0; b < bank; b++)
        {
            activated[ArgMax(bankSimilarity, b)] = true;
        }

        var logNormalizer = new double[cols];
        for (int g = 0; g < cols; g++)
        {
            double max = double.NegativeInfinity;
            for (int b = 0; b < bank; b++)
            {
                max = Math.Max(max, beta * bankSimilarity[b, g]);
            }

            double sum = 0;
            for (int b = 0; b < bank; b++)
            {
                sum += Math.Exp((beta * bankSimilarity[b, g]) - max);
            }

            logNormalizer[g] = max + Math.Log(sum);
        }

        var result = new float[rows, cols];
        for (int q = 0; q < rows; q++)
        {
            bool normalize = activated[ArgMax(similarity, q)];
            for (int g = 0; g < cols; g++)
            {
                result[q, g] = normalize ? (float)((beta * similarity[q, g]) - logNormalizer[g]) : similarity[q, g];
            }
        }

        return result;
    }

    private static int ArgMax(float[,] matrix, int row)
    {
        int best = 0;
        for (int j = 1; j < matrix.GetLength(1); j++)
        {
            if (matrix[row, j] > matrix[row, best])
            {
                best = j;
            }
        }

        return best;
    }
}
