using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VidSearch.Core;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Persistence;

/// <summary>
/// A minimal safetensors reader/writer for head weights (F32 only): 8-byte little-endian header length, a JSON
/// header {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the raw little-endian data.
/// Internal to Retrieval until the Models component's reader is shared.
/// </summary>
internal static class SafeTensors
{
    private const long MaxHeaderBytes = 100_000_000;

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is not null)
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata)
            {
                meta[key] = value;
            }

            header["__metadata__"] = meta;
        }

        var blobs = new List<float[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            using var cpu = tensor.detach().to(CPU).to_type(ScalarType.Float32).contiguous();
            var data = cpu.data<float>().ToArray();
            long bytes = (long)data.Length * sizeof(float);
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(tensor.shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            blobs.Add(data);
            offset += bytes;
        }

        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - (headerBytes.Length % 8)) % 8;
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var stream = File.Create(temp))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(headerBytes.Length + padding));
            stream.Write(length);
            stream.Write(headerBytes);
            for (int i = 0; i < padding; i++)
            {
                stream.WriteByte((byte)' ');
            }

            foreach (var blob in blobs)
            {
                if (!BitConverter.IsLittleEndian)
                {
                    throw new PlatformNotSupportedException("big-endian hosts are not supported");
                }

                stream.Write(MemoryMarshal.AsBytes(blob.AsSpan()));
            }
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Reads every tensor (as CPU float32) and the metadata; throws a VidSearchException on a bad file.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "file not found");
        }

        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 8)
        {
            throw Corrupt(path, $"only {file.Length} bytes, too short for a safetensors header");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerLength > MaxHeaderBytes || (long)headerLength > file.Length - 8)
        {
            throw Corrupt(path, $"header length {headerLength} exceeds the file ({file.Length} bytes)");
        }

        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(file, 8, (int)headerLength))?.AsObject()
                ?? throw new JsonException("header is null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Corrupt(path, "header is not a JSON object: " + e.Message);
        }

        long dataStart = 8 + (long)headerLength;
        long dataLength = file.Length - dataStart;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    foreach (var (key, value) in node!.AsObject())
                    {
                        metadata[key] = value!.GetValue<string>();
                    }

                    continue;
                }

                var entry = node!.AsObject();
                string dtype = entry["dtype"]!.GetValue<string>();
                if (dtype != "F32")
                {
                    throw Corrupt(path, $"tensor '{name}' has dtype {dtype}; only F32 is supported");
                }

                var shape = entry["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray();
                var offsets = entry["data_offsets"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray();
                long elements = 1;
                foreach (long s in shape)
                {
                    if (s < 0)
                    {
                        throw Corrupt(path, $"tensor '{name}' has a negative dimension");
                    }

                    elements = checked(elements * s);
                }

                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength
                    || offsets[1] - offsets[0] != elements * sizeof(float))
                {
                    throw Corrupt(path, $"tensor '{name}' has data offsets [{string.Join(", ", offsets)}] that do not fit shape [{string.Join(", ", shape)}] and {dataLength} data bytes (truncated?)");
                }

                var values = MemoryMarshal.Cast<byte, float>(file.AsSpan((int)(dataStart + offsets[0]), (int)(offsets[1] - offsets[0]))).ToArray();
                tensors[name] = tensor(values, shape);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or OverflowException or JsonException)
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }

            throw Corrupt(path, "malformed header entry: " + e.Message);
        }

        return (tensors, metadata);
    }

    private static VidSearchException Corrupt(string path, string cause) => new(ErrorKind.InvalidInput, path, cause);
}
