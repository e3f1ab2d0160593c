using VidSearch.Core;

namespace VidSearch.Eval.Tasks;

/// <summary>Settings of <see cref="LinearProbe"/>.</summary>
public sealed record LinearProbeOptions
{
    /// <summary>Full-batch gradient steps (the problem is convex; the steps are deterministic).</summary>
    public int Steps { get; init; } = 500;

    /// <summary>L2 penalty on the weights (not the biases), per support video.</summary>
    public double WeightDecay { get; init; } = 1e-3;

    /// <summary>Features are the L2-normalised pooled embeddings times this (so logits can be confident).</summary>
    public double FeatureScale { get; init; } = 10;

    public void Validate()
    {
        if (Steps is < 1 or > 100_000 || !(WeightDecay >= 0) || double.IsInfinity(WeightDecay) || !(FeatureScale > 0) || double.IsInfinity(FeatureScale))
        {
            throw VidSearchException.Argument("linear probe", "steps must be in 1..100000, weight decay finite and >= 0, feature scale finite and > 0");
        }
    }
}

/// <summary>
/// Multinomial logistic regression on frozen video embeddings (the linear-probe protocol of CLIP, here few-shot):
/// features = the pooled embedding, L2-normalised, times <see cref="LinearProbeOptions.FeatureScale"/>; softmax
/// cross-entropy plus L2 on the weights, minimised by full-batch gradient descent with a step of 1/L (L bounds the
/// curvature: FeatureScale^2 / 2 + WeightDecay), starting from zero weights. Deterministic.
/// </summary>
public sealed class LinearProbe
{
    private readonly float[] weights; // [classes, dim]
    private readonly float[] biases;
    private readonly double featureScale;

    private LinearProbe(float[] weights, float[] biases, int classes, int dim, double featureScale)
    {
        this.weights = weights;
        this.biases = biases;
        Classes = classes;
        Dim = dim;
        this.featureScale = featureScale;
    }

    public int Classes { get; }

    public int Dim { get; }

    /// <summary>Trains on rows of <paramref name="features"/> (any scale; they are normalised) with labels in [0, classes).</summary>
    public static LinearProbe Train(EmbeddingMatrix features, IReadOnlyList<int> labels, int classes, LinearProbeOptions? options = null)
    {
        options ??= new LinearProbeOptions();
        options.Validate();
        int n = features.Rows, dim = features.Dim;
        if (n == 0 || labels.Count != n)
        {
            throw VidSearchException.Argument("linear probe", $"{n} feature rows and {labels.Count} labels (need the same number, at least one)");
        }

        if (classes < 2 || labels.Any(l => l < 0 || l >= classes))
        {
            throw VidSearchException.Argument("linear probe", $"labels must lie in [0, {classes}) and there must be at least 2 classes");
        }

        var x = new float[n * dim];
        for (int i = 0; i < n; i++)
        {
            var row = VectorMath.Normalized(features.RowReadOnly(i));
            for (int d = 0; d < dim; d++)
            {
                x[i * dim + d] = (float)(row[d] * options.FeatureScale);
            }
        }

        var w = new float[classes * dim];
        var b = new float[classes];
        var gradW = new double[classes * dim];
        var gradB = new double[classes];
        var probabilities = new double[classes];
        double step = 1.0 / ((options.FeatureScale * options.FeatureScale / 2) + 1 + options.WeightDecay);
        for (int iteration = 0; iteration < options.Steps; iteration++)
        {
            Array.Clear(gradW);
            Array.Clear(gradB);
            for (int i = 0; i < n; i++)
            {
                var xi = x.AsSpan(i * dim, dim);
                double max = double.NegativeInfinity;
                for (int c = 0; c < classes; c++)
                {
                    probabilities[c] = b[c] + System.Numerics.Tensors.TensorPrimitives.Dot(w.AsSpan(c * dim, dim), xi);
                    max = Math.Max(max, probabilities[c]);
                }

                double sum = 0;
                for (int c = 0; c < classes; c++)
                {
                    probabilities[c] = Math.Exp(probabilities[c] - max);
                    sum += probabilities[c];
                }

                for (int c = 0; c < classes; c++)
                {
                    double g = (probabilities[c] / sum) - (labels[i] == c ? 1 : 0);
                    gradB[c] += g;
                    for (int d = 0; d < dim; d++)
                    {
                        gradW[c * dim + d] += g * xi[d];
                    }
                }
            }

            for (int c = 0; c < classes; c++)
            {
                b[c] -= (float)(step * gradB[c] / n);
                for (int d = 0; d < dim; d++)
                {
                    int k = c * dim + d;
                    w[k] -= (float)(step * ((gradW[k] / n) + (options.WeightDecay * w[k])));
                }
            }
        }

        return new LinearProbe(w, b, classes, dim, options.FeatureScale);
    }

    /// <summary>Logits [rows, classes] of the given embeddings.</summary>
    public float[,] Logits(EmbeddingMatrix features)
    {
        if (features.Dim != Dim)
        {
            throw new VidSearchException(ErrorKind.Incompatible, "linear probe", $"trained on {Dim}-d embeddings, given {features.Dim}-d");
        }

        var result = new float[features.Rows, Classes];
        var x = new float[Dim];
        for (int i = 0; i < features.Rows; i++)
        {
            var row = VectorMath.Normalized(features.RowReadOnly(i));
            for (int d = 0; d < Dim; d++)
            {
                x[d] = (float)(row[d] * featureScale);
            }

            for (int c = 0; c < Classes; c++)
            {
                result[i, c] = biases[c] + System.Numerics.Tensors.TensorPrimitives.Dot(weights.AsSpan(c * Dim, Dim), x);
            }
        }

        return result;
    }
}
