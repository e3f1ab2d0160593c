using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Persistence;
using VidSearch.Retrieval.Prompts;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Video;

/// <summary>
/// A frozen CLIP adapted to video: a head over frame embeddings, optional learned text prompts and optional
/// temporal attention inside the image encoder. Texts and videos are encoded here; scores come from the head.
/// </summary>
public sealed class VideoModel : IDisposable
{
    public const string ConfigFile = "video-model.json";
    public const string HeadFolder = "head";
    public const string PromptsFile = "prompts.safetensors";
    public const string TemporalAttentionFile = "temporal-attention.safetensors";
    public const string TextAdapterFile = "text-adapter.safetensors";
    public const string Format = "vidsearch-video-model";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public VideoModel(ClipModel clip, ITokenizer tokenizer, VideoTrainingOptions options, int frames)
    {
        ArgumentNullException.ThrowIfNull(clip);
        options.Validate();
        Clip = clip;
        Tokenizer = tokenizer;
        Options = options;
        foreach (var p in clip.parameters())
        {
            p.requires_grad = false;
        }

        clip.eval();
        Head = HeadFactory.Create(options.Head, options.HeadOptions with { Dim = clip.EmbeddingDim, MaxFrames = Math.Max(frames, 1) });
        Prompts = options.Prompts > 0 ? new PromptedTextEncoder(clip, options.Prompts, options.PromptPlacement) : null;
        TextAdapter = options.TextAdapter ? new TextAdapter(clip.EmbeddingDim) : null;
        TemporalAttention = options.TemporalAttention ? new TemporalAttentionAdapter(clip, Math.Max(frames, 1)) : null;
        Reduction = new TokenReduction(options.MaskRatio, options.TokenKeep);
        Reduction.Validate(TemporalAttention?.Patches ?? int.MaxValue);
    }

    public ClipModel Clip { get; }

    public ITokenizer Tokenizer { get; }

    public VideoTrainingOptions Options { get; }

    public IVideoHead Head { get; }

    public PromptedTextEncoder? Prompts { get; }

    public TemporalAttentionAdapter? TemporalAttention { get; }

    public TextAdapter? TextAdapter { get; }

    public TokenReduction Reduction { get; }

    /// <summary>The trainable modules (head, then prompts and temporal attention when present).</summary>
    public IReadOnlyList<nn.Module> TrainableModules()
    {
        var list = new List<nn.Module> { Head.AsModule() };
        if (Prompts is not null) list.Add(Prompts);
        if (TemporalAttention is not null) list.Add(TemporalAttention);
        if (TextAdapter is not null) list.Add(TextAdapter);
        return list;
    }

    public void SetTraining(bool training)
    {
        foreach (var m in TrainableModules())
        {
            m.train(training);
        }
    }

    /// <summary>Normalised text embeddings [Q, E]; differentiable in the prompts and the text adapter when there are any.</summary>
    public Tensor EncodeTexts(IReadOnlyList<string> texts)
    {
        using var scope = NewDisposeScope();
        return AdaptTexts(EncodeBaseTexts(texts)).MoveToOuterDisposeScope();
    }

    /// <summary>The text adapter applied to normalised base embeddings [Q, E] (identity without an adapter).</summary>
    public Tensor AdaptTexts(Tensor baseEmbeddings) => TextAdapter is null ? baseEmbeddings.alias() : TextAdapter.forward(baseEmbeddings);

    /// <summary>Normalised text embeddings [Q, E] before the text adapter: frozen CLIP text features, or through the prompts.</summary>
    public Tensor EncodeBaseTexts(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0)
        {
            throw VidSearchException.Argument("texts", "no text to encode");
        }

        using var scope = NewDisposeScope();
        var tokens = Tokenizer.EncodeBatch(texts, Clip.Config.ContextLength);
        Tensor features;
        if (Prompts is not null)
        {
            features = Prompts.Forward(tokens);
        }
        else
        {
            using var _ = no_grad();
            int used = Math.Max(1, tokens.UsedLength);
            var ids = new long[tokens.Count * used];
            for (int i = 0; i < tokens.Count; i++)
            {
                tokens.Row(i)[..used].CopyTo(ids.AsSpan(i * used, used));
            }

            features = Clip.TextFeatures(tensor(ids, [tokens.Count, used]), tensor(tokens.EndPositions.Select(p => (long)p).ToArray()));
        }

