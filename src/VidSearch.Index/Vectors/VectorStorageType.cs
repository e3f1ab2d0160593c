using VidSearch.Core;

namespace VidSearch.Index.Vectors;

/// <summary>How embeddings are stored: full float32, half precision, or int8 with one scale per vector.</summary>
public enum VectorStorageType
{
    Float32,
    Float16,
    Int8,
}

public static class VectorStorageTypes
{
    /// <summary>Bytes one stored vector of <paramref name="dim"/> components takes (payload only).</summary>
    public static int BytesPerVector(this VectorStorageType type, int dim) => type switch
    {
        VectorStorageType.Float32 => dim * sizeof(float),
        VectorStorageType.Float16 => dim * 2,
        VectorStorageType.Int8 => dim + sizeof(float),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static string Name(this VectorStorageType type) => type switch
    {
        VectorStorageType.Float32 => "float32",
        VectorStorageType.Float16 => "float16",
        VectorStorageType.Int8 => "int8",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static VectorStorageType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "f32" => VectorStorageType.Float32,
        "float16" or "f16" or "half" => VectorStorageType.Float16,
        "int8" or "i8" or "sq8" => VectorStorageType.Int8,
        _ => throw VidSearchException.Argument("--storage", $"'{name}' is not a storage type (float32, float16, int8)"),
    };
}
