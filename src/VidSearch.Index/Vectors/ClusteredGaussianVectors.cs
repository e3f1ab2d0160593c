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
        // Box-Muller in single precision: the benchmark draws hundreds of millions of these.
        for (int i = 0; i < destination.Length; i += 2)
        {
            float u1 = 1f - _random.NextSingle();
            float u2 = _random.NextSingle();
            float r = MathF.Sqrt(-2f * MathF.Log(u1));
            var (sin, cos) = MathF.SinCos(2 * MathF.PI * u2);
            destination[i] = r * cos;
            if (i + 1 < destination.Length)
            {
                destination[i + 1] = r * sin;
            }
        }
    }
}
