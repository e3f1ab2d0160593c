using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Rendering;

/// <summary>Paints the four background kinds into an RGB24 buffer.</summary>
public static class BackgroundPainter
{
    public static byte[] Paint(Background background, int size)
    {
        var rgb = new byte[size * size * 3];
        switch (background.Kind)
        {
            case BackgroundKind.Black:
                break;
            case BackgroundKind.Gray:
                Fill(rgb, background.From);
                break;
            case BackgroundKind.Gradient:
            {
                double cx = Math.Cos(background.Angle), cy = Math.Sin(background.Angle);
                double half = (size - 1) / 2.0;
                double extent = half * (Math.Abs(cx) + Math.Abs(cy));
                for (int y = 0; y < size; y++)
                {
                    for (int x = 0; x < size; x++)
                    {
                        double t = extent <= 0 ? 0 : ((((x - half) * cx) + ((y - half) * cy)) / extent * 0.5) + 0.5;
                        int i = ((y * size) + x) * 3;
                        rgb[i] = Lerp(background.From.R, background.To.R, t);
                        rgb[i + 1] = Lerp(background.From.G, background.To.G, t);
                        rgb[i + 2] = Lerp(background.From.B, background.To.B, t);
                    }
                }

                break;
            }

            case BackgroundKind.Noise:
            {
                int amplitude = background.NoiseAmplitude;
                for (int p = 0; p < size * size; p++)
                {
                    ulong h = DeterministicRandom.Hash(background.NoiseSeed + (ulong)p);
                    int i = p * 3;
                    rgb[i] = Clamp(background.From.R + Offset(h, 0, amplitude));
                    rgb[i + 1] = Clamp(background.From.G + Offset(h, 16, amplitude));
                    rgb[i + 2] = Clamp(background.From.B + Offset(h, 32, amplitude));
                }

                break;
            }
        }

        return rgb;
    }

    private static void Fill(byte[] rgb, Rgb c)
    {
        for (int i = 0; i < rgb.Length; i += 3)
        {
            rgb[i] = c.R;
            rgb[i + 1] = c.G;
            rgb[i + 2] = c.B;
        }
    }

    private static int Offset(ulong h, int shift, int amplitude) => (int)((h >> shift) % (ulong)((2 * amplitude) + 1)) - amplitude;

    private static byte Lerp(byte a, byte b, double t) => (byte)Math.Clamp(Math.Round(a + ((b - a) * t)), 0, 255);

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
