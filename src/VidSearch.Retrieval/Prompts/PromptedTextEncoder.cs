using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Prompts;

/// <summary>
/// Learnable continuous prompts (Ju et al., "Prompting visual-language models for efficient video understanding"):
/// N vectors of the text width inserted right after the start token into the token embeddings of a frozen CLIP text
/// transformer, so a caption "a b c" is read as [SOT] p1 .. pN a b c [EOT]. The end token moves N places to the
/// right; the causal mask lets every caption token attend to the prompts. Only the prompts are parameters of this
/// module (key "prompts", [N, width]); the CLIP model is held, not registered, and receives no gradient.
/// Class-name prompts for action recognition are the same thing with a class name as the caption.
/// </summary>
public sealed class PromptedTextEncoder : nn.Module
{
    public const int MaxPrompts = 32;

    private readonly ClipModel clip;
    private readonly Parameter prompts;

    public PromptedTextEncoder(ClipModel clip, int count)
        : base(nameof(PromptedTextEncoder))
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (count < 1 || count > MaxPrompts || count >= clip.Config.ContextLength - 2)
        {
            throw VidSearchException.Argument("--prompts", $"must be between 1 and {Math.Min(MaxPrompts, clip.Config.ContextLength - 3)}, got {count}");
        }

        this.clip = clip;
        Count = count;
        // Initialised like CLIP's token embeddings (std 0.02) so the prompted text starts close to the plain one.
        prompts = new Parameter(randn(count, clip.Config.Text.HiddenSize) * 0.02f);
        register_parameter("prompts", prompts);
    }

    public int Count { get; }

    public Parameter Prompts => prompts;

    /// <summary>Unnormalised projected text features [B, E] of tokenised captions (differentiable in the prompts).</summary>
    public Tensor Forward(TokenBatch tokens)
    {
        int used = Math.Max(2, tokens.UsedLength);
        if (used + Count > clip.Config.ContextLength)
        {
            throw VidSearchException.Argument("captions", $"{used} tokens + {Count} prompts exceed the context of {clip.Config.ContextLength}");
        }

        var ids = new long[tokens.Count * used];
        for (int i = 0; i < tokens.Count; i++)
        {
            tokens.Row(i)[..used].CopyTo(ids.AsSpan(i * used, used));
        }

        using var scope = NewDisposeScope();
        var idTensor = tensor(ids, [tokens.Count, used]);
        var embedded = clip.TextTokenEmbeddings(idTensor).detach();
        var withPrompts = Insert(embedded);
        var ends = tensor(tokens.EndPositions.Select(p => (long)p + Count).ToArray());
        return clip.TextFeaturesFromEmbeddings(withPrompts, ends).MoveToOuterDisposeScope();
    }

    /// <summary>[B, L, W] token embeddings -> [B, L + N, W] with the prompts after the first (start) token.</summary>
    public Tensor Insert(Tensor tokenEmbeddings)
    {
        long batch = tokenEmbeddings.shape[0];
        var p = prompts.unsqueeze(0).expand(batch, -1, -1);
        return cat([tokenEmbeddings.narrow(1, 0, 1), p, tokenEmbeddings.narrow(1, 1, tokenEmbeddings.shape[1] - 1)], 1);
    }
}
