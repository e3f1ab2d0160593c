using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VidSearch.Index.Vectors;

/// <summary>
/// Symmetric scalar quantisation to int8 with one scale per vector: q = round(x / scale), scale = max|x| / 127.
/// The dot product of two quantised vectors is scaleA * scaleB * (integer dot).
/// </summary>
public static class Int8Quantizer
{
    /// <summary>Quantises <paramref name="vector"/> into <paramref name="codes"/> and returns the scale.</summary>
    public static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        if (codes.Length != vector.Length)
        {
            throw new ArgumentException($"codes hold {codes.Length} values, vector has {vector.Length}", nameof(codes));
        }

        float maxAbs = MathF.Abs(TensorPrimitives.MaxMagnitude(vector));
        if (!(maxAbs > 0) || float.IsInfinity(maxAbs))
        {
            codes.Clear();
            return 0f;
        }

        float scale = maxAbs / 127f;
        float inverse = 1f / scale;
        for (int i = 0; i < vector.Length; i++)
        {
            codes[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] * inverse), -127f, 127f);
        }

        return scale;
    }

    public static void Dequantize(ReadOnlySpan<sbyte> codes, float scale, Span<float> destination)
    {
        for (int i = 0; i < codes.Length; i++)
        {
            destination[i] = codes[i] * scale;
        }
    }

    /// <summary>Integer dot product of two int8 vectors (AVX2 when available).</summary>
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("lengths differ", nameof(b));
        }

        int i = 0;
        int sum = 0;
        if (Avx2.IsSupported && a.Length >= 16)
        {
            var acc = Vector256<int>.Zero;
            ref sbyte ra = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
            ref sbyte rb = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
            for (; i + 16 <= a.Length; i += 16)
            {
                var va = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref ra, (nuint)i));
                var vb = Avx2.ConvertToVector256Int16(Vector128.LoadUnsafe(ref rb, (nuint)i));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(va, vb));
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
