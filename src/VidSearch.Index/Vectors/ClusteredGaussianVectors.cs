using VidSearch.Core;

namespace VidSearch.Index.Vectors;

/// <summary>
/// Deterministic unit vectors for tests and benchmarks shaped like real embeddings: Gaussian cluster centres on
/// the sphere, points = centre + isotropic Gaussian noise, normalised. <c>spread</c> is the noise norm relative
/// to the centre's (0: all points on their centre; large: nearly uniform on the sphere, the hardest case).
/// Queries drawn with the same generator are new points of the same clusters, not copies of stored ones.
/// </summary>
public sealed class ClusteredGaussianVectors
{
    private readonly float[] _centres;
    private readonly Random _random;

    public ClusteredGaussianVectors(int dim, int clusters, float spread, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clusters);
        Dim = dim;
        Clusters = clusters;
        Spread = spread;
        _random = new Random(seed);
        _centres = new float[clusters * dim];
        for (int c = 0; c < clusters; c++)
        {
            var centre = _centres.AsSpan(c * dim, dim);
            FillGaussian(centre);
            VectorMath.NormalizeInPlace(centre);
        }
    }

    public int Dim { get; }

    public int Clusters { get; }

    public float Spread { get; }

    /// <summary>Writes the next vector into <paramref name="destination"/>.</summary>
    public void Next(Span<float> destination)
    {
        var centre = _centres.AsSpan(_random.Next(Clusters) * Dim, Dim);
        FillGaussian(destination);
        float noiseScale = Spread / MathF.Sqrt(Dim);
        for (int i = 0; i < Dim; i++)
        {
            destination[i] = centre[i] + noiseScale * destination[i];
        }

        VectorMath.NormalizeInPlace(destination);
    }

    public float[] Next()
    {
        var v = new float[Dim];
        Next(v);
        return v;
    }

    public VectorStore FillStore(VectorStorageType type, int count)
    {
        var store = VectorStore.Create(type, Dim);
        var v = new float[Dim];
        for (int i = 0; i < count; i++)
        {
            Next(v);
            store.Add(v);
        }

        return store;
    }

    private void FillGaussian(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i += 2)
        {
            double u1 = 1.0 - _random.NextDouble();
            double u2 = _random.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            destination[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < destination.Length)
            {
                destination[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }
    }
}
