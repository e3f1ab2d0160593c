using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using VidSearch.Models.Clip;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VidSearch.Retrieval.Video;

/// <summary>How the frozen image encoder's tokens are reduced during training (efficiency options).</summary>
/// <param name="MaskRatio">MAC-style: share of patch tokens dropped at random per frame (0 = none).</param>
/// <param name="TokenKeep">SMAUG-style: keep only the K patch tokens that differ most from the video's mean frame (0 = all).</param>
public sealed record TokenReduction(double MaskRatio = 0, int TokenKeep = 0)
{
    public bool Active => MaskRatio > 0 || TokenKeep > 0;

    public void Validate(int patches)
    {
        if (double.IsNaN(MaskRatio) || MaskRatio < 0 || MaskRatio >= 1)
        {
            throw VidSearchException.Argument("--mask-ratio", $"must be in [0, 1), got {MaskRatio}");
        }

        if (TokenKeep < 0 || TokenKeep > patches)
        {
            throw VidSearchException.Argument("--token-keep", $"must be between 0 (all) and the {patches} patch tokens of the model, got {TokenKeep}");
        }
    }
}

/// <summary>
/// Temporal attention inside a frozen CLIP image encoder (LiteVL's dynamic temporal scaling, TimeSformer's divided
/// space-time attention): before each frozen vision layer, every token position (the class token and each patch
/// token) attends over the T frames of its video (pre-norm multi-head self-attention over time, padding frames
/// masked); the result, multiplied by a learnable per-layer scale initialised at 0, is added to the tokens. The
/// frozen layer then mixes space, so motion seen at patch positions reaches the class token. A fresh adapter
/// therefore reproduces the frozen per-frame embeddings exactly. Only the adapter's parameters train; the CLIP
/// weights are held, not registered. Keys: "scales" [layers], "blocks.N.norm.*", "blocks.N.in_proj.*",
/// "blocks.N.out_proj.*" (block N runs before vision layer N).
/// </summary>
public sealed class TemporalAttentionAdapter : nn.Module
{
    private readonly ClipModel clip;
    private readonly ModuleList<TemporalAttentionBlock> blocks;
    private readonly Parameter scales;

    /// <param name="clip">The frozen CLIP whose image encoder gets the temporal blocks.</param>
    /// <param name="maxFrames">Most frames per video (size of each block's temporal position table).</param>
    public TemporalAttentionAdapter(ClipModel clip, int maxFrames)
        : base(nameof(TemporalAttentionAdapter))
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (maxFrames < 1 || maxFrames > 4096)
        {
            throw VidSearchException.Argument("frames", $"temporal attention needs 1 to 4096 frames per video, got {maxFrames}");
        }

        this.clip = clip;
        MaxFrames = maxFrames;
        var vision = clip.Config.Vision;
        Layers = vision.NumHiddenLayers;
        blocks = new ModuleList<TemporalAttentionBlock>();
        for (int i = 0; i < Layers; i++)
        {
            blocks.Add(new TemporalAttentionBlock(vision.HiddenSize, vision.NumAttentionHeads, maxFrames));
        }

