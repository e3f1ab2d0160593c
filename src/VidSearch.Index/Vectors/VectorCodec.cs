using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace VidSearch.Index.Vectors;

/// <summary>
/// Turns float vectors into the bytes stored in the collection (little-endian) and back.
/// float32: dim floats; float16: dim halves; int8: a float scale followed by dim signed bytes.
/// </summary>
public static class VectorCodec
{
    public static byte[] Encode(ReadOnlySpan<float> vector, VectorStorageType type)
    {
        var bytes = new byte[type.BytesPerVector(vector.Length)];
        Encode(vector, type, bytes);
        return bytes;
    }

    public static void Encode(ReadOnlySpan<float> vector, VectorStorageType type, Span<byte> destination)
    {
        if (destination.Length != type.BytesPerVector(vector.Length))
        {
            throw new ArgumentException("destination has the wrong size", nameof(destination));
        }

        switch (type)
        {
            case VectorStorageType.Float32:
                MemoryMarshal.AsBytes(vector).CopyTo(destination);
                break;
            case VectorStorageType.Float16:
                TensorPrimitives.ConvertToHalf(vector, MemoryMarshal.Cast<byte, Half>(destination));
                break;
            case VectorStorageType.Int8:
                float scale = Int8Quantizer.Quantize(vector, MemoryMarshal.Cast<byte, sbyte>(destination[sizeof(float)..]));
                BinaryPrimitives.WriteSingleLittleEndian(destination, scale);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }
    }

    /// <summary>Decodes <paramref name="bytes"/>; returns false when their length does not fit the type and dimension.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, VectorStorageType type, Span<float> destination)
    {
        if (bytes.Length != type.BytesPerVector(destination.Length))
        {
            return false;
        }

        switch (type)
        {
            case VectorStorageType.Float32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
                break;
            case VectorStorageType.Float16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(bytes), destination);
                break;
            case VectorStorageType.Int8:
                float scale = BinaryPrimitives.ReadSingleLittleEndian(bytes);
                Int8Quantizer.Dequantize(MemoryMarshal.Cast<byte, sbyte>(bytes[sizeof(float)..]), scale, destination);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type));
        }

        return true;
    }
}
