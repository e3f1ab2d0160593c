using System.Buffers.Binary;
using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Models.Store;

/// <summary>
/// Reads and checks the header of a .safetensors file (8-byte little-endian header length, JSON header, data):
/// the header parses, every tensor's byte range lies inside the data, and the data ends exactly at the file's end,
/// so a truncated or padded file is caught even without a published checksum.
/// </summary>
public static class SafetensorsHeader
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>Tensor names of a valid file; throws <see cref="VidSearchException"/> (InvalidInput) otherwise.</summary>
    public static IReadOnlyList<string> ReadTensorNames(string path)
    {
        using var stream = File.OpenRead(path);
        long length = stream.Length;
        if (length < 8)
        {
            throw Invalid(path, $"{length} bytes is too short for a safetensors file");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerSize = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerSize < 2 || headerSize > (ulong)MaxHeaderBytes || (long)headerSize > length - 8)
        {
            throw Invalid(path, $"header length {headerSize} does not fit a file of {length} bytes (truncated or not safetensors)");
        }

        var header = new byte[headerSize];
        stream.ReadExactly(header);
        long dataSize = length - 8 - (long)headerSize;
        var names = new List<string>();
        long end = 0;
        try
        {
            using var doc = JsonDocument.Parse(header);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, "header is not a JSON object");
            }

            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "__metadata__")
                {
                    continue;
                }

                if (!p.Value.TryGetProperty("data_offsets", out var offsets) || offsets.GetArrayLength() != 2)
                {
                    throw Invalid(path, $"tensor \"{p.Name}\" has no data_offsets");
                }

                long begin = offsets[0].GetInt64(), stop = offsets[1].GetInt64();
                if (begin < 0 || stop < begin || stop > dataSize)
                {
                    throw Invalid(path, $"tensor \"{p.Name}\" lies outside the data ({begin}..{stop} of {dataSize} bytes): the file is truncated or corrupt");
                }

                end = Math.Max(end, stop);
                names.Add(p.Name);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"safetensors header is not valid JSON ({e.Message})", e);
        }

        if (end != dataSize)
        {
            throw Invalid(path, $"data holds {dataSize} bytes but the tensors use {end}: the file is truncated or padded");
        }

        return names;
    }

    private static VidSearchException Invalid(string path, string cause) => new(ErrorKind.InvalidInput, path, cause);
}
