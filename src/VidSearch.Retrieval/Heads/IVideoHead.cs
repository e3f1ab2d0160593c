using TorchSharp;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// A video adaptation head: turns frame embeddings into a video embedding or a query-conditioned score.
/// Every head is a TorchSharp module (<see cref="AsModule"/>) so it can be trained, saved and moved to a device.
/// See docs/heads.md for the two-stage contract of query-conditioned heads.
/// </summary>
public interface IVideoHead
{
    /// <summary>The registry name (<see cref="HeadFactory.Names"/>).</summary>
    string Name { get; }

    HeadOptions Options { get; }

    /// <summary>
    /// True when the score of a (query, video) pair cannot be computed from one query-independent video vector:
    /// such heads re-score candidates found with <see cref="VideoEmbedding"/> (see <see cref="TwoStageScorer"/>).
    /// </summary>
    bool IsQueryConditioned { get; }

    /// <summary>
    /// Query-independent video embedding [B, D], L2-normalised. For query-conditioned heads this is the first-stage
    /// embedding (normalised mean pooling of normalised frames).
    /// </summary>
    Tensor VideoEmbedding(Tensor frames, Tensor mask);

    /// <summary>Similarity matrix [Q, B] of queries against videos (cosine-like, higher = better).</summary>
    Tensor Score(TextInputs text, VideoInputs video);

    nn.Module AsModule();
}

/// <summary>A head with an extra training loss (e.g. prototype diversity), added to the contrastive loss.</summary>
public interface IRegularizedHead : IVideoHead
{
    /// <summary>Scalar loss over a batch of videos, already multiplied by its weight.</summary>
    Tensor RegularizationLoss(VideoInputs video);
}
