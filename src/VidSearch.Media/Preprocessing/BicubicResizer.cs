using System.Collections.Concurrent;
using VidSearch.Media.Imaging;

namespace VidSearch.Media.Preprocessing;

/// <summary>Pillow-exact bicubic resizing of RGB images, with the 1-D weights cached per (input, output) size.</summary>
public sealed class BicubicResizer
{
    private readonly ConcurrentDictionary<(int In, int Out), ResampleWeights> weightCache = new();

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

            for (int x = x0; x < x1; x++)
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

    private static byte Clip8(int value)
    {
        int shifted = value >> ResampleWeights.PrecisionBits;
        return (byte)(shifted < 0 ? 0 : shifted > 255 ? 255 : shifted);
    }
}
