using System.Buffers.Binary;
using System.IO.Compression;
using VidSearch.Core;

namespace VidSearch.Media.Imaging;

/// <summary>Writes 8-bit RGB PNG files (filter "Sub" on every row, zlib-compressed IDAT).</summary>
public static class PngWriter
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Writes a PNG file through a temporary name, so a half-written file never has the final name.</summary>
    public static void Write(string path, RgbImage image, CompressionLevel level = CompressionLevel.Fastest)
    {
        string temp = path + ".partial";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Write(stream, image, level);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes packed RGB24 pixels (rows top to bottom) as a PNG file.</summary>
    public static void Write(string path, byte[] rgb, int width, int height, CompressionLevel level = CompressionLevel.Fastest)
    {
        if (width <= 0 || height <= 0 || rgb.Length != (long)width * height * 3)
        {
            throw VidSearchException.Argument("image", $"{rgb.Length} bytes is not a {width}x{height} RGB image");
        }

        Write(path, new RgbImage(rgb, width, height), level);
    }

    public static byte[] Encode(RgbImage image)
    {
        using var memory = new MemoryStream();
        Write(memory, image);
        return memory.ToArray();
    }

    public static void Write(Stream output, RgbImage image, CompressionLevel level = CompressionLevel.Fastest)
    {
        output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], image.Height);
        header[8] = 8;  // bit depth
        header[9] = 2;  // colour type: truecolour RGB
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering
        header[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, header);

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, level, leaveOpen: true))
        {
            int stride = image.Stride;
            var line = new byte[stride + 1];
            line[0] = 1; // Sub: each byte minus the byte of the pixel to its left
            for (int y = 0; y < image.Height; y++)
            {
                var row = image.Row(y);
                row[..3].CopyTo(line.AsSpan(1));
                for (int x = 3; x < stride; x++)
                {
                    line[x + 1] = (byte)(row[x] - row[x - 3]);
                }

                zlib.Write(line);
            }
        }

        WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND"u8, ReadOnlySpan<byte>.Empty);
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }
}
