using System.Buffers.Binary;
using System.Text;

namespace VidSearch.Models.Onnx;

/// <summary>
/// A minimal protobuf wire-format writer (varints, fixed32, length-delimited fields) over a stream.
/// Nested messages are built in their own writer and appended with <see cref="WriteMessage"/>.
/// </summary>
internal sealed class ProtoWriter
{
    private const int VarintType = 0;
    private const int LengthDelimitedType = 2;
    private const int Fixed32Type = 5;

    public ProtoWriter()
        : this(new MemoryStream())
    {
    }

    public ProtoWriter(Stream stream) => Stream = stream;

    public Stream Stream { get; }

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, VarintType);
        WriteVarint((ulong)value);
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, Fixed32Type);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        Stream.Write(bytes);
    }

    public void WriteString(int field, string value) => WriteBytes(field, Encoding.UTF8.GetBytes(value));

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, LengthDelimitedType);
        WriteVarint((ulong)value.Length);
        Stream.Write(value);
    }

    /// <summary>Writes a packed repeated int64 field.</summary>
    public void WritePackedInt64(int field, IEnumerable<long> values)
    {
        var inner = new ProtoWriter();
        foreach (long v in values)
        {
            inner.WriteVarint((ulong)v);
        }

        WriteBytes(field, inner.ToArray());
    }

    public void WriteMessage(int field, Action<ProtoWriter> build)
    {
        var inner = new ProtoWriter();
        build(inner);
        var stream = (MemoryStream)inner.Stream;
        WriteTag(field, LengthDelimitedType);
        WriteVarint((ulong)stream.Length);
        stream.Position = 0;
        stream.CopyTo(Stream);
    }

    public byte[] ToArray() => ((MemoryStream)Stream).ToArray();

    private void WriteTag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            Stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        Stream.WriteByte((byte)value);
    }
}