        return nn.functional.normalize(features, dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>Normalised text embeddings without gradients (evaluation).</summary>
    public Tensor EncodeTextsNoGrad(IReadOnlyList<string> texts)
    {
        using var _ = no_grad();
        SetTraining(false);
        return EncodeTexts(texts);
    }

    /// <summary>Frame embeddings [B, T, E] and mask of the given rows of a set (temporal attention re-runs the encoder).</summary>
    public VideoInputs Videos(VideoSet set, Tensor rows, bool training)
    {
        using var scope = NewDisposeScope();
        var mask = set.Mask.index_select(0, rows);
        Tensor frames;
        if (TemporalAttention is not null)
        {
            var pixels = set.Pixels ?? throw VidSearchException.Argument("videos", "temporal attention needs the clips' pixels (encode the set with keepPixels)");
            frames = TemporalAttention.Forward(pixels.index_select(0, rows), mask, training && Reduction.Active ? Reduction : null);
        }
        else
        {
            frames = set.Frames.index_select(0, rows);
        }

        return new VideoInputs(frames.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    /// <summary>Frame embeddings [N, T, E] of a whole set for evaluation (no gradients, chunks of 32 videos).</summary>
    public Tensor AllFrames(VideoSet set)
    {
        if (TemporalAttention is null)
        {
            return set.Frames.alias();
        }

        using var _ = no_grad();
        var chunks = new List<Tensor>();
        for (long start = 0; start < set.Count; start += 32)
        {
            long n = Math.Min(32, set.Count - start);
            chunks.Add(Videos(set, arange(start, start + n, dtype: ScalarType.Int64), training: false).Frames);
        }

        var all = cat(chunks, 0);
        chunks.ForEach(c => c.Dispose());
        return all;
    }

    /// <summary>Text x video scores [Q, N] with the head (eval mode, no gradients; 256 queries at a time).</summary>
    public float[,] Score(Tensor texts, Tensor frames, Tensor mask)
    {
        using var _ = no_grad();
        SetTraining(false);
        long q = texts.shape[0], n = frames.shape[0];
        var result = new float[q, n];
        for (long start = 0; start < q; start += 256)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(256, q - start);
            var scores = Head.Score(new TextInputs(texts.narrow(0, start, count)), new VideoInputs(frames, mask)).to_type(ScalarType.Float32).contiguous();
            var data = scores.data<float>().ToArray();
            for (long i = 0; i < count; i++)
            {
                for (long j = 0; j < n; j++)
                {
                    result[start + i, j] = data[i * n + j];
                }
            }
        }

        return result;
    }

    /// <summary>Writes video-model.json, head/ and the prompt / temporal-attention weights (safetensors).</summary>
    public void Save(string directory, string clipModel, string sampling, IReadOnlyList<IReadOnlyDictionary<string, double>>? validation = null)
    {
        Directory.CreateDirectory(directory);
        HeadCheckpoint.Save(Head, Path.Combine(directory, HeadFolder));
        if (Prompts is not null)
        {
            SafeTensors.Write(Path.Combine(directory, PromptsFile), Prompts.state_dict(), new Dictionary<string, string> { ["format"] = Format });
        }

        if (TemporalAttention is not null)
        {
            SafeTensors.Write(Path.Combine(directory, TemporalAttentionFile), TemporalAttention.state_dict(), new Dictionary<string, string> { ["format"] = Format });
        }

        if (TextAdapter is not null)
        {
            SafeTensors.Write(Path.Combine(directory, TextAdapterFile), TextAdapter.state_dict(), new Dictionary<string, string> { ["format"] = Format });
        }

        var config = new VideoModelConfig(Format, 1, Head.Name, clipModel, Clip.ModelId, Clip.EmbeddingDim, Clip.Config.ImageSize, sampling,
            Options.Prompts, Options.TemporalAttention, TemporalAttention?.Scales(), Options, validation);
        Training.AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), JsonSerializer.Serialize(config, Json));
    }

    /// <summary>Reads a saved video model for the given (already loaded) CLIP; the sampling to use is in the config.</summary>
    public static (VideoModel Model, VideoModelConfig Config) Load(string directory, ClipModel clip, ITokenizer tokenizer)
    {
        string path = Path.Combine(directory, ConfigFile);
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "video model config not found (is this a folder written by 'vidsearch train video'?)");
        }

        VideoModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<VideoModelConfig>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "not valid JSON: " + e.Message, e);
        }

        if (config is null || config.Format != Format || config.Training is null)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"not a {Format} config");
        }

        if (config.EmbeddingDim != clip.EmbeddingDim || config.ImageSize != clip.Config.ImageSize)
        {
            throw new VidSearchException(ErrorKind.Incompatible, path,
                $"trained on CLIP '{config.ClipModel}' ({config.EmbeddingDim}-d, {config.ImageSize} px), given {clip.ModelId} ({clip.EmbeddingDim}-d, {clip.Config.ImageSize} px)");
        }

        var head = HeadCheckpoint.Load(Path.Combine(directory, HeadFolder));
        var model = new VideoModel(clip, tokenizer, config.Training, head.Options.MaxFrames);
        using (no_grad())
        {
            Copy(head.AsModule(), model.Head.AsModule());
            if (model.Prompts is not null)
            {
                Load(model.Prompts, Path.Combine(directory, PromptsFile));
            }

            if (model.TemporalAttention is not null)
            {
                Load(model.TemporalAttention, Path.Combine(directory, TemporalAttentionFile));
            }

            if (model.TextAdapter is not null)
            {
                Load(model.TextAdapter, Path.Combine(directory, TextAdapterFile));
            }
        }

        return (model, config);
    }

    private static void Copy(nn.Module from, nn.Module to)
    {
        var source = from.state_dict();
        foreach (var (name, target) in to.state_dict())
        {
            target.copy_(source[name]);
        }
    }

    private static void Load(nn.Module module, string path)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "weights file of the video model not found");
        }

        var (tensors, _) = SafeTensors.Read(path);
        foreach (var (name, target) in module.state_dict())
        {
            if (!tensors.TryGetValue(name, out var value) || !value.shape.SequenceEqual(target.shape))
            {
                throw new VidSearchException(ErrorKind.Incompatible, path, $"tensor '{name}' missing or of another shape");
            }

            target.copy_(value);
        }
    }

    public void Dispose()
    {
        Head.AsModule().Dispose();
        Prompts?.Dispose();
        TemporalAttention?.Dispose();
        TextAdapter?.Dispose();
    }
}

/// <summary>The saved config of a video model: which head, on which CLIP, with which sampling and options.</summary>
public sealed record VideoModelConfig(
    string Format,
    int Version,
    string Head,
    string ClipModel,
    string ClipModelId,
    int EmbeddingDim,
    int ImageSize,
    string Sampling,
    int Prompts,
    bool TemporalAttention,
    float[]? TemporalScales,
    VideoTrainingOptions? Training,
    IReadOnlyList<IReadOnlyDictionary<string, double>>? Validation);