        scales = new Parameter(zeros(Layers));
        register_module("blocks", blocks);
        register_parameter("scales", scales);
    }

    public int Layers { get; }

    public int MaxFrames { get; }

    public int Patches => (clip.Config.ImageSize / clip.Config.Vision.PatchSize) * (clip.Config.ImageSize / clip.Config.Vision.PatchSize);

    /// <summary>The learned scale of each layer (0 = that layer's temporal attention is off).</summary>
    public float[] Scales()
    {
        using var _ = no_grad();
        return scales.data<float>().ToArray();
    }

    /// <summary>
    /// Projected frame embeddings [B, T, E] (unnormalised) of pixels [B, T, 3, S, S] with mask [B, T].
    /// <paramref name="reduction"/> drops patch tokens (training only; the same positions in every frame of a video).
    /// </summary>
    public Tensor Forward(Tensor pixels, Tensor mask, TokenReduction? reduction = null)
    {
        long b = pixels.shape[0], t = pixels.shape[1];
        if (t > MaxFrames)
        {
            throw VidSearchException.Argument("frames", $"{t} frames per video, the temporal attention was built for at most {MaxFrames}");
        }

        using var scope = NewDisposeScope();
        var flat = pixels.reshape(b * t, pixels.shape[2], pixels.shape[3], pixels.shape[4]);
        var padding = mask.logical_not();
        Tensor AfterEmbeddings(Tensor tokens)
        {
            if (reduction is { Active: true } r)
            {
                tokens = Reduce(tokens, b, t, r);
            }

            return Temporal(0, tokens, b, t, padding);
        }

        Tensor AfterLayer(int layer, Tensor hidden) => layer + 1 < Layers ? Temporal(layer + 1, hidden, b, t, padding) : hidden;

        var features = clip.ImageFeatures(flat, AfterEmbeddings, AfterLayer);
        return features.reshape(b, t, -1).MoveToOuterDisposeScope();
    }

    /// <summary>Tokens [B*T, N, W] plus scale x temporal attention over T at each of the N token positions.</summary>
    private Tensor Temporal(int layer, Tensor hidden, long b, long t, Tensor padding)
    {
        long n = hidden.shape[1], w = hidden.shape[2];
        var perPosition = hidden.reshape(b, t, n, w).permute(0, 2, 1, 3).reshape(b * n, t, w);
        var positionPadding = padding.unsqueeze(1).expand(b, n, t).reshape(b * n, t);
        var update = blocks[layer].Forward(perPosition, positionPadding) * scales[layer];
        return hidden + update.reshape(b, n, t, w).permute(0, 2, 1, 3).reshape(b * t, n, w);
    }

    /// <summary>Keeps the class token and the same subset of patch positions in every frame of a video (tube masking).</summary>
    private static Tensor Reduce(Tensor tokens, long b, long t, TokenReduction reduction)
    {
        long n = tokens.shape[1] - 1, w = tokens.shape[2];
        var cls = tokens.narrow(1, 0, 1);
        var patches = tokens.narrow(1, 1, n);
        long keep = n;
        Tensor order;
        if (reduction.TokenKeep > 0)
        {
            keep = reduction.TokenKeep;
            var perVideo = patches.reshape(b, t, n, -1);
            var change = (perVideo - perVideo.mean([1], keepdim: true)).norm(-1).mean([1]);
            order = change.argsort(1, descending: true);
        }
        else
        {
            order = rand(b, n).argsort(1);
        }

        if (reduction.MaskRatio > 0)
        {
            keep = Math.Max(1, (long)Math.Round(keep * (1 - reduction.MaskRatio)));
            if (reduction.TokenKeep > 0)
            {
                // Random subset of the kept tokens.
                var shuffle = rand(b, reduction.TokenKeep).argsort(1);
                order = order.narrow(1, 0, reduction.TokenKeep).gather(1, shuffle);
            }
        }

        var perVideoIndex = order.narrow(1, 0, keep).sort(1).Values;
        var index = perVideoIndex.unsqueeze(1).expand(b, t, keep).reshape(b * t, keep).unsqueeze(-1).expand(-1, -1, w);
        return cat([cls, patches.gather(1, index)], 1);
    }
}

/// <summary>
/// Pre-norm multi-head self-attention over the frames of each video, [B, T, W] -> [B, T, W], with a learnable temporal
/// position embedding (init std 0.02) added to the normalised input: without it attention over frames is
/// permutation-equivariant, so a clip and its reversed twin would give the same set of frame embeddings.
/// Keys: "norm.*", "frame_position" [maxFrames, W], "in_proj.*", "out_proj.*".
/// </summary>
public sealed class TemporalAttentionBlock : nn.Module
{
    private readonly LayerNorm norm;
    private readonly Parameter frame_position;
    private readonly Linear in_proj;
    private readonly Linear out_proj;
    private readonly int heads;

    public TemporalAttentionBlock(int width, int heads, int maxFrames)
        : base(nameof(TemporalAttentionBlock))
    {
        this.heads = heads;
        norm = LayerNorm(width);
        frame_position = new Parameter(randn(maxFrames, width) * 0.02f);
        in_proj = Linear(width, 3 * width);
        out_proj = Linear(width, width);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor padding)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], w = x.shape[2];
        long hd = w / heads;
        var input = norm.forward(x) + frame_position.narrow(0, 0, t).unsqueeze(0);
        var qkv = in_proj.forward(input).reshape(b, t, 3, heads, hd).permute(2, 0, 3, 1, 4);
        var scores = qkv[0].matmul(qkv[1].transpose(-2, -1)) / Math.Sqrt(hd);
        scores = scores.masked_fill(padding.view(b, 1, 1, t), float.NegativeInfinity);
        var attended = functional.softmax(scores, -1).matmul(qkv[2]).transpose(1, 2).reshape(b, t, w);
        return out_proj.forward(attended).MoveToOuterDisposeScope();
    }
}
