using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using VidSearch.Models.Tokenization;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VidSearch.Models.Clip;

#pragma warning disable IDE1006 // snake_case fields are the checkpoint key names

/// <summary>Token-level image features: every token (class token first) projected into the joint space, and the pooled class token.</summary>
/// <param name="Pooled">[B, E] projected class token (unnormalised).</param>
/// <param name="Tokens">[B, 1+N, E] every token after post_layernorm, projected.</param>
/// <param name="Hidden">[B, 1+N, width] every token after post_layernorm, before projection.</param>
public sealed record ClipImageFeatures(Tensor Pooled, Tensor Tokens, Tensor Hidden) : IDisposable
{
    public void Dispose()
    {
        Pooled.Dispose();
        Tokens.Dispose();
        Hidden.Dispose();
    }
}

/// <summary>Token-level text features: every token projected into the joint space, and the end-token feature.</summary>
/// <param name="Pooled">[B, E] projected feature at each row's end token (unnormalised).</param>
/// <param name="Tokens">[B, L, E] every token after final_layer_norm, projected (positions after the end token are padding).</param>
/// <param name="Hidden">[B, L, width] every token after final_layer_norm, before projection.</param>
/// <param name="EndPositions">[B] int64 index of each row's end token.</param>
public sealed record ClipTextFeatures(Tensor Pooled, Tensor Tokens, Tensor Hidden, Tensor EndPositions) : IDisposable
{
    public void Dispose()
    {
        Pooled.Dispose();
        Tokens.Dispose();
        Hidden.Dispose();
        EndPositions.Dispose();
    }
}

/// <summary>
/// CLIP in TorchSharp: a vision transformer and a causal text transformer with linear projections (no bias) into a
/// joint space, and a learned logit scale. Submodule names are the Hugging Face CLIPModel keys. <c>forward(pixels, ids)</c>
/// returns the image-to-text logits and stays differentiable for training; the <c>Encode*</c> methods run without
/// gradients and return L2-normalised rows.
/// </summary>
public sealed class ClipModel : Module<Tensor, Tensor, Tensor>, IClipModel
{
    private readonly ClipTextTransformer text_model;
    private readonly ClipVisionTransformer vision_model;
    private readonly Linear visual_projection;
    private readonly Linear text_projection;
    private readonly Parameter logit_scale;

    public ClipModel(ClipConfig config, ITokenizer? tokenizer = null, string modelId = "clip-untrained")
        : base(nameof(ClipModel))
    {
        config.Validate("config");
        Config = config;
        Tokenizer = tokenizer;
        ModelId = modelId;
        text_model = new ClipTextTransformer(config.Text);
        vision_model = new ClipVisionTransformer(config.Vision);
        visual_projection = Linear(config.Vision.HiddenSize, config.ProjectionDim, hasBias: false);
        text_projection = Linear(config.Text.HiddenSize, config.ProjectionDim, hasBias: false);
        using (no_grad())
        {
            init.normal_(visual_projection.weight!, 0, Math.Pow(config.Vision.HiddenSize, -0.5));
            init.normal_(text_projection.weight!, 0, Math.Pow(config.Text.HiddenSize, -0.5));
        }

        logit_scale = new Parameter(tensor((float)config.LogitScaleInitValue));
        RegisterComponents();
    }

    public ClipConfig Config { get; }

    /// <summary>Tokenizer used by <see cref="EncodeTexts"/>; null when the model is used on token ids only.</summary>
    public ITokenizer? Tokenizer { get; set; }

    public string ModelId { get; set; }

    /// <summary>Images encoded per forward pass in <see cref="EncodeImages"/> (bounds memory for big batches).</summary>
    public int MaxBatchSize { get; set; } = 64;

    public int EmbeddingDim => Config.ProjectionDim;

    public PreprocessConfig Preprocess => PreprocessConfig.Clip(Config.ImageSize);

    public float LogitScale
    {
        get
        {
            using var _ = no_grad();
            return MathF.Exp(logit_scale.item<float>());
        }
    }

    /// <summary>The raw learnable log-scale parameter (for training).</summary>
    public Parameter LogitScaleParameter => logit_scale;

