using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VidSearch.Models.Clip;

// Field names match the Hugging Face CLIPModel state-dict keys, so loading a checkpoint is a name lookup.
#pragma warning disable IDE1006 // snake_case fields are the checkpoint key names

/// <summary>Multi-head self-attention with separate q/k/v projections (optionally causal, for the text tower).</summary>
public sealed class ClipAttention : Module<Tensor, Tensor>
{
    private readonly Linear q_proj;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear out_proj;
    private readonly int heads;
    private readonly bool causal;

    public ClipAttention(ClipTowerConfig config, bool causal)
        : base(nameof(ClipAttention))
    {
        int width = config.HiddenSize;
        q_proj = Linear(width, width);
        k_proj = Linear(width, width);
        v_proj = Linear(width, width);
        out_proj = Linear(width, width);
        heads = config.NumAttentionHeads;
        this.causal = causal;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], length = x.shape[1], width = x.shape[2];
        long headDim = width / heads;
        var q = q_proj.forward(x).view(batch, length, heads, headDim).transpose(1, 2);
        var k = k_proj.forward(x).view(batch, length, heads, headDim).transpose(1, 2);
        var v = v_proj.forward(x).view(batch, length, heads, headDim).transpose(1, 2);
        var attended = functional.scaled_dot_product_attention(q, k, v, null, 0.0, causal);
        var merged = attended.transpose(1, 2).reshape(batch, length, width);
        return out_proj.forward(merged).MoveToOuterDisposeScope();
    }
}

