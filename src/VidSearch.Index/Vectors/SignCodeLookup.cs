using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace VidSearch.Index.Vectors;

/// <summary>
/// Scores sign codes (<see cref="SignCodeBlocks"/>) against one rotated query: S = sum_i q_i * (bit_i ? +1 : -1).
/// The coordinates go in groups of four; for each group a 16-entry table holds the partial sum for every pattern of
/// four bits, quantised to small unsigned integers with one scale for all groups and one offset per group. A block of
/// 32 codes is then scored with two byte shuffles per code byte (AVX2: 32 table look-ups at once, the "fast scan" of
/// product-quantisation search) and 16-bit integer sums, so the result is exact integer arithmetic and the scalar and
/// SIMD paths agree to the bit. <see cref="Estimate"/> turns a sum back into S.
/// </summary>
public sealed class SignCodeLookup
{
    private readonly byte[] _tables;
    private readonly Vector256<byte>[] _wideTables;

    public SignCodeLookup(ReadOnlySpan<float> rotatedQuery)
    {
        int paddedDim = rotatedQuery.Length;
        if (paddedDim < 8 || paddedDim % 8 != 0)
        {
            throw new ArgumentException($"a rotated query has a positive multiple of 8 coordinates, got {paddedDim}", nameof(rotatedQuery));
        }

        int groups = paddedDim / 4;
        // Two table entries are added in one byte (at most 2 * levels <= 254) and all groups in 16 bits (groups * levels <= 65535).
        int levels = Math.Min(127, ushort.MaxValue / groups);
        var sums = new float[groups * 16];
        float widest = 0;
        double bias = 0;
        var lows = new float[groups];
        for (int g = 0; g < groups; g++)
        {
            float absolute = 0;
            for (int pattern = 0; pattern < 16; pattern++)
            {
                float sum = 0;
                for (int b = 0; b < 4; b++)
                {
                    float q = rotatedQuery[4 * g + b];
                    sum += (pattern >> b & 1) != 0 ? q : -q;
                }

                sums[g * 16 + pattern] = sum;
            }

            for (int b = 0; b < 4; b++)
            {
                absolute += MathF.Abs(rotatedQuery[4 * g + b]);
            }

            lows[g] = -absolute;
            bias -= absolute;
            widest = MathF.Max(widest, 2 * absolute);
        }

        Scale = widest > 0 && float.IsFinite(widest) ? widest / levels : 0;
        Bias = (float)bias;
        _tables = new byte[groups * 16];
        for (int g = 0; g < groups; g++)
        {
            for (int pattern = 0; pattern < 16; pattern++)
            {
                float level = Scale > 0 ? (sums[g * 16 + pattern] - lows[g]) / Scale : 0;
                _tables[g * 16 + pattern] = (byte)Math.Clamp((int)MathF.Round(level), 0, levels);
            }
        }

        PaddedDim = paddedDim;
        if (Avx2.IsSupported)
        {
            _wideTables = new Vector256<byte>[groups];
            for (int g = 0; g < groups; g++)
            {
                var half = Vector128.Create(_tables.AsSpan(g * 16, 16));
                _wideTables[g] = Vector256.Create(half, half);
            }
        }
        else
        {
            _wideTables = [];
        }
    }

    public int PaddedDim { get; }

    /// <summary>The value of one quantisation level.</summary>
    public float Scale { get; }

    /// <summary>S when every table entry is at level 0 (the sum of the groups' lowest partial sums).</summary>
    public float Bias { get; }

    /// <summary>S for a scan sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Estimate(ushort sum) => Scale * sum + Bias;

