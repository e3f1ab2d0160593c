using System.Buffers.Binary;
using System.IO.Compression;
using VidSearch.Core;

namespace VidSearch.Media.Encoding;

/// <summary>Encodes 8-bit RGB images as PNG (no external tool; deflate through <see cref="ZLibStream"/>).</summary>
public static class PngWriter
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Writes an RGB24 image (rows top to bottom) to a PNG file, through a temporary name.</summary>
    public static void Write(string path, ReadOnlySpan<byte> rgb, int width, int height, CompressionLevel level = CompressionLevel.Fastest)
    {
        string temp = path + ".partial";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            Write(file, rgb, width, height, level);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes an RGB24 image as PNG to a stream.</summary>
    public static void Write(Stream output, ReadOnlySpan<byte> rgb, int width, int height, CompressionLevel level = CompressionLevel.Fastest)
    {
        if (width <= 0 || height <= 0)
        {
            throw VidSearchException.Argument("image size", $"{width}x{height} is not positive");
        }

        int stride = width * 3;
        if (rgb.Length != stride * height)
        {
            throw VidSearchException.Argument("image", $"holds {rgb.Length} bytes, expected {width}x{height}x3 = {stride * height}");
        }

        output.Write(Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB
        header[10] = 0; // deflate
        header[11] = 0; // adaptive filtering
        header[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, header);

        // Up filter (type 2) on every row: cheap and compresses flat synthetic frames well.
        var filtered = new byte[(stride + 1) * height];
        for (int y = 0; y < height; y++)
        {
            var row = rgb.Slice(y * stride, stride);
            var dest = filtered.AsSpan(y * (stride + 1), stride + 1);
            if (y == 0)
            {
                dest[0] = 0;
                row.CopyTo(dest[1..]);
                continue;
            }

            dest[0] = 2;
            var above = rgb.Slice((y - 1) * stride, stride);
            for (int x = 0; x < stride; x++)
            {
                dest[x + 1] = (byte)(row[x] - above[x]);
            }
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, level, leaveOpen: true))
        {
            zlib.Write(filtered);
        }

        WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND"u8, []);
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        uint crc = Crc(Crc(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