/// <summary>fc1, activation (QuickGELU: x * sigmoid(1.702 x), or GELU), fc2.</summary>
public sealed class ClipMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;
    private readonly bool quickGelu;

    public ClipMlp(ClipTowerConfig config)
        : base(nameof(ClipMlp))
    {
        fc1 = Linear(config.HiddenSize, config.IntermediateSize);
        fc2 = Linear(config.IntermediateSize, config.HiddenSize);
        quickGelu = config.HiddenAct == "quick_gelu";
        RegisterComponents();
    }

    public static Tensor QuickGelu(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x * torch.sigmoid(x * 1.702)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = fc1.forward(x);
        hidden = quickGelu ? QuickGelu(hidden) : functional.gelu(hidden);
        return fc2.forward(hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-LN transformer block: x + attn(ln1(x)), then x + mlp(ln2(x)).</summary>
public sealed class ClipEncoderLayer : Module<Tensor, Tensor>
{
    private readonly LayerNorm layer_norm1;
    private readonly ClipAttention self_attn;
    private readonly LayerNorm layer_norm2;
    private readonly ClipMlp mlp;

    public ClipEncoderLayer(ClipTowerConfig config, bool causal)
        : base(nameof(ClipEncoderLayer))
    {
        layer_norm1 = LayerNorm(config.HiddenSize, config.LayerNormEps);
        self_attn = new ClipAttention(config, causal);
        layer_norm2 = LayerNorm(config.HiddenSize, config.LayerNormEps);
        mlp = new ClipMlp(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.forward(layer_norm1.forward(x));
        return (h + mlp.forward(layer_norm2.forward(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>A stack of <see cref="ClipEncoderLayer"/> (key prefix "encoder.layers.N").</summary>
public sealed class ClipEncoder : Module<Tensor, Tensor>
{
    private readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTowerConfig config, bool causal)
        : base(nameof(ClipEncoder))
    {
        layers = new ModuleList<ClipEncoderLayer>();
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            layers.Add(new ClipEncoderLayer(config, causal));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>Runs the layers; <paramref name="afterLayer"/> (layer index, hidden) may replace each layer's output.</summary>
    public Tensor Forward(Tensor x, Func<int, Tensor, Tensor>? afterLayer)
    {
        using var scope = NewDisposeScope();
        var h = x;
        int index = 0;
        foreach (var layer in layers)
        {
            h = layer.forward(h);
            if (afterLayer is not null)
            {
                h = afterLayer(index, h);
            }

            index++;
        }

        return h.MoveToOuterDisposeScope();
    }
}

/// <summary>Patch embedding (conv, no bias), class token and learned positions.</summary>
public sealed class ClipVisionEmbeddings : Module<Tensor, Tensor>
{
    private readonly Parameter class_embedding;
    private readonly Conv2d patch_embedding;
    private readonly Embedding position_embedding;
    private readonly long trainedGrid;

    public ClipVisionEmbeddings(ClipTowerConfig config)
        : base(nameof(ClipVisionEmbeddings))
    {
        int width = config.HiddenSize;
        int grid = config.ImageSize / config.PatchSize;
        trainedGrid = grid;
        class_embedding = new Parameter(randn(width) * Math.Pow(width, -0.5));
        patch_embedding = Conv2d(3, width, kernel_size: config.PatchSize, stride: config.PatchSize, bias: false);
        position_embedding = Embedding(grid * grid + 1, width);
        using (no_grad())
        {
            init.normal_(position_embedding.weight!, 0, 0.02);
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        long batch = pixels.shape[0];
        var grid = patch_embedding.forward(pixels);
        var patches = grid.flatten(2).transpose(1, 2);
        var cls = class_embedding.view(1, 1, -1).expand(batch, 1, -1);
        var tokens = cat([cls, patches], 1);
        return (tokens + Positions(grid.shape[2], grid.shape[3])).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The position table for a rows x columns patch grid: the learned one at the trained size, otherwise its patch rows
    /// resized bilinearly as a 2-D grid (the class token's row unchanged), as Hugging Face's interpolate_pos_encoding.
    /// Differentiable, so training at a smaller size still trains the table of the full size.
    /// </summary>
    private Tensor Positions(long rows, long columns)
    {
        var table = position_embedding.weight!;
        if (rows == trainedGrid && columns == trainedGrid)
        {
            return table;
        }

        long width = table.shape[1];
        var patchTable = table.narrow(0, 1, trainedGrid * trainedGrid).reshape(1, trainedGrid, trainedGrid, width).permute(0, 3, 1, 2);
        var resized = functional.interpolate(patchTable, [rows, columns], mode: InterpolationMode.Bilinear, align_corners: false);
        return cat([table.narrow(0, 0, 1), resized.permute(0, 2, 3, 1).reshape(rows * columns, width)], 0);
    }
}

/// <summary>Token embedding plus learned positions (only as many positions as the input has).</summary>
public sealed class ClipTextEmbeddings : Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;

    public ClipTextEmbeddings(ClipTowerConfig config)
        : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = Embedding(config.VocabSize, config.HiddenSize);
        position_embedding = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        using (no_grad())
        {
            init.normal_(token_embedding.weight!, 0, 0.02);
            init.normal_(position_embedding.weight!, 0, 0.01);
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        long length = ids.shape[1];
        var positions = position_embedding.weight!.narrow(0, 0, length);
        return (token_embedding.forward(ids) + positions).MoveToOuterDisposeScope();
    }

    /// <summary>Token embeddings without positions: [B, L, width].</summary>
    public Tensor TokenEmbeddings(Tensor ids) => token_embedding.forward(ids);

    /// <summary>Given token embeddings [B, L, width] (L up to the position table) plus the learned positions.</summary>
    public Tensor WithPositions(Tensor tokenEmbeddings)
    {
        using var scope = NewDisposeScope();
        long length = tokenEmbeddings.shape[1];
        return (tokenEmbeddings + position_embedding.weight!.narrow(0, 0, length)).MoveToOuterDisposeScope();
    }
}

/// <summary>The vision tower: embeddings, pre_layrnorm (sic, the Hugging Face key), encoder, post_layernorm.</summary>
public sealed class ClipVisionTransformer : Module<Tensor, Tensor>
{
    private readonly ClipVisionEmbeddings embeddings;
    private readonly LayerNorm pre_layrnorm;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm post_layernorm;

    public ClipVisionTransformer(ClipTowerConfig config)
        : base(nameof(ClipVisionTransformer))
    {
        embeddings = new ClipVisionEmbeddings(config);
        pre_layrnorm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        encoder = new ClipEncoder(config, causal: false);
        post_layernorm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>Every token (class token first, then patches) after post_layernorm: [B, 1+N, width].</summary>
    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var hidden = encoder.forward(pre_layrnorm.forward(embeddings.forward(pixels)));
        return post_layernorm.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The class token after post_layernorm [B, width], with hooks: <paramref name="afterEmbeddings"/> may change the
    /// token sequence [B, 1+N, width] before the encoder (e.g. drop patch tokens), <paramref name="afterLayer"/> each
    /// layer's output.
    /// </summary>
    public Tensor Pooled(Tensor pixels, Func<Tensor, Tensor>? afterEmbeddings, Func<int, Tensor, Tensor>? afterLayer)
    {
        using var scope = NewDisposeScope();
        var tokens = embeddings.forward(pixels);
        if (afterEmbeddings is not null)
        {
            tokens = afterEmbeddings(tokens);
        }

        var hidden = encoder.Forward(pre_layrnorm.forward(tokens), afterLayer);
        return post_layernorm.forward(hidden.select(1, 0)).MoveToOuterDisposeScope();
    }

    /// <summary>The class token after post_layernorm: [B, width]. Skips normalising the patch tokens.</summary>
    public Tensor Pooled(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var hidden = encoder.forward(pre_layrnorm.forward(embeddings.forward(pixels)));
        return post_layernorm.forward(hidden.select(1, 0)).MoveToOuterDisposeScope();
    }
}

/// <summary>The text tower: embeddings, causal encoder, final_layer_norm.</summary>
public sealed class ClipTextTransformer : Module<Tensor, Tensor>
{
    private readonly ClipTextEmbeddings embeddings;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm final_layer_norm;

    public ClipTextTransformer(ClipTowerConfig config)
        : base(nameof(ClipTextTransformer))
    {
        embeddings = new ClipTextEmbeddings(config);
        encoder = new ClipEncoder(config, causal: true);
        final_layer_norm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>Every token after final_layer_norm: [B, L, width].</summary>
    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var hidden = encoder.forward(embeddings.forward(ids));
        return final_layer_norm.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>Token embeddings (no positions) of ids: [B, L, width].</summary>
    public Tensor TokenEmbeddings(Tensor ids) => embeddings.TokenEmbeddings(ids);

    /// <summary>Every token after final_layer_norm for given token embeddings [B, L, width] (positions added here).</summary>
    public Tensor FromTokenEmbeddings(Tensor tokenEmbeddings)
    {
        using var scope = NewDisposeScope();
        var hidden = encoder.forward(embeddings.WithPositions(tokenEmbeddings));
        return final_layer_norm.forward(hidden).MoveToOuterDisposeScope();
    }
}
