using VidSearch.Core;

namespace VidSearch.Eval.Reranking;

/// <summary>
/// DSL (CAMoE) re-ranking: sim'[q, g] = sim[q, g] * softmax_q(sim[., g] / T)[q] * N, the softmax taken over the
/// queries (the rows) of each gallery column and N the number of queries. It needs every test query at once, so
/// it is reported separately and never as the headline figure.
/// </summary>
public static class DualSoftmax
{
    public static float[,] Apply(float[,] similarity, double temperature = 1.0)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw VidSearchException.Argument("temperature", $"must be positive, got {temperature}");
        }

        int rows = similarity.GetLength(0), cols = similarity.GetLength(1);
        var result = new float[rows, cols];
        var weights = new double[rows];
        for (int g = 0; g < cols; g++)
        {
            double max = double.NegativeInfinity;
            for (int q = 0; q < rows; q++)
            {
                max = Math.Max(max, similarity[q, g] / temperature);
            }

            double sum = 0;
            for (int q = 0; q < rows; q++)
            {
                weights[q] = Math.Exp((similarity[q, g] / temperature) - max);
                sum += weights[q];
            }

            for (int q = 0; q < rows; q++)
            {
                result[q, g] = (float)(similarity[q, g] * (weights[q] / sum) * rows);
            }
        }

        return result;
    }
}
