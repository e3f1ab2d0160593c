using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Prompts;

/// <summary>Where learnable prompt vectors go in a caption (Ju et al. place them before and after the text).</summary>
public enum PromptPlacement
{
    /// <summary>[SOT] p1..pN caption [EOT]: the caption tokens attend to the prompts (causal mask), the prompts cannot see the caption.</summary>
    Before,

    /// <summary>[SOT] caption p1..pN [EOT]: the prompts attend to every caption token and the end token reads them.</summary>
    After,

    /// <summary>N vectors before and N after the caption (2N in all).</summary>
    Both,
}

/// <summary>
/// Learnable continuous prompts (Ju et al., "Prompting visual-language models for efficient video understanding"):
/// N vectors of the text width inserted into the token embeddings of a frozen CLIP text transformer, before the
/// caption (right after the start token), after it (right before the end token) or both, so a caption "a b c" is read
/// as [SOT] p1 .. pN a b c [EOT], [SOT] a b c q1 .. qN [EOT] or [SOT] p1 .. pN a b c q1 .. qN [EOT]. The end token
/// moves right by the number of vectors inserted. Under the causal mask, prompts before the caption change how the
/// caption tokens read one another; prompts after it read the caption themselves (they can pick out a word the frozen
/// end token underweights). Only the prompts are parameters of this module (key "prompts", [N, width] per side, the
/// side before first); the CLIP model is held, not registered, and receives no gradient.
/// Class-name prompts for action recognition are the same thing with a class name as the caption.
/// </summary>
public sealed class PromptedTextEncoder : nn.Module
{
    public const int MaxPrompts = 32;

    private readonly ClipModel clip;
    private readonly Parameter prompts;

    public PromptedTextEncoder(ClipModel clip, int count, PromptPlacement placement = PromptPlacement.Before)
        : base(nameof(PromptedTextEncoder))
    {
        ArgumentNullException.ThrowIfNull(clip);
        int sides = placement == PromptPlacement.Both ? 2 : 1;
        if (count < 1 || count > MaxPrompts || sides * count >= clip.Config.ContextLength - 2)
        {
            throw VidSearchException.Argument("--prompts", $"must be between 1 and {Math.Min(MaxPrompts, (clip.Config.ContextLength - 3) / sides)}, got {count}");
        }

        if (!Enum.IsDefined(placement))
        {
            throw VidSearchException.Argument("--prompt-placement", $"unknown placement {placement}");
        }

        this.clip = clip;
        Count = count;
        Placement = placement;
        // Initialised like CLIP's token embeddings (std 0.02) so the prompted text starts close to the plain one.
        prompts = new Parameter(randn(sides * count, clip.Config.Text.HiddenSize) * 0.02f);
        register_parameter("prompts", prompts);
    }

    /// <summary>Prompt vectors per side.</summary>
    public int Count { get; }

    public PromptPlacement Placement { get; }

    /// <summary>Prompt vectors inserted into every caption (2 <see cref="Count"/> with <see cref="PromptPlacement.Both"/>).</summary>
    public int Inserted => Placement == PromptPlacement.Both ? 2 * Count : Count;

    /// <summary>All prompt vectors [Inserted, width], those before the caption first.</summary>
    public Parameter Prompts => prompts;

    /// <summary>Unnormalised projected text features [B, E] of tokenised captions (differentiable in the prompts).</summary>
    public Tensor Forward(TokenBatch tokens)
    {
        int used = Math.Max(2, tokens.UsedLength);
        if (used + Inserted > clip.Config.ContextLength)
        {
            throw VidSearchException.Argument("captions", $"{used} tokens + {Inserted} prompts exceed the context of {clip.Config.ContextLength}");
        }

        var ids = new long[tokens.Count * used];
        for (int i = 0; i < tokens.Count; i++)
        {
            tokens.Row(i)[..used].CopyTo(ids.AsSpan(i * used, used));
        }

        using var scope = NewDisposeScope();
        var idTensor = tensor(ids, [tokens.Count, used]);
        var embedded = clip.TextTokenEmbeddings(idTensor).detach();
        var withPrompts = Insert(embedded, tokens.EndPositions);
        var ends = tensor(tokens.EndPositions.Select(p => (long)p + Inserted).ToArray());
        return clip.TextFeaturesFromEmbeddings(withPrompts, ends).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B, L, W] token embeddings -> [B, L + Inserted, W] with the prompts in place: after the first (start) token and/or
    /// right before each row's end token (at <paramref name="endPositions"/>).
    /// </summary>
    public Tensor Insert(Tensor tokenEmbeddings, IReadOnlyList<int> endPositions)
    {
        long batch = tokenEmbeddings.shape[0];
        if (endPositions.Count != batch)
        {
            throw new ArgumentException($"{endPositions.Count} end positions for {batch} rows", nameof(endPositions));
        }

        var result = tokenEmbeddings;
        if (Placement != PromptPlacement.Before)
        {
            result = InsertBeforeEnd(result, prompts.narrow(0, prompts.shape[0] - Count, Count), endPositions);
        }

        if (Placement != PromptPlacement.After)
        {
            var p = prompts.narrow(0, 0, Count).unsqueeze(0).expand(batch, -1, -1);
            result = cat([result.narrow(1, 0, 1), p, result.narrow(1, 1, result.shape[1] - 1)], 1);
        }

        return result;
    }

    /// <summary>Row i of [B, L, W] becomes tokens[..end_i], the vectors, tokens[end_i..]: one gather over [tokens; vectors].</summary>
    private static Tensor InsertBeforeEnd(Tensor tokenEmbeddings, Tensor vectors, IReadOnlyList<int> endPositions)
    {
        long batch = tokenEmbeddings.shape[0], length = tokenEmbeddings.shape[1], width = tokenEmbeddings.shape[2];
        long n = vectors.shape[0];
        var index = new long[batch * (length + n)];
        for (int i = 0; i < batch; i++)
        {
            long end = endPositions[i];
            if (end < 1 || end >= length)
            {
                throw new ArgumentException($"end position {end} of row {i} is outside 1..{length - 1}", nameof(endPositions));
            }

            for (long j = 0; j < length + n; j++)
            {
                index[(i * (length + n)) + j] = j < end ? j : j < end + n ? length + (j - end) : j - n;
            }
        }

        var source = cat([tokenEmbeddings, vectors.unsqueeze(0).expand(batch, -1, -1)], 1);
        var gatherIndex = tensor(index, [batch, length + n, 1]).expand(-1, -1, width);
        return source.gather(1, gatherIndex);
    }
}
