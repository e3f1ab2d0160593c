using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Rendering;

/// <summary>
/// Draws the five shapes into an RGB24 buffer. Each shape fills a square of the given side centred on
/// (cx, cy); coverage comes from a signed distance (negative inside) with a one-pixel ramp.
/// </summary>
public static class ShapeRasterizer
{
    private static readonly double InvSqrt2 = 1 / Math.Sqrt(2);
    private static readonly double InvSqrt5 = 1 / Math.Sqrt(5);

    public static void Draw(Span<byte> rgb, int width, int height, Shape shape, double cx, double cy, double side,
        double r, double g, double b, double opacity)
    {
        double half = side / 2;
        int x0 = Math.Max(0, (int)Math.Floor(cx - half - 1));
        int x1 = Math.Min(width - 1, (int)Math.Ceiling(cx + half + 1));
        int y0 = Math.Max(0, (int)Math.Floor(cy - half - 1));
        int y1 = Math.Min(height - 1, (int)Math.Ceiling(cy + half + 1));
        for (int y = y0; y <= y1; y++)
        {
            double py = y + 0.5 - cy;
            int row = y * width * 3;
            for (int x = x0; x <= x1; x++)
            {
                double px = x + 0.5 - cx;
                double d = Distance(shape, px, py, half);
                double coverage = Math.Clamp(0.5 - d, 0, 1) * opacity;
                if (coverage <= 0)
                {
                    continue;
                }

                int i = row + (x * 3);
                rgb[i] = Blend(rgb[i], r, coverage);
                rgb[i + 1] = Blend(rgb[i + 1], g, coverage);
                rgb[i + 2] = Blend(rgb[i + 2], b, coverage);
            }
        }
    }

    /// <summary>Signed distance (pixels, negative inside) from a point relative to the centre to the shape.</summary>
    public static double Distance(Shape shape, double x, double y, double half)
    {
        double ax = Math.Abs(x), ay = Math.Abs(y);
        switch (shape)
        {
            case Shape.Circle:
                return Math.Sqrt((x * x) + (y * y)) - half;
            case Shape.Square:
                return Box(ax, ay, half * 0.9, half * 0.9);
            case Shape.Diamond:
                return (ax + ay - half) * InvSqrt2;
            case Shape.Cross:
            {
                double arm = half / 3;
                return Math.Min(Box(ax, ay, half, arm), Box(ax, ay, arm, half));
            }

            case Shape.Triangle:
            {
                // Apex at (0, -half), base from (-half, half) to (half, half): edges of slope 2.
                double slanted = ((2 * ax) - y - half) * InvSqrt5;
                double bottom = y - half;
                return Math.Max(slanted, bottom);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(shape));
        }
    }

    private static double Box(double ax, double ay, double hx, double hy)
    {
        double dx = ax - hx, dy = ay - hy;
        double outside = Math.Sqrt((Math.Max(dx, 0) * Math.Max(dx, 0)) + (Math.Max(dy, 0) * Math.Max(dy, 0)));
        return outside + Math.Min(Math.Max(dx, dy), 0);
    }

    private static byte Blend(byte under, double over, double alpha) => (byte)Math.Clamp(Math.Round(under + ((over - under) * alpha)), 0, 255);
}
