using System.Collections.Concurrent;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using VidSearch.Media.Imaging;

namespace VidSearch.Media.Preprocessing;

/// <summary>
/// Pillow-exact bicubic resizing of RGB images, with the 1-D weights cached per (input, output) size. Both passes
/// use SSE4.1/AVX2 integer arithmetic where the processor has it (the same 32-bit fixed-point sums as the scalar
/// loops, so the same bytes), the scalar loops otherwise.
/// </summary>
public sealed class BicubicResizer
{
    private readonly ConcurrentDictionary<(int In, int Out), ResampleWeights> weightCache = new();
    private readonly bool vectorized;

    public BicubicResizer()
        : this(vectorized: true)
    {
    }

    /// <summary>With <paramref name="vectorized"/> false, the scalar loops only (the reference the tests compare with).</summary>
    internal BicubicResizer(bool vectorized)
    {
        this.vectorized = vectorized && Sse41.IsSupported && Avx2.IsSupported;
    }

    /// <summary>The whole image resized to <paramref name="width"/> x <paramref name="height"/>.</summary>
    public RgbImage Resize(RgbImage image, int width, int height)
        => new(Resize(image, width, height, 0, 0, width, height), width, height);

    /// <summary>
    /// Pillow's bicubic resize of <paramref name="image"/> to <paramref name="width"/> x <paramref name="height"/>,
    /// computing only the window [left, left + cropWidth) x [top, top + cropHeight) of the result (RGB bytes).
    /// Pixels outside the resized image (a crop larger than it) are black, as torchvision pads.
    /// </summary>
    public byte[] Resize(RgbImage image, int width, int height, int left, int top, int cropWidth, int cropHeight)
    {
        var output = new byte[cropWidth * cropHeight * 3];
        bool horizontal = width != image.Width;
        bool vertical = height != image.Height;
        var xWeights = horizontal ? weightCache.GetOrAdd((image.Width, width), key => ResampleWeights.Bicubic(key.In, key.Out)) : null;
        var yWeights = vertical ? weightCache.GetOrAdd((image.Height, height), key => ResampleWeights.Bicubic(key.In, key.Out)) : null;

        // Output columns and rows of the crop that lie inside the resized image.
        int x0 = Math.Max(0, left), x1 = Math.Min(width, left + cropWidth);
        int y0 = Math.Max(0, top), y1 = Math.Min(height, top + cropHeight);
        if (x0 >= x1 || y0 >= y1)
        {
            return output;
        }

        // Input rows the vertical pass needs.
        int rowFirst = vertical ? yWeights!.First[y0] : y0;
        int rowLast = vertical ? yWeights!.First[y1 - 1] + yWeights.Count[y1 - 1] : y1;
        int columns = x1 - x0;
        var pass = new byte[(rowLast - rowFirst) * columns * 3];
        var pixels = image.Pixels;
        int stride = image.Stride;
        const int half = 1 << (ResampleWeights.PrecisionBits - 1);
        for (int y = rowFirst; y < rowLast; y++)
        {
            int inRow = y * stride;
            int outRow = (y - rowFirst) * columns * 3;
            if (!horizontal)
            {
                Buffer.BlockCopy(pixels, inRow + (x0 * 3), pass, outRow, columns * 3);
                continue;
            }

            int x = x0;
            if (vectorized)
            {
                x = HorizontalRowVectorized(pixels, inRow, x0, x1, xWeights!, pass.AsSpan(outRow, columns * 3));
            }

            for (; x < x1; x++)
            {
                int first = xWeights!.First[x], count = xWeights.Count[x], k = x * xWeights.Taps;
                int r = half, g = half, b = half;
                int p = inRow + (first * 3);
                for (int i = 0; i < count; i++, p += 3)
                {
                    int w = xWeights.Weights[k + i];
                    r += pixels[p] * w;
                    g += pixels[p + 1] * w;
                    b += pixels[p + 2] * w;
                }

                int o = outRow + ((x - x0) * 3);
                pass[o] = Clip8(r);
                pass[o + 1] = Clip8(g);
                pass[o + 2] = Clip8(b);
            }
        }

        int rowBytes = columns * 3;
        var sums = new int[rowBytes];
        for (int y = y0; y < y1; y++)
        {
            int outRow = (((y - top) * cropWidth) + (x0 - left)) * 3;
            if (!vertical)
            {
                Buffer.BlockCopy(pass, (y - rowFirst) * rowBytes, output, outRow, rowBytes);
                continue;
            }

            // Row by row over the taps: sequential memory access.
            int first = yWeights!.First[y] - rowFirst, count = yWeights.Count[y], k = y * yWeights.Taps;
            if (vectorized)
            {
                VerticalRowVectorized(pass, first * rowBytes, rowBytes, yWeights.Weights.AsSpan(k, count), output.AsSpan(outRow, rowBytes));
                continue;
            }

            Array.Fill(sums, half);
            for (int i = 0; i < count; i++)
            {
                int w = yWeights.Weights[k + i];
                var row = pass.AsSpan((first + i) * rowBytes, rowBytes);
                for (int c = 0; c < row.Length; c++)
                {
                    sums[c] += row[c] * w;
                }
            }

            for (int c = 0; c < rowBytes; c++)
            {
                output[outRow + c] = Clip8(sums[c]);
            }
        }

        return output;
    }

