using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace VidSearch.Index.Vectors;

/// <summary>
/// A random orthogonal transform that costs O(P log P): the vector is zero-padded to P (the next power of two), then
/// each round flips the sign of a random set of coordinates and applies the normalised Walsh-Hadamard transform.
/// Dot products and norms are preserved; the energy of any fixed vector is spread evenly over the P coordinates, so
/// per-coordinate codes (the signs of <see cref="Search.BinaryCodeIndex"/>) behave as they do for random data
/// whatever the embedding model's own axes look like.
/// </summary>
public sealed class RandomizedHadamardRotation
{
    private readonly sbyte[][] _signs;

    /// <summary>A rotation with signs drawn from <paramref name="seed"/>.</summary>
    public RandomizedHadamardRotation(int dim, int seed, int rounds = 2)
        : this(dim, DrawSigns(PaddedDimOf(dim), seed, rounds))
    {
    }

    /// <summary>A rotation with given signs (one array of ±1 of the padded length per round), as saved in an index file.</summary>
    public RandomizedHadamardRotation(int dim, sbyte[][] signs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        if (signs.Length == 0 || signs.Any(s => s.Length != PaddedDimOf(dim) || s.Any(v => v is not (1 or -1))))
        {
            throw new ArgumentException($"expected at least one round of {PaddedDimOf(dim)} signs of ±1", nameof(signs));
        }

        Dim = dim;
        PaddedDim = PaddedDimOf(dim);
        _signs = signs;
    }

    public int Dim { get; }

    /// <summary>The output length: the smallest power of two at least <see cref="Dim"/> and at least 8.</summary>
    public int PaddedDim { get; }

    /// <summary>The random signs of each round (what a saved index keeps to rebuild the same rotation).</summary>
    public IReadOnlyList<sbyte[]> Signs => _signs;

    public static int PaddedDimOf(int dim) => (int)Math.Max(8, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)dim));

    /// <summary>Writes the rotated <paramref name="vector"/> (length <see cref="Dim"/>) into <paramref name="output"/> (length <see cref="PaddedDim"/>).</summary>
    public void Apply(ReadOnlySpan<float> vector, Span<float> output)
    {
        if (vector.Length != Dim || output.Length != PaddedDim)
        {
            throw new ArgumentException($"expected a vector of {Dim} and an output of {PaddedDim} values, got {vector.Length} and {output.Length}");
        }

        vector.CopyTo(output);
        output[Dim..].Clear();
        float normalise = 1f / MathF.Sqrt(PaddedDim);
        foreach (var signs in _signs)
        {
            for (int i = 0; i < PaddedDim; i++)
            {
                output[i] = signs[i] < 0 ? -output[i] : output[i];
            }

            WalshHadamard(output);
            TensorPrimitives.Multiply(output, normalise, output);
        }
    }

    /// <summary>The unnormalised fast Walsh-Hadamard transform in place (length a power of two).</summary>
    internal static void WalshHadamard(Span<float> values)
    {
        int n = values.Length;
        for (int half = 1; half < n; half *= 2)
        {
            for (int start = 0; start < n; start += 2 * half)
            {
                var a = values.Slice(start, half);
                var b = values.Slice(start + half, half);
                int i = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; i + Vector256<float>.Count <= half; i += Vector256<float>.Count)
                    {
                        var x = Vector256.Create<float>(a[i..]);
                        var y = Vector256.Create<float>(b[i..]);
                        (x + y).CopyTo(a[i..]);
                        (x - y).CopyTo(b[i..]);
                    }
                }

                for (; i < half; i++)
                {
                    float x = a[i], y = b[i];
                    a[i] = x + y;
                    b[i] = x - y;
                }
            }
        }
    }

    private static sbyte[][] DrawSigns(int paddedDim, int seed, int rounds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        var random = new Random(seed);
        var signs = new sbyte[rounds][];
        for (int r = 0; r < rounds; r++)
        {
            signs[r] = new sbyte[paddedDim];
            for (int i = 0; i < paddedDim; i++)
            {
                signs[r][i] = random.Next(2) == 0 ? (sbyte)1 : (sbyte)-1;
            }
        }

        return signs;
    }
}
