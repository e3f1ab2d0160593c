using VidSearch.Core;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// Text side of a head: sentence embeddings [Q, D] and, for word-level heads, word (token) embeddings
/// [Q, L, D] with a word mask [Q, L] (true = real token). Embeddings may be unnormalised: heads L2-normalise.
/// </summary>
public sealed record TextInputs(Tensor Sentence, Tensor? Words = null, Tensor? WordMask = null)
{
    public long Count => Sentence.shape[0];

    /// <summary>Rows [start, start + count) of every tensor (views, no copy).</summary>
    public TextInputs Slice(long start, long count) => new(
        Sentence.narrow(0, start, count),
        Words?.narrow(0, start, count),
        WordMask?.narrow(0, start, count));

    internal void Validate(long dim)
    {
        if (Sentence.dim() != 2 || Sentence.shape[1] != dim)
        {
            throw VidSearchException.Argument("text.Sentence", $"expected shape [Q, {dim}], got {Shape(Sentence)}");
        }

        if (Words is not null)
        {
            if (Words.dim() != 3 || Words.shape[0] != Sentence.shape[0] || Words.shape[2] != dim)
            {
                throw VidSearchException.Argument("text.Words", $"expected shape [{Sentence.shape[0]}, L, {dim}], got {Shape(Words)}");
            }

            if (WordMask is null || WordMask.dtype != ScalarType.Bool || WordMask.dim() != 2 || WordMask.shape[0] != Words.shape[0] || WordMask.shape[1] != Words.shape[1])
            {
                throw VidSearchException.Argument("text.WordMask", $"expected a bool mask [{Words.shape[0]}, {Words.shape[1]}] with the word embeddings");
            }
        }
    }

    internal static string Shape(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}

/// <summary>
/// Video side of a head: frame embeddings [B, T, D] (projected CLIP image embeddings, normalised or not: heads
/// L2-normalise each frame first), a frame mask [B, T] (bool, false = padding) and optional patch tokens
/// [B, T, P, D] (reserved for patch-level heads; the current heads use frames only).
/// </summary>
public sealed record VideoInputs(Tensor Frames, Tensor Mask, Tensor? Patches = null)
{
    public long Count => Frames.shape[0];

    /// <summary>Frame embeddings with every frame valid.</summary>
    public static VideoInputs Unmasked(Tensor frames) =>
        new(frames, ones(frames.shape[0], frames.shape[1], dtype: ScalarType.Bool, device: frames.device));

    /// <summary>The videos at the given rows (copied), e.g. the candidates of a two-stage search.</summary>
    public VideoInputs Select(Tensor rows) => new(
        Frames.index_select(0, rows),
        Mask.index_select(0, rows),
        Patches?.index_select(0, rows));

    internal void Validate(long dim)
    {
        if (Frames.dim() != 3 || Frames.shape[2] != dim)
        {
            throw VidSearchException.Argument("video.Frames", $"expected shape [B, T, {dim}], got {TextInputs.Shape(Frames)}");
        }

        if (Mask.dim() != 2 || Mask.shape[0] != Frames.shape[0] || Mask.shape[1] != Frames.shape[1] || Mask.dtype != ScalarType.Bool)
        {
            throw VidSearchException.Argument("video.Mask", $"expected a bool mask [{Frames.shape[0]}, {Frames.shape[1]}], got {Mask.dtype} {TextInputs.Shape(Mask)}");
        }

        if (Frames.shape[0] > 0 && Mask.any(1).logical_not().any().item<bool>())
        {
            throw VidSearchException.Argument("video.Mask", "a video has no valid frame");
        }
    }
}
