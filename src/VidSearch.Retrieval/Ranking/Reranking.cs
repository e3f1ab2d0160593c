using VidSearch.Core;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Ranking;

/// <summary>
/// Inference-time re-ranking of a similarity matrix (rows queries, columns gallery items). Both use information
/// beyond a single query and must be reported separately from the plain scores (PROTOCOL.md, "Re-ranking").
/// </summary>
public static class Reranking
{
    /// <summary>QB-Norm's inverse temperature.</summary>
    public const float DefaultBeta = 20f;

    /// <summary>
    /// Dual softmax (CAMoE DSL): sim'[q, j] = sim[q, j] * softmax_q(sim[., j] / T)[q] * Q, the softmax taken over the
    /// queries of each column and Q the number of queries. Uses every query at once: offline evaluation only.
    /// </summary>
    public static float[,] DualSoftmax(float[,] similarity, float temperature = 1f)
    {
        CheckMatrix(similarity, nameof(similarity));
        CheckPositive(temperature, nameof(temperature));
        int q = similarity.GetLength(0), n = similarity.GetLength(1);
        var result = new float[q, n];
        for (int j = 0; j < n; j++)
        {
            double max = double.NegativeInfinity;
            for (int i = 0; i < q; i++)
            {
                max = Math.Max(max, similarity[i, j] / (double)temperature);
            }

            double sum = 0;
            for (int i = 0; i < q; i++)
            {
                sum += Math.Exp((similarity[i, j] / (double)temperature) - max);
            }

            for (int i = 0; i < q; i++)
            {
                double prior = Math.Exp((similarity[i, j] / (double)temperature) - max) / sum;
                result[i, j] = (float)(similarity[i, j] * prior * q);
            }
        }

        return result;
    }

