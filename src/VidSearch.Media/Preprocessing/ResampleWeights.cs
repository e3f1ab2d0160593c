namespace VidSearch.Media.Preprocessing;

/// <summary>
/// The 1-D weights of a bicubic resize exactly as Pillow computes them (Resample.c, 8 bits per channel): cubic
/// kernel with a = -0.5 and support 2, widened by the downscale factor (antialiasing), normalised to sum 1 and
/// then turned into 22-bit fixed point, rounding half away from zero.
/// </summary>
public sealed class ResampleWeights
{
    /// <summary>Fixed-point precision of the weights: 32 - 8 - 2 bits, as Pillow.</summary>
    public const int PrecisionBits = 22;

    private ResampleWeights(int inSize, int outSize, int taps, int[] first, int[] count, int[] weights)
    {
        InSize = inSize;
        OutSize = outSize;
        Taps = taps;
        First = first;
        Count = count;
        Weights = weights;
    }

    public int InSize { get; }

    public int OutSize { get; }

    /// <summary>Stride of <see cref="Weights"/> per output position.</summary>
    public int Taps { get; }

    /// <summary>First input index used by each output position.</summary>
    public int[] First { get; }

    /// <summary>Number of input indices used by each output position.</summary>
    public int[] Count { get; }

    /// <summary>Fixed-point weights, <see cref="Taps"/> per output position.</summary>
    public int[] Weights { get; }

    public static double Cubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return (((a + 2.0) * x) - (a + 3.0)) * x * x + 1;
        }

        if (x < 2.0)
        {
            return ((((x - 5) * x) + 8) * x - 4) * a;
        }

        return 0.0;
    }

    public static ResampleWeights Bicubic(int inSize, int outSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outSize);
        const double filterSupport = 2.0;
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterSupport * filterScale;
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * taps];
        var k = new double[taps];
        double inverse = 1.0 / filterScale;
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            int xmin = Math.Max(0, (int)(center - support + 0.5));
            int xmax = Math.Min(inSize, (int)(center + support + 0.5)) - xmin;
            double sum = 0;
            for (int x = 0; x < xmax; x++)
            {
                double w = Cubic((x + xmin - center + 0.5) * inverse);
                k[x] = w;
                sum += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                double w = sum != 0 ? k[x] / sum : k[x];
                weights[(xx * taps) + x] = w < 0
                    ? (int)(-0.5 + (w * (1 << PrecisionBits)))
                    : (int)(0.5 + (w * (1 << PrecisionBits)));
            }

            first[xx] = xmin;
            count[xx] = xmax;
        }

        return new ResampleWeights(inSize, outSize, taps, first, count, weights);
    }
}
