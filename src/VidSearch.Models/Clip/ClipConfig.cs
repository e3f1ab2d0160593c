using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using VidSearch.Core;

namespace VidSearch.Models.Clip;

/// <summary>One transformer tower of CLIP (field names as in Hugging Face's config.json).</summary>
public sealed record ClipTowerConfig
{
    [JsonPropertyName("hidden_size")]
    public int HiddenSize { get; init; }

    [JsonPropertyName("intermediate_size")]
    public int IntermediateSize { get; init; }

    [JsonPropertyName("num_attention_heads")]
    public int NumAttentionHeads { get; init; }

    [JsonPropertyName("num_hidden_layers")]
    public int NumHiddenLayers { get; init; }

    [JsonPropertyName("hidden_act")]
    public string HiddenAct { get; init; } = "quick_gelu";

    [JsonPropertyName("layer_norm_eps")]
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Vision only: input image side in pixels.</summary>
    [JsonPropertyName("image_size")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int ImageSize { get; init; }

    /// <summary>Vision only: patch side in pixels.</summary>
    [JsonPropertyName("patch_size")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int PatchSize { get; init; }

    [JsonPropertyName("num_channels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int NumChannels { get; init; }

    /// <summary>Text only: context length (77 for CLIP).</summary>
    [JsonPropertyName("max_position_embeddings")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int MaxPositionEmbeddings { get; init; }

    /// <summary>Text only: token vocabulary size.</summary>
    [JsonPropertyName("vocab_size")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int VocabSize { get; init; }

    [JsonIgnore]
    public int HeadDim => HiddenSize / NumAttentionHeads;
}

/// <summary>
/// Shape of a CLIP model. Serialises to and from the fields of Hugging Face's config.json for CLIPModel
/// (text_config, vision_config, projection_dim, logit_scale_init_value); unknown fields are ignored on read.
/// </summary>
public sealed record ClipConfig
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    [JsonPropertyName("text_config")]
    public required ClipTowerConfig Text { get; init; }

    [JsonPropertyName("vision_config")]
    public required ClipTowerConfig Vision { get; init; }

    [JsonPropertyName("projection_dim")]
    public int ProjectionDim { get; init; }

    /// <summary>Initial value of logit_scale (log of the inverse temperature) for a fresh model.</summary>
    [JsonPropertyName("logit_scale_init_value")]
    public double LogitScaleInitValue { get; init; } = 2.6592;

    [JsonIgnore]
    public int ImageSize => Vision.ImageSize;

    [JsonIgnore]
    public int ContextLength => Text.MaxPositionEmbeddings;

    [JsonIgnore]
    public int PatchGrid => Vision.ImageSize / Vision.PatchSize;

    /// <summary>OpenAI ViT-B/32 (openai/clip-vit-base-patch32).</summary>
    public static ClipConfig VitB32 => Create(imageSize: 224, patch: 32, visionWidth: 768, visionLayers: 12, visionHeads: 12,
        textWidth: 512, textLayers: 12, textHeads: 8, embedDim: 512);

    /// <summary>OpenAI ViT-B/16 (openai/clip-vit-base-patch16).</summary>
    public static ClipConfig VitB16 => Create(imageSize: 224, patch: 16, visionWidth: 768, visionLayers: 12, visionHeads: 12,
        textWidth: 512, textLayers: 12, textHeads: 8, embedDim: 512);

    /// <summary>A few-kilobyte-per-layer model for tests: 32x32 images, 8x8 patches, full CLIP vocabulary.</summary>
    public static ClipConfig Tiny => Create(imageSize: 32, patch: 8, visionWidth: 32, visionLayers: 2, visionHeads: 4,
        textWidth: 32, textLayers: 2, textHeads: 4, embedDim: 16, contextLength: 77);

    /// <summary>Builds a config with CLIP's usual ratios (MLP 4x width, QuickGELU, eps 1e-5).</summary>
    public static ClipConfig Create(int imageSize, int patch, int visionWidth, int visionLayers, int visionHeads,
        int textWidth, int textLayers, int textHeads, int embedDim, int contextLength = 77, int vocabSize = 49408)
    {
        var config = new ClipConfig
        {
            ProjectionDim = embedDim,
            Vision = new ClipTowerConfig
            {
                HiddenSize = visionWidth,
                IntermediateSize = visionWidth * 4,
                NumAttentionHeads = visionHeads,
                NumHiddenLayers = visionLayers,
                ImageSize = imageSize,
                PatchSize = patch,
                NumChannels = 3,
            },
            Text = new ClipTowerConfig
            {
                HiddenSize = textWidth,
                IntermediateSize = textWidth * 4,
                NumAttentionHeads = textHeads,
                NumHiddenLayers = textLayers,
                MaxPositionEmbeddings = contextLength,
                VocabSize = vocabSize,
            },
        };
        config.Validate("config");
        return config;
    }

    /// <summary>Throws a <see cref="VidSearchException"/> naming <paramref name="subject"/> when a field is absurd.</summary>
    public void Validate(string subject)
    {
        void Check(bool ok, string cause)
        {
            if (!ok)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, subject, cause);
            }
        }

        Check(Vision is not null && Text is not null, "text_config and vision_config are required");
        Check(ProjectionDim > 0, $"projection_dim must be positive (got {ProjectionDim})");
        foreach (var (name, tower) in new[] { ("vision_config", Vision!), ("text_config", Text!) })
        {
            Check(tower.HiddenSize > 0 && tower.NumAttentionHeads > 0 && tower.HiddenSize % tower.NumAttentionHeads == 0,
                $"{name}: hidden_size {tower.HiddenSize} must be a positive multiple of num_attention_heads {tower.NumAttentionHeads}");
            Check(tower.IntermediateSize > 0, $"{name}: intermediate_size must be positive (got {tower.IntermediateSize})");
            Check(tower.NumHiddenLayers > 0, $"{name}: num_hidden_layers must be positive (got {tower.NumHiddenLayers})");
            Check(tower.LayerNormEps > 0, $"{name}: layer_norm_eps must be positive");
            Check(tower.HiddenAct is "quick_gelu" or "gelu",
                $"{name}: hidden_act '{tower.HiddenAct}' is not supported (quick_gelu or gelu)");
        }

        Check(Vision!.PatchSize > 0 && Vision.ImageSize > 0 && Vision.ImageSize % Vision.PatchSize == 0,
            $"vision_config: image_size {Vision.ImageSize} must be a positive multiple of patch_size {Vision.PatchSize}");
        Check(Text!.MaxPositionEmbeddings > 1, $"text_config: max_position_embeddings must be at least 2 (got {Text.MaxPositionEmbeddings})");
        Check(Text.VocabSize > 1, $"text_config: vocab_size must be at least 2 (got {Text.VocabSize})");
    }

    public string ToJson()
    {
        var node = JsonSerializer.SerializeToNode(this, JsonOptions)!.AsObject();
        node["architectures"] = new JsonArray("CLIPModel");
        node["model_type"] = "clip";
        return node.ToJsonString(JsonOptions);
    }

    /// <summary>Parses a Hugging Face CLIPModel config.json; missing tower fields take CLIP's defaults.</summary>
    public static ClipConfig FromJson(string json, string subject = "config.json")
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, subject, $"not valid JSON ({e.Message})", e);
        }

        // Older Hugging Face configs carry the towers as text_config_dict / vision_config_dict.
        if ((root["text_config"] ?? root["text_config_dict"]) is not JsonObject text
            || (root["vision_config"] ?? root["vision_config_dict"]) is not JsonObject vision)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, subject, "text_config and vision_config are required (a CLIPModel config.json)");
        }

        try
        {
            var config = new ClipConfig
            {
                ProjectionDim = Int(root, "projection_dim", 512),
                LogitScaleInitValue = root["logit_scale_init_value"]?.GetValue<double>() ?? 2.6592,
                Text = Tower(text, width: 512, intermediate: 2048, heads: 8, layers: 12) with
                {
                    MaxPositionEmbeddings = Int(text, "max_position_embeddings", 77),
                    VocabSize = Int(text, "vocab_size", 49408),
                },
                Vision = Tower(vision, width: 768, intermediate: 3072, heads: 12, layers: 12) with
                {
                    ImageSize = Int(vision, "image_size", 224),
                    PatchSize = Int(vision, "patch_size", 32),
                    NumChannels = Int(vision, "num_channels", 3),
                },
            };
            config.Validate(subject);
            return config;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, subject, $"a field has the wrong type ({e.Message})", e);
        }
    }

    public static ClipConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "config file not found");
        }

        return FromJson(File.ReadAllText(path), path);
    }

    public void Save(string path) => File.WriteAllText(path, ToJson());

    private static ClipTowerConfig Tower(JsonObject o, int width, int intermediate, int heads, int layers) => new()
    {
        HiddenSize = Int(o, "hidden_size", width),
        IntermediateSize = Int(o, "intermediate_size", intermediate),
        NumAttentionHeads = Int(o, "num_attention_heads", heads),
        NumHiddenLayers = Int(o, "num_hidden_layers", layers),
        HiddenAct = o["hidden_act"]?.GetValue<string>() ?? "quick_gelu",
        LayerNormEps = o["layer_norm_eps"]?.GetValue<double>() ?? 1e-5,
    };

    private static int Int(JsonObject o, string name, int fallback) => o[name] is JsonNode n ? n.GetValue<int>() : fallback;
}