    /// <summary>Tensor version of <see cref="DualSoftmax(float[,], float)"/> ([Q, N] -> [Q, N]).</summary>
    public static Tensor DualSoftmax(Tensor similarity, float temperature = 1f)
    {
        CheckMatrix(similarity, nameof(similarity));
        CheckPositive(temperature, nameof(temperature));
        using var scope = NewDisposeScope();
        var prior = (similarity / temperature).softmax(0);
        return (similarity * prior * similarity.shape[0]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// QB-Norm with the dynamic inverted softmax. <paramref name="queryBank"/> [Nb, N] holds the similarities of a
    /// querybank of TRAINING captions with the same gallery. The gallery items that are among the top-k of some bank
    /// query form the activation set; a test query whose best item is in that set gets
    /// sim'[q, j] = exp(beta sim[q, j]) / sum_b exp(beta bank[b, j]); other queries keep their similarities.
    /// </summary>
    public static float[,] QueryBankNorm(float[,] similarity, float[,] queryBank, float beta = DefaultBeta, int k = 1)
    {
        CheckMatrix(similarity, nameof(similarity));
        CheckMatrix(queryBank, nameof(queryBank));
        CheckPositive(beta, nameof(beta));
        int q = similarity.GetLength(0), n = similarity.GetLength(1), nb = queryBank.GetLength(0);
        if (queryBank.GetLength(1) != n)
        {
            throw VidSearchException.Argument(nameof(queryBank), $"has {queryBank.GetLength(1)} gallery columns, the similarity matrix {n}");
        }

        if (k <= 0 || k > n)
        {
            throw VidSearchException.Argument(nameof(k), $"must be in 1..{n}, got {k}");
        }

        // Normalising sums in log space with a per-column shift: exp(beta * s) overflows float for large beta.
        var columnMax = new double[n];
        var logNormaliser = new double[n];
        for (int j = 0; j < n; j++)
        {
            double max = double.NegativeInfinity;
            for (int b = 0; b < nb; b++)
            {
                max = Math.Max(max, beta * (double)queryBank[b, j]);
            }

            double sum = 0;
            for (int b = 0; b < nb; b++)
            {
                sum += Math.Exp((beta * (double)queryBank[b, j]) - max);
            }

            columnMax[j] = max;
            logNormaliser[j] = max + Math.Log(sum);
        }

        var activation = new bool[n];
        var order = new int[n];
        for (int b = 0; b < nb; b++)
        {
            if (k == 1)
            {
                int top = 0;
                for (int j = 1; j < n; j++)
                {
                    if (queryBank[b, j] > queryBank[b, top])
                    {
                        top = j;
                    }
                }

                activation[top] = true;
                continue;
            }

            for (int j = 0; j < n; j++)
            {
                order[j] = j;
            }

            int row = b;
            Array.Sort(order, (x, y) =>
            {
                int c = queryBank[row, y].CompareTo(queryBank[row, x]);
                return c != 0 ? c : x.CompareTo(y);
            });
            for (int r = 0; r < k; r++)
            {
                activation[order[r]] = true;
            }
        }

        var result = new float[q, n];
        for (int i = 0; i < q; i++)
        {
            int best = 0;
            for (int j = 1; j < n; j++)
            {
                if (similarity[i, j] > similarity[i, best])
                {
                    best = j;
                }
            }

            bool normalise = activation[best];
            for (int j = 0; j < n; j++)
            {
                result[i, j] = normalise
                    ? (float)Math.Exp((beta * (double)similarity[i, j]) - logNormaliser[j])
                    : similarity[i, j];
            }
        }

        return result;
    }

    /// <summary>Tensor version of <see cref="QueryBankNorm(float[,], float[,], float, int)"/>.</summary>
    public static Tensor QueryBankNorm(Tensor similarity, Tensor queryBank, float beta = DefaultBeta, int k = 1)
    {
        CheckMatrix(similarity, nameof(similarity));
        CheckMatrix(queryBank, nameof(queryBank));
        CheckPositive(beta, nameof(beta));
        long n = similarity.shape[1];
        if (queryBank.shape[1] != n)
        {
            throw VidSearchException.Argument(nameof(queryBank), $"has {queryBank.shape[1]} gallery columns, the similarity matrix {n}");
        }

        if (k <= 0 || k > n)
        {
            throw VidSearchException.Argument(nameof(k), $"must be in 1..{n}, got {k}");
        }

        using var scope = NewDisposeScope();
        var sim = similarity.to_type(ScalarType.Float64);
        var bank = queryBank.to_type(ScalarType.Float64);
        var logNormaliser = (bank * beta).logsumexp(0);
        var topItems = bank.topk(k, dim: 1).indexes.flatten();
        var activation = zeros(n, dtype: ScalarType.Bool, device: sim.device).index_fill(0, topItems, true);
        var best = sim.argmax(1);
        var normaliseRows = activation.index_select(0, best).unsqueeze(1);
        var normalised = ((sim * beta) - logNormaliser.unsqueeze(0)).exp();
        return where(normaliseRows, normalised, sim).to_type(similarity.dtype).MoveToOuterDisposeScope();
    }

    private static void CheckMatrix(float[,] m, string name)
    {
        ArgumentNullException.ThrowIfNull(m, name);
        if (m.GetLength(0) == 0 || m.GetLength(1) == 0)
        {
            throw VidSearchException.Argument(name, "is empty");
        }
    }

    private static void CheckMatrix(Tensor m, string name)
    {
        ArgumentNullException.ThrowIfNull(m, name);
        if (m.dim() != 2 || m.shape[0] == 0 || m.shape[1] == 0)
        {
            throw VidSearchException.Argument(name, $"expected a non-empty 2-D matrix, got [{string.Join(", ", m.shape)}]");
        }
    }

    private static void CheckPositive(float value, string name)
    {
        if (!float.IsFinite(value) || value <= 0)
        {
            throw VidSearchException.Argument(name, $"must be a positive number, got {value}");
        }
    }
}
