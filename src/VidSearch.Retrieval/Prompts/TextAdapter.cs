using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VidSearch.Retrieval.Prompts;

/// <summary>
/// A residual linear map on the frozen text embeddings (CLIP-Adapter style, text side): t' = normalise(t + W t + b),
/// with W and b initialised at 0 so that a fresh adapter returns the frozen embeddings. It lets training on video
/// captions re-weight directions that the frozen text encoder barely separates (e.g. "goes up" vs "goes down" from a
/// CLIP pretrained on static captions). Keys: "proj.weight" [E, E], "proj.bias" [E].
/// </summary>
public sealed class TextAdapter : Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public TextAdapter(int dim)
        : base(nameof(TextAdapter))
    {
        proj = Linear(dim, dim);
        using (no_grad())
        {
            proj.weight!.zero_();
            proj.bias!.zero_();
        }

        RegisterComponents();
    }

    /// <summary>Text embeddings [Q, E] (normalised or not) -> adapted, L2-normalised [Q, E].</summary>
    public override Tensor forward(Tensor text)
    {
        using var scope = NewDisposeScope();
        return functional.normalize(text + proj.forward(text), dim: -1).MoveToOuterDisposeScope();
    }
}
