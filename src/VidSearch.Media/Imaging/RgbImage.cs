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

    /// <summary>A copy of the rectangle at (<paramref name="x"/>, <paramref name="y"/>) of the given size.</summary>
    public RgbImage Crop(int x, int y, int width, int height)
    {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > Width || y + height > Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"rectangle {width}x{height} at ({x}, {y}) is not inside the {Width}x{Height} image");
        }

        var pixels = new byte[width * height * 3];
        for (int row = 0; row < height; row++)
        {
            Pixels.AsSpan(((y + row) * Width + x) * 3, width * 3).CopyTo(pixels.AsSpan(row * width * 3));
        }

        return new RgbImage(pixels, width, height);
    }
}
