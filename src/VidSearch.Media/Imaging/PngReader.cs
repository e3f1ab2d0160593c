using System.Buffers.Binary;
using System.IO.Compression;

namespace VidSearch.Media.Imaging;

/// <summary>
/// Decodes the common PNG layout in process: 8-bit, non-interlaced, grayscale, RGB, gray+alpha or RGBA (alpha dropped).
/// Other PNGs (palettes, 16-bit, interlaced) return null and are read through ffmpeg by <see cref="ImageFile"/>.
/// Reading tens of thousands of training images this way avoids starting two processes per image.
/// </summary>
public static class PngReader
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>The image, or null when the file is not a PNG of a supported layout (or is damaged).</summary>
    public static RgbImage? TryRead(byte[] file)
    {
        if (file.Length < 33 || !file.AsSpan(0, 8).SequenceEqual(Signature))
        {
            return null;
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        int pos = 8;
        bool sawEnd = false;
        while (pos + 8 <= file.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(pos));
            string type = System.Text.Encoding.ASCII.GetString(file, pos + 4, 4);
            if (length < 0 || pos + 12 + (long)length > file.Length)
            {
                return null;
            }

            var data = file.AsSpan(pos + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(data);
                height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                byte depth = data[8], colorType = data[9], interlace = data[12];
                channels = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
                if (depth != 8 || interlace != 0 || channels == 0 || width <= 0 || height <= 0 || (long)width * height > 1 << 28)
                {
                    return null;
                }
            }
            else if (type == "IDAT")
            {
                compressed.Write(data);
            }
            else if (type == "IEND")
            {
                sawEnd = true;
                break;
            }

            pos += 12 + length;
        }

        if (!sawEnd || channels == 0)
        {
            return null;
        }

        int stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        try
        {
            compressed.Position = 0;
            using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
            inflater.ReadExactly(raw);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            return null;
        }

        var pixels = new byte[width * height * 3];
        var previous = new byte[stride];
        var current = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            int rowStart = y * (stride + 1);
            byte filter = raw[rowStart];
            raw.AsSpan(rowStart + 1, stride).CopyTo(current);
            if (!Unfilter(filter, current, previous, channels))
            {
                return null;
            }

            var target = pixels.AsSpan(y * width * 3, width * 3);
            for (int x = 0; x < width; x++)
            {
                int s = x * channels;
                if (channels <= 2)
                {
                    target[x * 3] = target[x * 3 + 1] = target[x * 3 + 2] = current[s];
                }
                else
                {
                    target[x * 3] = current[s];
                    target[x * 3 + 1] = current[s + 1];
                    target[x * 3 + 2] = current[s + 2];
                }
            }

            (previous, current) = (current, previous);
        }

        return new RgbImage(pixels, width, height);
    }

    private static bool Unfilter(byte filter, byte[] row, byte[] above, int bpp)
    {
        switch (filter)
        {
            case 0:
                return true;
            case 1:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                return true;
            case 2:
                for (int i = 0; i < row.Length; i++) row[i] += above[i];
                return true;
            case 3:
                for (int i = 0; i < row.Length; i++) row[i] += (byte)(((i >= bpp ? row[i - bpp] : 0) + above[i]) >> 1);
                return true;
            case 4:
                for (int i = 0; i < row.Length; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0, b = above[i], c = i >= bpp ? above[i - bpp] : 0;
                    int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                    row[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                }

                return true;
            default:
                return false;
        }
    }
}
