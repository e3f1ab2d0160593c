using System.Text.Json.Nodes;
using VidSearch.Core;
using VidSearch.Models.Clip;
using static TorchSharp.torch;

namespace VidSearch.Models.Checkpoints;

/// <summary>
/// Loads CLIP weights from safetensors checkpoints (Hugging Face or OpenCLIP/OpenAI names; sharded or not; F32, F16 or BF16
/// converted to float32) into a <see cref="ClipModel"/>, and finds the model's shape: config.json (Hugging Face),
/// open_clip_config.json (OpenCLIP), or the tensors' shapes.
/// </summary>
public static class CheckpointLoader
{
    /// <summary>Opens the checkpoint at <paramref name="path"/>, builds the model its config describes and loads the weights.</summary>
    public static ClipModel Load(string path, ClipConfig? config = null)
    {
        using var checkpoint = ClipCheckpoint.Open(path);
        string folder = Directory.Exists(path) ? path : System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        config ??= FindConfig(folder, checkpoint);
        var model = new ClipModel(config);
        try
        {
            LoadInto(model, checkpoint);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    /// <summary>
    /// Copies every parameter of <paramref name="model"/> from the checkpoint. A missing key or a shape that differs gives a
    /// <see cref="VidSearchException"/> naming the key and both shapes. Keys the model does not use are ignored.
    /// </summary>
    public static void LoadInto(ClipModel model, ClipCheckpoint checkpoint)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            long[] expected = parameter.shape;
            if (!checkpoint.Contains(name))
            {
                throw new VidSearchException(ErrorKind.Incompatible, $"{checkpoint.Location}: {name}",
                    $"missing from the checkpoint (the model expects shape {Format(expected)})");
            }

            long[] actual = checkpoint.Shape(name);
            if (!actual.SequenceEqual(expected))
            {
                throw new VidSearchException(ErrorKind.Incompatible, $"{checkpoint.Location}: {name}",
                    $"shape {Format(actual)} in the checkpoint, the model expects {Format(expected)}");
            }

            using var values = tensor(checkpoint.Read(name), expected);
            parameter.copy_(values);
        }
    }

    /// <summary>config.json if it describes a CLIPModel, else open_clip_config.json, else inferred from the tensor shapes.</summary>
    public static ClipConfig FindConfig(string folder, ClipCheckpoint checkpoint)
    {
        string hf = System.IO.Path.Combine(folder, "config.json");
        if (File.Exists(hf))
        {
            return ClipConfig.Load(hf);
        }

        string openClip = System.IO.Path.Combine(folder, "open_clip_config.json");
        if (File.Exists(openClip))
        {
            return FromOpenClipConfig(File.ReadAllText(openClip), openClip);
        }

        return InferConfig(checkpoint);
    }