    /// <summary>Image-to-text logits [B_images, B_texts]: exp(logit_scale) * cosine similarities.</summary>
    public override Tensor forward(Tensor pixels, Tensor ids)
    {
        using var scope = NewDisposeScope();
        var image = functional.normalize(ImageFeatures(pixels), dim: -1);
        var text = functional.normalize(TextFeatures(ids), dim: -1);
        return (logit_scale.exp() * image.matmul(text.t())).MoveToOuterDisposeScope();
    }

    /// <summary>Pooled projected image embeddings [B, E] (unnormalised). Pixels: [B, 3, S, S], normalised.</summary>
    public Tensor ImageFeatures(Tensor pixels)
    {
        CheckPixels(pixels);
        using var scope = NewDisposeScope();
        return visual_projection.forward(vision_model.Pooled(pixels)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pooled projected image embeddings [B, E] (unnormalised) with hooks into the vision tower: <paramref name="afterEmbeddings"/>
    /// may change the token sequence [B, 1+N, width] before the encoder (class token first, keep it), <paramref name="afterLayer"/>
    /// (layer index, hidden [B, tokens, width]) may change each layer's output. Differentiable.
    /// </summary>
    public Tensor ImageFeatures(Tensor pixels, Func<Tensor, Tensor>? afterEmbeddings, Func<int, Tensor, Tensor>? afterLayer)
    {
        CheckPixels(pixels);
        using var scope = NewDisposeScope();
        return visual_projection.forward(vision_model.Pooled(pixels, afterEmbeddings, afterLayer)).MoveToOuterDisposeScope();
    }

    /// <summary>Token embeddings of ids [B, L, width] (before positions): the input of <see cref="TextFeaturesFromEmbeddings"/>.</summary>
    public Tensor TextTokenEmbeddings(Tensor ids)
    {
        CheckIds(ids);
        return text_model.TokenEmbeddings(ids);
    }

    /// <summary>
    /// Pooled projected text embeddings [B, E] (unnormalised) from token embeddings [B, L, width] (e.g. with learned
    /// prompt vectors inserted), taken at the given end positions [B]. Differentiable with respect to the embeddings.
    /// </summary>
    public Tensor TextFeaturesFromEmbeddings(Tensor tokenEmbeddings, Tensor endPositions)
    {
        var s = tokenEmbeddings.shape;
        if (s.Length != 3 || s[1] < 1 || s[1] > Config.ContextLength || s[2] != Config.Text.HiddenSize)
        {
            throw VidSearchException.Argument("tokenEmbeddings",
                $"shape [{string.Join(", ", s)}] given, model expects [B, L, {Config.Text.HiddenSize}] with 1 <= L <= {Config.ContextLength}");
        }

        using var scope = NewDisposeScope();
        var hidden = text_model.FromTokenEmbeddings(tokenEmbeddings);
        var pooled = hidden[arange(s[0], device: tokenEmbeddings.device), endPositions.to(ScalarType.Int64)];
        return text_projection.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Every image token projected, plus the pooled class token.</summary>
    public ClipImageFeatures ImageTokenFeatures(Tensor pixels)
    {
        CheckPixels(pixels);
        using var scope = NewDisposeScope();
        var hidden = vision_model.forward(pixels);
        var tokens = visual_projection.forward(hidden);
        var pooled = tokens.select(1, 0);
        return new ClipImageFeatures(pooled.MoveToOuterDisposeScope(), tokens.MoveToOuterDisposeScope(), hidden.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Pooled projected text embeddings [B, E] (unnormalised), taken at each row's end token: the given positions,
    /// or argmax of the ids (the end token has the largest id in CLIP's vocabulary). Ids: [B, L] int64, L up to the context.
    /// </summary>
    public Tensor TextFeatures(Tensor ids, Tensor? endPositions = null)
    {
        CheckIds(ids);
        using var scope = NewDisposeScope();
        var hidden = text_model.forward(ids);
        var ends = endPositions?.to(ScalarType.Int64) ?? ids.argmax(-1);
        var pooled = hidden[arange(ids.shape[0], device: ids.device), ends];
        return text_projection.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Every text token projected, plus the pooled end-token feature.</summary>
    public ClipTextFeatures TextTokenFeatures(Tensor ids, Tensor? endPositions = null)
    {
        CheckIds(ids);
        using var scope = NewDisposeScope();
        var hidden = text_model.forward(ids);
        var tokens = text_projection.forward(hidden);
        var ends = endPositions?.to(ScalarType.Int64) ?? ids.argmax(-1);
        var pooled = tokens[arange(ids.shape[0], device: ids.device), ends];
        return new ClipTextFeatures(pooled.MoveToOuterDisposeScope(), tokens.MoveToOuterDisposeScope(),
            hidden.MoveToOuterDisposeScope(), ends.MoveToOuterDisposeScope());
    }

    public EmbeddingMatrix EncodeImages(ImageBatch batch)
    {
        if (batch.Height != Config.ImageSize || batch.Width != Config.ImageSize)
        {
            throw VidSearchException.Argument("images",
                $"{batch.Width}x{batch.Height} pixels given, model {ModelId} expects {Config.ImageSize}x{Config.ImageSize}");
        }

        var result = new EmbeddingMatrix(batch.Count, EmbeddingDim);
        using var _ = inference_mode();
        for (int start = 0; start < batch.Count; start += MaxBatchSize)
        {
            int count = Math.Min(MaxBatchSize, batch.Count - start);
            using var scope = NewDisposeScope();
            var pixels = tensor(batch.Data.AsSpan(start * batch.ImageLength, count * batch.ImageLength).ToArray(),
                [count, 3, batch.Height, batch.Width]);
            var features = ImageFeatures(pixels).contiguous();
            features.data<float>().CopyTo(result.Data.AsSpan(start * EmbeddingDim, count * EmbeddingDim));
        }

        return result.NormalizeRows();
    }

    /// <summary>Tokenizes and encodes texts; runs the text tower only up to the batch's last end token.</summary>
    public EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts)
    {
        var tokenizer = Tokenizer ?? throw new VidSearchException(ErrorKind.InvalidArgument, ModelId,
            "no tokenizer attached to this model; pass one to ClipModelLoader.Load or set ClipModel.Tokenizer");
        if (texts.Count == 0)
        {
            return new EmbeddingMatrix(0, EmbeddingDim);
        }

        return EncodeTokens(tokenizer.EncodeBatch(texts, Config.ContextLength));
    }

    /// <summary>Encodes already tokenized texts (L2-normalised rows).</summary>
    public EmbeddingMatrix EncodeTokens(TokenBatch tokens)
    {
        if (tokens.Count == 0)
        {
            return new EmbeddingMatrix(0, EmbeddingDim);
        }

        int used = Math.Max(1, tokens.UsedLength);
        var trimmed = new long[tokens.Count * used];
        for (int i = 0; i < tokens.Count; i++)
        {
            tokens.Row(i)[..used].CopyTo(trimmed.AsSpan(i * used, used));
        }

        using var _ = inference_mode();
        using var scope = NewDisposeScope();
        var ids = tensor(trimmed, [tokens.Count, used]);
        var ends = tensor(tokens.EndPositions.Select(p => (long)p).ToArray());
        var features = TextFeatures(ids, ends).contiguous();
        return new EmbeddingMatrix(features.data<float>().ToArray(), tokens.Count, EmbeddingDim).NormalizeRows();
    }

    private void CheckPixels(Tensor pixels)
    {
        var s = pixels.shape;
        int patch = Config.Vision.PatchSize;
        if (s.Length != 4 || s[1] != 3 || s[2] < patch || s[3] < patch || s[2] % patch != 0 || s[3] % patch != 0)
        {
            throw VidSearchException.Argument("pixels",
                $"shape [{string.Join(", ", s)}] given, model expects [B, 3, {Config.ImageSize}, {Config.ImageSize}] (or another multiple of the {patch} px patch: positions are then resized)");
        }
    }

    private void CheckIds(Tensor ids)
    {
        var s = ids.shape;
        if (s.Length != 2 || s[1] < 1 || s[1] > Config.ContextLength)
        {
            throw VidSearchException.Argument("ids",
                $"shape [{string.Join(", ", s)}] given, model expects [B, L] with 1 <= L <= {Config.ContextLength}");
        }
    }
}
