namespace VidSearch.Media.Imaging;

/// <summary>An 8-bit RGB image, rows top to bottom, pixels packed R,G,B (no padding).</summary>
public sealed record RgbImage
{
    public RgbImage(byte[] pixels, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (pixels.Length != checked(width * height * 3))
        {
            throw new ArgumentException($"{pixels.Length} bytes is not {width}x{height} RGB", nameof(pixels));
        }

        Pixels = pixels;
        Width = width;
        Height = height;
    }

    public byte[] Pixels { get; }

    public int Width { get; }

    public int Height { get; }

    public int Stride => Width * 3;

    public ReadOnlySpan<byte> Row(int y) => Pixels.AsSpan(y * Stride, Stride);
}
