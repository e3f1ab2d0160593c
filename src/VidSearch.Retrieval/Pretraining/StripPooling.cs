using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// Pretraining-only pooling of a film strip's frame embeddings into one clip embedding: their mean plus a linear map
/// of all frames in order (initialised at zero, so training starts from mean pooling). The ordered term is what lets
/// the contrastive loss tell a clip from its reversed twin, which pushes the frozen image encoder to encode each
/// frame's state (where, how big, visible or not) and the text encoder to separate opposite motion words. It is not
/// part of the saved CLIP: video heads are trained on top of the frozen encoders later.
/// </summary>
public sealed class StripPooling : Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear order;

    public StripPooling(int embeddingDim, int frames) : base(nameof(StripPooling))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 2);
        Frames = frames;
        order = Linear(embeddingDim * frames, embeddingDim);
        using (no_grad())
        {
            order.weight.zero_();
            order.bias!.zero_();
        }

        RegisterComponents();
    }

    public int Frames { get; }

    /// <param name="frames">[clips, frames, dim] frame embeddings in time order.</param>
    /// <returns>[clips, dim] clip embeddings (not normalised).</returns>
    public override Tensor forward(Tensor frames)
    {
        if (frames.dim() != 3 || frames.shape[1] != Frames)
        {
            throw new ArgumentException($"expected [clips, {Frames}, dim] frame embeddings, got [{string.Join(", ", frames.shape)}]", nameof(frames));
        }

        return frames.mean([1]) + order.forward(frames.reshape(frames.shape[0], -1));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            order.Dispose();
        }

        base.Dispose(disposing);
    }
}
