using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;

namespace VidSearch.Media.Tests;

public class PreprocessingTests
{
    [Fact]
    public void Hand_computed_bicubic_downscale_matches()
    {
        // 4 -> 2 pixels: scale 2, so the a=-0.5 cubic is stretched to support 4. Output 0 is centred at 1.0; the input
        // centres 0.5, 1.5, 2.5, 3.5 lie at -0.25, 0.25, 0.75, 1.25 (in kernel units) with weights 0.8671875,
        // 0.8671875, 0.2265625, -0.0703125 (sum 1.890625). For [0, 0, 255, 255]:
        // (0.2265625 - 0.0703125) * 255 / 1.890625 = 21.07 -> 21; by symmetry output 1 = 233.93 -> 234.
        var image = Gray([0, 0, 255, 255], 4, 1);
        var resized = new BicubicResizer().Resize(image, 2, 1);
        Assert.Equal(new byte[] { 21, 21, 21, 234, 234, 234 }, resized.Pixels);
    }

    [Fact]
    public void Resize_matches_an_independent_implementation_of_pillows_bicubic()
    {
        var resizer = new BicubicResizer();
        foreach (var (w, h, ow, oh) in new[] { (256, 144, 100, 56), (97, 61, 356, 224), (150, 250, 112, 186), (225, 224, 225, 224), (1000, 13, 17, 9) })
        {
            var image = Pattern(w, h, seed: w + h);
            var expected = OracleResize(image, ow, oh);
            var actual = resizer.Resize(image, ow, oh).Pixels;
            int exact = 0, worst = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                int d = Math.Abs(expected[i] - actual[i]);
                worst = Math.Max(worst, d);
                exact += d == 0 ? 1 : 0;
            }

            // The oracle works in doubles, Pillow in 22-bit fixed point: rare off-by-one roundings only.
            Assert.True(worst <= 1, $"{w}x{h} -> {ow}x{oh}: a pixel differs by {worst}");
            Assert.True(exact >= 0.99 * expected.Length, $"{w}x{h} -> {ow}x{oh}: only {exact} of {expected.Length} values equal");
        }
    }

    [Fact]
    public void The_vectorized_passes_give_the_scalar_bytes()
    {
        Assert.SkipUnless(System.Runtime.Intrinsics.X86.Avx2.IsSupported, "the vectorized passes need SSE4.1 and AVX2");
        var scalar = new BicubicResizer(vectorized: false);
        var simd = new BicubicResizer();
        foreach (var (w, h, ow, oh) in new[] { (1280, 720, 398, 224), (256, 144, 100, 56), (97, 61, 356, 224), (150, 250, 112, 186), (1000, 13, 17, 9), (7, 5, 3, 2), (33, 33, 33, 8) })
        {
            var image = Pattern(w, h, seed: (w * 7) + h);
            Assert.Equal(scalar.Resize(image, ow, oh).Pixels, simd.Resize(image, ow, oh).Pixels);

            // The centre crop that preprocessing takes: a window of the resized image.
            int cw = Math.Min(ow, oh), left = (ow - cw) / 2, top = (oh - cw) / 2;
            Assert.Equal(scalar.Resize(image, ow, oh, left, top, cw, cw), simd.Resize(image, ow, oh, left, top, cw, cw));
        }
    }

    [Fact]
    public void Process_resizes_the_short_side_crops_the_center_and_normalises()
    {
        var pre = new ClipPreprocessor();
        var image = Pattern(320, 240, seed: 5);
        var output = new float[pre.ImageLength];
        pre.Process(image, output);

        // torchvision: short side 240 -> 224, long side int(224 * 320 / 240) = 298; crop left round(74 / 2) = 37.
        Assert.Equal((298, 224), ClipPreprocessor.ResizedSize(320, 240, 224));
        var resized = OracleResize(image, 298, 224);
        int plane = 224 * 224;
        int off = 0;
        for (int y = 0; y < 224; y++)
        {
            for (int x = 0; x < 224; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    byte value = resized[(((y * 298) + x + 37) * 3) + c];
                    float expected = ((value / 255f) - PreprocessConfig.ClipMean[c]) / PreprocessConfig.ClipStd[c];
                    float actual = output[(c * plane) + (y * 224) + x];
                    if (Math.Abs(expected - actual) > (1.01f / 255f / PreprocessConfig.ClipStd[c]))
                    {
                        off++;
                    }
                }
            }
        }

        Assert.Equal(0, off);
    }

    [Fact]
    public void An_image_at_the_input_size_is_only_scaled_and_normalised()
    {
        var pre = new ClipPreprocessor(PreprocessConfig.Clip(224));
        var image = Pattern(224, 224, seed: 9);
        var batch = pre.ProcessBatch([image, image]);
        Assert.Equal((2, 224, 224), (batch.Count, batch.Height, batch.Width));
        var first = batch.Image(0);
        for (int y = 0; y < 224; y++)
        {
            for (int x = 0; x < 224; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    byte b = image.Pixels[(((y * 224) + x) * 3) + c];
                    Assert.Equal(((b / 255f) - PreprocessConfig.ClipMean[c]) / PreprocessConfig.ClipStd[c], first[(c * 224 * 224) + (y * 224) + x]);
                }
            }
        }

        Assert.True(batch.Image(1).SequenceEqual(first));
    }

    [Fact]
    public void Bytes_through_the_normalisation_table_are_exactly_the_processed_floats()
    {
        var pre = new ClipPreprocessor(PreprocessConfig.Clip(64));
        var image = Pattern(150, 97, seed: 4);
        var floats = new float[pre.ImageLength];
        var bytes = new byte[pre.ImageLength];
        pre.Process(image, floats);
        pre.ProcessToBytes(image, bytes);
        var table = pre.NormalizationTable();
        int plane = 64 * 64;
        var rebuilt = bytes.Select((b, i) => table[((i / plane) * 256) + b]).ToArray();
        Assert.Equal(floats, rebuilt);
        Assert.True(bytes.Distinct().Count() > 50, "the pattern gives many distinct byte values");
        Assert.Throws<ArgumentException>(() => pre.ProcessToBytes(image, new byte[10]));
    }

    [Fact]
    public void Crop_offsets_round_half_to_even_like_python()
    {
        Assert.Equal(0, ClipPreprocessor.CropOffset(225, 224));  // round(0.5) = 0
        Assert.Equal(2, ClipPreprocessor.CropOffset(227, 224));  // round(1.5) = 2
        Assert.Equal(37, ClipPreprocessor.CropOffset(298, 224));
        Assert.Equal((224, 398), ClipPreprocessor.ResizedSize(360, 640, 224));
        Assert.Equal((336, 336), ClipPreprocessor.ResizedSize(500, 500, 336));
    }

    [Fact]
    public void Image_size_is_configurable_and_absurd_configs_are_refused()
    {
        var pre = new ClipPreprocessor(PreprocessConfig.Clip(32));
        var batch = pre.ProcessBatch([Pattern(50, 40, 1)]);
        Assert.Equal((32, 32, 3 * 32 * 32), (batch.Height, batch.Width, batch.Data.Length));
        Assert.Throws<VidSearchException>(() => new ClipPreprocessor(PreprocessConfig.Clip(0)));
        Assert.Throws<VidSearchException>(() => new ClipPreprocessor(new PreprocessConfig { Std = [1, 0, 1] }));
        Assert.Throws<ArgumentException>(() => pre.Process(Pattern(8, 8, 1), new float[10]));
    }

    /// <summary>A deterministic image with edges, gradients and noise (what resampling errors show on).</summary>
    internal static RgbImage Pattern(int width, int height, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = ((y * width) + x) * 3;
                pixels[i] = (byte)((x * 255) / Math.Max(1, width - 1));
                pixels[i + 1] = (byte)(((x / 7) + (y / 5)) % 2 == 0 ? 230 : 20);
                pixels[i + 2] = (byte)random.Next(256);
            }
        }

        return new RgbImage(pixels, width, height);
    }

    private static RgbImage Gray(byte[] values, int width, int height)
        => new(values.SelectMany(v => new[] { v, v, v }).ToArray(), width, height);

    /// <summary>
    /// Independent oracle of Pillow's bicubic resize, written from its definition: each output pixel's centre
    /// (o + 0.5) * in / out in input coordinates; every input pixel i weighs cubic((i + 0.5 - centre) / s) with
    /// a = -0.5 and s = max(in / out, 1); weights normalised to sum 1; horizontal pass first, rounded to 8 bits
    /// (half up) and clamped, then the vertical pass. A dimension whose size does not change is copied.
    /// </summary>
    internal static byte[] OracleResize(RgbImage image, int outWidth, int outHeight)
    {
        double[,] xw = Weights(image.Width, outWidth);
        double[,] yw = Weights(image.Height, outHeight);
        var mid = new byte[outWidth * image.Height * 3];
        for (int y = 0; y < image.Height; y++)
        {
            for (int o = 0; o < outWidth; o++)
            {
                for (int c = 0; c < 3; c++)
                {
                    double sum = 0;
                    for (int i = 0; i < image.Width; i++)
                    {
                        sum += xw[o, i] * image.Pixels[(((y * image.Width) + i) * 3) + c];
                    }

                    mid[(((y * outWidth) + o) * 3) + c] = image.Width == outWidth ? image.Pixels[(((y * image.Width) + o) * 3) + c] : Round(sum);
                }
            }
        }

        var result = new byte[outWidth * outHeight * 3];
        for (int o = 0; o < outHeight; o++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    double sum = 0;
                    for (int i = 0; i < image.Height; i++)
                    {
                        sum += yw[o, i] * mid[(((i * outWidth) + x) * 3) + c];
                    }

                    result[(((o * outWidth) + x) * 3) + c] = image.Height == outHeight ? mid[(((o * outWidth) + x) * 3) + c] : Round(sum);
                }
            }
        }

        return result;
    }

    private static double[,] Weights(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double stretch = Math.Max(scale, 1);
        var w = new double[outSize, inSize];
        for (int o = 0; o < outSize; o++)
        {
            double centre = (o + 0.5) * scale, total = 0;
            for (int i = 0; i < inSize; i++)
            {
                double d = Math.Abs((i + 0.5 - centre) / stretch);
                double k = d < 1 ? (1.5 * d * d * d) - (2.5 * d * d) + 1 : d < 2 ? (-0.5 * d * d * d) + (2.5 * d * d) - (4 * d) + 2 : 0;
                w[o, i] = k;
                total += k;
            }

            for (int i = 0; i < inSize; i++)
            {
                w[o, i] /= total;
            }
        }

        return w;
    }

    private static byte Round(double v) => (byte)Math.Clamp(Math.Floor(v + 0.5), 0, 255);
}
