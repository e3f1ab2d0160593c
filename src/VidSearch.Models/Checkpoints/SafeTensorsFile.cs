using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Models.Checkpoints;

/// <summary>Where one tensor lies in a safetensors file: dtype name as in the header ("F32", "F16", "BF16"...), shape, byte range in the data section.</summary>
public sealed record SafeTensorInfo(string Name, string Dtype, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>A tensor to write: raw little-endian bytes in the given dtype.</summary>
public sealed record SafeTensorEntry(string Name, string Dtype, long[] Shape, byte[] Data)
{
    /// <summary>Encodes float32 values as F32, F16 or BF16 (round to nearest even).</summary>
    public static SafeTensorEntry FromFloats(string name, long[] shape, ReadOnlySpan<float> values, string dtype = "F32")
    {
        byte[] data;
        switch (dtype)
        {
            case "F32":
                data = MemoryMarshal.AsBytes(values).ToArray();
                break;
            case "F16":
                data = new byte[values.Length * 2];
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(i * 2), (Half)values[i]);
                }

                break;
            case "BF16":
                data = new byte[values.Length * 2];
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(i * 2), SafeTensorsFile.ToBFloat16(values[i]));
                }

                break;
            default:
                throw VidSearchException.Argument("dtype", $"'{dtype}' cannot be written from float32 (F32, F16 or BF16)");
        }

        return new SafeTensorEntry(name, dtype, shape, data);
    }
}