    /// <summary>
    /// The horizontal pass of one row for output columns from <paramref name="x0"/>, one RGB pixel per 128-bit sum
    /// (4 bytes read per tap: the pixel and the next one's red, multiplied and then ignored). Returns the first
    /// column left to the scalar loop: the one whose last tap is the image's last pixel (nothing after it to read).
    /// </summary>
    private static unsafe int HorizontalRowVectorized(byte[] pixels, int inRow, int x0, int x1, ResampleWeights weights, Span<byte> passRow)
    {
        var half = Vector128.Create(1 << (ResampleWeights.PrecisionBits - 1));
        var max = Vector128.Create(255);
        int x = x0;
        fixed (byte* source = pixels)
        fixed (int* allWeights = weights.Weights)
        fixed (byte* target = passRow)
        {
            for (; x < x1; x++)
            {
                int first = weights.First[x], count = weights.Count[x];
                long start = inRow + ((long)first * 3);
                if (start + (count * 3L) + 1 > pixels.Length)
                {
                    break;
                }

                byte* p = source + start;
                int* w = allWeights + (x * weights.Taps);
                var sum = half;
                for (int i = 0; i < count; i++, p += 3)
                {
                    sum = Sse2.Add(sum, Sse41.MultiplyLow(Sse41.ConvertToVector128Int32(p), Vector128.Create(w[i])));
                }

                var clipped = Sse41.Min(Sse41.Max(Sse2.ShiftRightArithmetic(sum, ResampleWeights.PrecisionBits), Vector128<int>.Zero), max);
                byte* o = target + ((x - x0) * 3);
                o[0] = (byte)clipped.GetElement(0);
                o[1] = (byte)clipped.GetElement(1);
                o[2] = (byte)clipped.GetElement(2);
            }
        }

        return x;
    }

    /// <summary>The vertical pass of one output row: 8 bytes of the row per 256-bit sum over the taps, the tail scalar.</summary>
    private static unsafe void VerticalRowVectorized(byte[] pass, int firstOffset, int rowBytes, ReadOnlySpan<int> weights, Span<byte> output)
    {
        const int half = 1 << (ResampleWeights.PrecisionBits - 1);
        var halfVector = Vector256.Create(half);
        var max = Vector256.Create(255);
        int c = 0;
        fixed (byte* rows = pass)
        fixed (byte* target = output)
        {
            byte* firstRow = rows + firstOffset;
            for (; c + 8 <= rowBytes; c += 8)
            {
                var sum = halfVector;
                byte* p = firstRow + c;
                for (int i = 0; i < weights.Length; i++, p += rowBytes)
                {
                    sum = Avx2.Add(sum, Avx2.MultiplyLow(Avx2.ConvertToVector256Int32(p), Vector256.Create(weights[i])));
                }

                var clipped = Avx2.Min(Avx2.Max(Avx2.ShiftRightArithmetic(sum, ResampleWeights.PrecisionBits), Vector256<int>.Zero), max);
                for (int j = 0; j < 8; j++)
                {
                    target[c + j] = (byte)clipped.GetElement(j);
                }
            }

            for (; c < rowBytes; c++)
            {
                int sum = half;
                byte* p = firstRow + c;
                for (int i = 0; i < weights.Length; i++, p += rowBytes)
                {
                    sum += *p * weights[i];
                }

                target[c] = Clip8(sum);
            }
        }
    }

    private static byte Clip8(int value)
    {
        int shifted = value >> ResampleWeights.PrecisionBits;
        return (byte)(shifted < 0 ? 0 : shifted > 255 ? 255 : shifted);
    }
}
