using static TorchSharp.torch;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>Normalised embeddings of a batch's items: visual, caption and (for the caption-caption term) another caption.</summary>
internal sealed record BatchFeatures(Tensor Image, Tensor Text, Tensor? OtherText)
{
    public IReadOnlyList<Tensor> All => OtherText is null ? [Image, Text] : [Image, Text, OtherText];
}