/// <summary>
/// Reader and writer of the safetensors format: an 8-byte little-endian header length, a JSON header
/// {name: {dtype, shape, data_offsets}} with an optional "__metadata__" map of strings, then the raw data.
/// The reader memory-maps the file, checks every entry against the file size, and converts F16/BF16/F64 to float32.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<string, int> DtypeSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2,
        ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    private readonly MemoryMappedFile? map;
    private readonly MemoryMappedViewAccessor? view;
    private readonly long dataStart;

    private SafeTensorsFile(string path, MemoryMappedFile? map, MemoryMappedViewAccessor? view, long dataStart,
        Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        this.map = map;
        this.view = view;
        this.dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }

    /// <summary>Tensors by name, in header order.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "safetensors file not found");
        }

        long length = new FileInfo(path).Length;
        if (length < 8)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path,
                $"truncated: {length} bytes, shorter than the 8-byte header length of a safetensors file");
        }

        byte[] header;
        using (var stream = File.OpenRead(path))
        {
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > (ulong)(length - 8))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path,
                    $"truncated or not a safetensors file: header length {headerLength} exceeds the {length - 8} bytes after it");
            }

            if (headerLength > MaxHeaderBytes || headerLength < 2)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, $"corrupt header: absurd header length {headerLength}");
            }

            header = new byte[headerLength];
            stream.ReadExactly(header);
        }

        long dataStart = 8 + header.Length;
        var (tensors, metadata) = ParseHeader(path, header, length - dataStart);
        if (length == dataStart)
        {
            return new SafeTensorsFile(path, null, null, dataStart, tensors, metadata);
        }

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
        return new SafeTensorsFile(path, map, view, dataStart, tensors, metadata);
    }

    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>The tensor's raw bytes, straight from the memory map (valid until disposal).</summary>
    public unsafe ReadOnlySpan<byte> RawBytes(string name)
    {
        var info = Info(name);
        long count = info.End - info.Begin;
        if (count == 0)
        {
            return [];
        }

        if (count > int.MaxValue)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, $"{Path}: {name}", $"tensor of {count} bytes is too large to read at once");
        }

        byte* pointer = null;
        view!.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        try
        {
            return new ReadOnlySpan<byte>(pointer + view.PointerOffset + dataStart + info.Begin, (int)count);
        }
        finally
        {
            // The view stays mapped while this object lives; releasing the reference count here is safe.
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>The tensor's values as float32, converted from F32, F16, BF16 or F64.</summary>
    public float[] ReadFloats(string name)
    {
        var info = Info(name);
        var bytes = RawBytes(name);
        var result = new float[info.ElementCount];
        switch (info.Dtype)
        {
            case "F32":
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
                break;
            case "F16":
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = (float)halves[i];
                }

                break;
            case "BF16":
                var raw = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                }

                break;
            case "F64":
                var doubles = MemoryMarshal.Cast<byte, double>(bytes);
                for (int i = 0; i < result.Length; i++)
                {
                    result[i] = (float)doubles[i];
                }

                break;
            default:
                throw new VidSearchException(ErrorKind.InvalidInput, $"{Path}: {name}",
                    $"dtype {info.Dtype} is not a floating-point type (F32, F16, BF16 or F64 expected)");
        }

        return result;
    }

    public SafeTensorInfo Info(string name) => Tensors.TryGetValue(name, out var info)
        ? info
        : throw new VidSearchException(ErrorKind.InvalidInput, Path, $"no tensor named '{name}'");

    /// <summary>Writes tensors (and optional string metadata) atomically: to a temporary file, then renamed.</summary>
    public static void Write(string path, IEnumerable<SafeTensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>();
        using var headerStream = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerStream))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var entry in list)
            {
                if (!names.Add(entry.Name) || entry.Name == "__metadata__")
                {
                    throw VidSearchException.Argument(entry.Name, "duplicate or reserved tensor name");
                }

                if (!DtypeSizes.TryGetValue(entry.Dtype, out int size))
                {
                    throw VidSearchException.Argument(entry.Name, $"unknown dtype '{entry.Dtype}'");
                }

                long expected = entry.Shape.Aggregate(1L, (a, b) => a * b) * size;
                if (expected != entry.Data.Length)
                {
                    throw VidSearchException.Argument(entry.Name,
                        $"{entry.Data.Length} bytes given for shape [{string.Join(", ", entry.Shape)}] of {entry.Dtype} ({expected} expected)");
                }

                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.Dtype);
                json.WriteStartArray("shape");
                foreach (long d in entry.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + entry.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += entry.Data.Length;
            }

            json.WriteEndObject();
        }

        int padding = (int)((8 - headerStream.Length % 8) % 8);
        for (int i = 0; i < padding; i++)
        {
            headerStream.WriteByte((byte)' ');
        }

        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)headerStream.Length);
            file.Write(prefix);
            headerStream.Position = 0;
            headerStream.CopyTo(file);
            foreach (var entry in list)
            {
                file.Write(entry.Data);
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose()
    {
        view?.Dispose();
        map?.Dispose();
    }

    internal static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        var tensors = new Dictionary<string, SafeTensorInfo>();
        var metadata = new Dictionary<string, string>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.AsMemory().TrimEnd((byte)' ').TrimEnd((byte)0));
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"corrupt header: not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, "corrupt header: not a JSON object");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var item in property.Value.EnumerateObject())
                        {
                            metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : item.Value.GetRawText();
                        }
                    }

                    continue;
                }

                tensors[property.Name] = ParseEntry(path, property, dataLength);
            }
        }

        return (tensors, metadata);
    }

    private static SafeTensorInfo ParseEntry(string path, JsonProperty property, long dataLength)
    {
        string subject = $"{path}: {property.Name}";
        VidSearchException Corrupt(string cause) => new(ErrorKind.InvalidInput, subject, cause);
        var value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Corrupt("corrupt header entry: dtype, shape and data_offsets [begin, end] are required");
        }

        string dtype = dtypeElement.GetString()!;
        if (!DtypeSizes.TryGetValue(dtype, out int size))
        {
            throw Corrupt($"unsupported dtype '{dtype}'");
        }

        long[] shape;
        long begin, end;
        try
        {
            shape = shapeElement.EnumerateArray().Select(e => e.GetInt64()).ToArray();
            begin = offsetsElement[0].GetInt64();
            end = offsetsElement[1].GetInt64();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw Corrupt("corrupt header entry: shape and data_offsets must be integers");
        }

        if (shape.Any(d => d < 0) || begin < 0 || end < begin)
        {
            throw Corrupt($"corrupt header entry: shape [{string.Join(", ", shape)}], data_offsets [{begin}, {end}]");
        }

        if (end > dataLength)
        {
            throw Corrupt($"truncated file: data ends at byte {end} of the data section, which has only {dataLength} bytes");
        }

        long expected = shape.Aggregate(1L, (a, b) => a * b) * size;
        if (end - begin != expected)
        {
            throw Corrupt($"corrupt header entry: {end - begin} bytes for shape [{string.Join(", ", shape)}] of {dtype} ({expected} expected)");
        }

        return new SafeTensorInfo(property.Name, dtype, shape, begin, end);
    }
}