    /// <summary>
    /// Estimated dot products of a scanned block: <paramref name="weights"/>[slot] * <see cref="Estimate"/>(sums[slot]) for
    /// the 32 slots, eight at a time. Returns a bit mask of the slots whose estimate is above <paramref name="threshold"/>.
    /// </summary>
    public uint Estimates(ReadOnlySpan<ushort> sums, ReadOnlySpan<float> weights, Span<float> estimates, float threshold)
    {
        if (sums.Length < SignCodeBlocks.BlockSize || weights.Length < SignCodeBlocks.BlockSize || estimates.Length < SignCodeBlocks.BlockSize)
        {
            throw new ArgumentException($"a block has {SignCodeBlocks.BlockSize} sums, weights and estimates");
        }

        uint above = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(Scale);
            var bias = Vector256.Create(Bias);
            var limit = Vector256.Create(threshold);
            for (int half = 0; half < 2; half++)
            {
                var packed = Vector256.Create<ushort>(sums.Slice(16 * half, 16));
                var low = Vector256.ConvertToSingle(Vector256.WidenLower(packed).AsInt32());
                var high = Vector256.ConvertToSingle(Vector256.WidenUpper(packed).AsInt32());
                var first = ((low * scale) + bias) * Vector256.Create<float>(weights.Slice(16 * half, 8));
                var second = ((high * scale) + bias) * Vector256.Create<float>(weights.Slice((16 * half) + 8, 8));
                first.CopyTo(estimates[(16 * half)..]);
                second.CopyTo(estimates[((16 * half) + 8)..]);
                above |= (Vector256.GreaterThan(first, limit).ExtractMostSignificantBits() | (Vector256.GreaterThan(second, limit).ExtractMostSignificantBits() << 8)) << (16 * half);
            }

            return above;
        }

        for (int slot = 0; slot < SignCodeBlocks.BlockSize; slot++)
        {
            estimates[slot] = weights[slot] * Estimate(sums[slot]);
            above |= estimates[slot] > threshold ? 1u << slot : 0;
        }

        return above;
    }

    /// <summary>Scans one block of 32 codes; <paramref name="sums"/>[slot] gets the sum of the vector in that slot (see <see cref="SignCodeBlocks.SlotOf"/>).</summary>
    public void ScanBlock(ReadOnlySpan<byte> block, Span<ushort> sums)
    {
        if (_wideTables.Length > 0)
        {
            ScanBlockAvx2(block, sums);
        }
        else
        {
            ScanBlockScalar(block, sums);
        }
    }

    /// <summary>The portable scan (one table look-up per code nibble); the reference the SIMD path is tested against.</summary>
    public void ScanBlockScalar(ReadOnlySpan<byte> block, Span<ushort> sums)
    {
        CheckBlock(block, sums);
        int codeBytes = PaddedDim / 8;
        for (int position = 0; position < SignCodeBlocks.BlockSize; position++)
        {
            int sum = 0;
            for (int j = 0; j < codeBytes; j++)
            {
                int code = block[j * SignCodeBlocks.BlockSize + position];
                sum += _tables[(2 * j * 16) + (code & 15)] + _tables[((2 * j + 1) * 16) + (code >> 4)];
            }

            sums[SignCodeBlocks.SlotOf(position)] = (ushort)sum;
        }
    }

    private void ScanBlockAvx2(ReadOnlySpan<byte> block, Span<ushort> sums)
    {
        CheckBlock(block, sums);
        int codeBytes = PaddedDim / 8;
        var nibble = Vector256.Create((byte)0x0F);
        var lowByte = Vector256.Create((ushort)0x00FF);
        var even = Vector256<ushort>.Zero;
        var odd = Vector256<ushort>.Zero;
        ref byte codes = ref MemoryMarshal.GetReference(block);
        ref Vector256<byte> tables = ref MemoryMarshal.GetArrayDataReference(_wideTables);
        for (int j = 0; j < codeBytes; j++)
        {
            var code = Vector256.LoadUnsafe(ref codes, (nuint)(j * SignCodeBlocks.BlockSize));
            var low = code & nibble;
            var high = Avx2.ShiftRightLogical(code.AsUInt16(), 4).AsByte() & nibble;
            var pair = Avx2.Add(Avx2.Shuffle(Unsafe.Add(ref tables, 2 * j), low), Avx2.Shuffle(Unsafe.Add(ref tables, 2 * j + 1), high)).AsUInt16();
            even = Avx2.Add(even, pair & lowByte);
            odd = Avx2.Add(odd, Avx2.ShiftRightLogical(pair, 8));
        }

        even.CopyTo(sums);
        odd.CopyTo(sums[16..]);
    }

    private void CheckBlock(ReadOnlySpan<byte> block, Span<ushort> sums)
    {
        if (block.Length != PaddedDim / 8 * SignCodeBlocks.BlockSize || sums.Length < SignCodeBlocks.BlockSize)
        {
            throw new ArgumentException($"a block of {PaddedDim}-bit codes has {PaddedDim / 8 * SignCodeBlocks.BlockSize} bytes and needs {SignCodeBlocks.BlockSize} sums; got {block.Length} and {sums.Length}");
        }
    }
}