    /// <summary>
    /// Infers the config from tensor shapes (OpenAI/OpenCLIP files come without a config). Heads are not visible in shapes:
    /// CLIP's convention of 64-wide heads is assumed, and QuickGELU as in OpenAI's models.
    /// </summary>
    public static ClipConfig InferConfig(ClipCheckpoint checkpoint)
    {
        long[] Shape(string name) => checkpoint.Contains(name)
            ? checkpoint.Shape(name)
            : throw new VidSearchException(ErrorKind.InvalidInput, $"{checkpoint.Location}: {name}",
                "missing, so the model's shape cannot be inferred (add a config.json)");

        int Layers(string prefix) => checkpoint.Names
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))
            .Select(n => int.TryParse(n[prefix.Length..].Split('.')[0], out int i) ? i + 1 : 0)
            .DefaultIfEmpty(0).Max();

        long[] patch = Shape("vision_model.embeddings.patch_embedding.weight");
        long[] visionPositions = Shape("vision_model.embeddings.position_embedding.weight");
        long[] tokens = Shape("text_model.embeddings.token_embedding.weight");
        long[] textPositions = Shape("text_model.embeddings.position_embedding.weight");
        long[] projection = Shape("visual_projection.weight");
        if (patch.Length != 4 || visionPositions.Length != 2 || tokens.Length != 2 || textPositions.Length != 2 || projection.Length != 2)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, checkpoint.Location, "tensor ranks do not look like a CLIP model");
        }

        int grid = (int)Math.Round(Math.Sqrt(visionPositions[0] - 1));
        int visionWidth = (int)patch[0], textWidth = (int)tokens[1];
        var config = new ClipConfig
        {
            ProjectionDim = (int)projection[0],
            Vision = new ClipTowerConfig
            {
                HiddenSize = visionWidth,
                IntermediateSize = (int)Shape("vision_model.encoder.layers.0.mlp.fc1.weight")[0],
                NumAttentionHeads = Math.Max(1, visionWidth / 64),
                NumHiddenLayers = Layers("vision_model.encoder.layers."),
                PatchSize = (int)patch[2],
                ImageSize = grid * (int)patch[2],
                NumChannels = (int)patch[1],
            },
            Text = new ClipTowerConfig
            {
                HiddenSize = textWidth,
                IntermediateSize = (int)Shape("text_model.encoder.layers.0.mlp.fc1.weight")[0],
                NumAttentionHeads = Math.Max(1, textWidth / 64),
                NumHiddenLayers = Layers("text_model.encoder.layers."),
                MaxPositionEmbeddings = (int)textPositions[0],
                VocabSize = (int)tokens[0],
            },
        };
        config.Validate(checkpoint.Location);
        return config;
    }

    /// <summary>Reads OpenCLIP's open_clip_config.json ({"model_cfg": {embed_dim, vision_cfg, text_cfg, quick_gelu}}).</summary>
    public static ClipConfig FromOpenClipConfig(string json, string subject)
    {
        try
        {
            var root = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("empty document");
            var model = root["model_cfg"]?.AsObject() ?? root;
            var vision = model["vision_cfg"]?.AsObject() ?? throw new FormatException("model_cfg.vision_cfg is missing");
            var text = model["text_cfg"]?.AsObject() ?? throw new FormatException("model_cfg.text_cfg is missing");
            string act = model["quick_gelu"]?.GetValue<bool>() == true ? "quick_gelu" : "gelu";
            int visionWidth = vision["width"]?.GetValue<int>() ?? 768;
            int textWidth = text["width"]?.GetValue<int>() ?? 512;
            int headWidth = vision["head_width"]?.GetValue<int>() ?? 64;
            var config = new ClipConfig
            {
                ProjectionDim = model["embed_dim"]?.GetValue<int>() ?? 512,
                Vision = new ClipTowerConfig
                {
                    HiddenSize = visionWidth,
                    IntermediateSize = (int)(visionWidth * (vision["mlp_ratio"]?.GetValue<double>() ?? 4.0)),
                    NumAttentionHeads = Math.Max(1, visionWidth / headWidth),
                    NumHiddenLayers = vision["layers"]?.GetValue<int>() ?? 12,
                    ImageSize = vision["image_size"]?.GetValue<int>() ?? 224,
                    PatchSize = vision["patch_size"]?.GetValue<int>() ?? 32,
                    NumChannels = 3,
                    HiddenAct = act,
                },
                Text = new ClipTowerConfig
                {
                    HiddenSize = textWidth,
                    IntermediateSize = (int)(textWidth * (text["mlp_ratio"]?.GetValue<double>() ?? 4.0)),
                    NumAttentionHeads = text["heads"]?.GetValue<int>() ?? Math.Max(1, textWidth / 64),
                    NumHiddenLayers = text["layers"]?.GetValue<int>() ?? 12,
                    MaxPositionEmbeddings = text["context_length"]?.GetValue<int>() ?? 77,
                    VocabSize = text["vocab_size"]?.GetValue<int>() ?? 49408,
                    HiddenAct = act,
                },
            };
            config.Validate(subject);
            return config;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, subject, $"not a valid OpenCLIP config ({e.Message})", e);
        }
    }

    internal static string Format(long[] shape) => $"[{string.Join(", ", shape)}]";
}
