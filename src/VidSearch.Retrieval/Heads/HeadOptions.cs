using VidSearch.Core;

namespace VidSearch.Retrieval.Heads;

/// <summary>Options of every head; each head reads the ones it needs (documented in docs/heads.md).</summary>
public sealed record HeadOptions
{
    /// <summary>Embedding dimension D of frames and texts.</summary>
    public int Dim { get; init; } = 512;

    /// <summary>Most frames per video (size of the temporal position table).</summary>
    public int MaxFrames { get; init; } = 12;

    /// <summary>Transformer layers of `temporal` and `hierarchical`.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Attention heads of the transformer and prototype attention; must divide <see cref="Dim"/>.</summary>
    public int AttentionHeads { get; init; } = 8;

    /// <summary>K, the visual prototypes of `prototypes`.</summary>
    public int Prototypes { get; init; } = 4;

    /// <summary>Frames kept per query by `salient` (LGDN keeps 2 to 4).</summary>
    public int SalientFrames { get; init; } = 3;

    /// <summary>Frames per clip of `hierarchical` (contiguous groups).</summary>
    public int ClipFrames { get; init; } = 4;

    /// <summary>Softmax temperature of similarity-weighted pooling (`text-pool`, `xclip`, `hierarchical`).</summary>
    public float Temperature { get; init; } = 0.01f;

    /// <summary>Weight of the prototype diversity loss of `prototypes`.</summary>
    public float DiversityWeight { get; init; } = 0.1f;

    /// <summary>Throws a <see cref="VidSearchException"/> naming the first absurd option.</summary>
    public void Validate()
    {
        Check(Dim is > 0 and <= 65536, nameof(Dim), $"must be in 1..65536, got {Dim}");
        Check(MaxFrames is > 0 and <= 4096, nameof(MaxFrames), $"must be in 1..4096, got {MaxFrames}");
        Check(Layers is > 0 and <= 24, nameof(Layers), $"must be in 1..24, got {Layers}");
        Check(AttentionHeads > 0 && Dim % AttentionHeads == 0, nameof(AttentionHeads), $"must be positive and divide Dim {Dim}, got {AttentionHeads}");
        Check(Prototypes is > 0 and <= 256, nameof(Prototypes), $"must be in 1..256, got {Prototypes}");
        Check(SalientFrames is > 0 and <= 4096, nameof(SalientFrames), $"must be in 1..4096, got {SalientFrames}");
        Check(ClipFrames is > 0 and <= 4096, nameof(ClipFrames), $"must be in 1..4096, got {ClipFrames}");
        Check(float.IsFinite(Temperature) && Temperature > 0, nameof(Temperature), $"must be a positive number, got {Temperature}");
        Check(float.IsFinite(DiversityWeight) && DiversityWeight >= 0, nameof(DiversityWeight), $"must be >= 0, got {DiversityWeight}");
    }

    private static void Check(bool ok, string name, string cause)
    {
        if (!ok)
        {
            throw VidSearchException.Argument("head option " + name, cause);
        }
    }
}
