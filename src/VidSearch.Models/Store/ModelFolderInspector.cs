using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Models.Store;

/// <summary>What a folder holds: its weight format and the files that make up the model.</summary>
public sealed record ModelFolderContents(string Format, IReadOnlyList<string> Files, IReadOnlyList<string> WeightFiles);

/// <summary>
/// Recognises a model folder before it enters the store: Hugging Face CLIP (config.json + model.safetensors,
/// or shards listed by model.safetensors.index.json), the project's own (vidsearch.json + safetensors),
/// OpenCLIP/OpenAI state dicts as safetensors, or ONNX graphs. Weights are checked (safetensors structure,
/// every shard present); a folder with no recognisable weights is refused.
/// </summary>
public static class ModelFolderInspector
{
    private static readonly string[] Ignored = [ModelManifest.FileName, ".gitattributes"];

    public static ModelFolderContents Inspect(string dir)
    {
        if (File.Exists(dir))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, dir, "is a file; import expects the model's folder");
        }

        if (!Directory.Exists(dir))
        {
            throw new VidSearchException(ErrorKind.NotFound, dir, "folder not found");
        }

        var files = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(f => !Ignored.Contains(f) && !f.Split('/').Any(part => part.StartsWith('.')) && !f.EndsWith(".partial", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        var safetensors = files.Where(f => f.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)).ToList();
        var onnx = files.Where(f => f.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".onnx_data", StringComparison.OrdinalIgnoreCase)).ToList();

        if (files.Contains("vidsearch.json") && safetensors.Count > 0)
        {
            CheckSafetensors(dir, safetensors);
            return new ModelFolderContents(ModelFormats.VidSearch, files, safetensors);
        }

        if (files.Contains("config.json") && (files.Contains("model.safetensors") || files.Contains("model.safetensors.index.json")))
        {
            var weights = files.Contains("model.safetensors.index.json") ? ShardsOf(dir) : ["model.safetensors"];
            CheckSafetensors(dir, weights);
            return new ModelFolderContents(ModelFormats.HuggingFaceSafetensors, files, weights);
        }

        if (safetensors.Count > 0)
        {
            CheckSafetensors(dir, safetensors);
            var names = safetensors.SelectMany(f => SafetensorsHeader.ReadTensorNames(Path.Combine(dir, f))).ToHashSet(StringComparer.Ordinal);
            if (names.Any(n => n.StartsWith("text_model.", StringComparison.Ordinal) || n.StartsWith("vision_model.", StringComparison.Ordinal)))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, dir,
                    "holds Hugging Face CLIP weights (text_model.*/vision_model.*) but no config.json; add the checkpoint's config.json");
            }

            if (names.Contains("token_embedding.weight") || names.Any(n => n.StartsWith("visual.", StringComparison.Ordinal)))
            {
                return new ModelFolderContents(ModelFormats.OpenClip, files, safetensors);
            }

            throw new VidSearchException(ErrorKind.InvalidInput, dir,
                $"the safetensors file(s) ({string.Join(", ", safetensors)}) hold no CLIP tensors (expected text_model.*/vision_model.* with config.json, or OpenCLIP/OpenAI keys such as visual.* and token_embedding.weight)");
        }

        if (onnx.Any(f => f.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (string f in onnx)
            {
                if (new FileInfo(Path.Combine(dir, f)).Length == 0)
                {
                    throw new VidSearchException(ErrorKind.InvalidInput, Path.Combine(dir, f), "ONNX file is empty");
                }
            }

            return new ModelFolderContents(ModelFormats.Onnx, files, onnx);
        }

        throw new VidSearchException(ErrorKind.InvalidInput, dir,
            "no recognisable weights: expected config.json + model.safetensors (Hugging Face), vidsearch.json + *.safetensors, an OpenCLIP/OpenAI *.safetensors, or *.onnx" +
            (files.Any(f => f.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".pt", StringComparison.OrdinalIgnoreCase))
                ? " (PyTorch pickles .bin/.pt are not loaded; convert them to safetensors)"
                : string.Empty));
    }

    /// <summary>A short summary of a Hugging Face CLIP config.json (architecture sizes), or null when absent or unreadable.</summary>
    public static IReadOnlyDictionary<string, string>? ConfigSummary(string dir)
    {
        string path = Path.Combine(dir, "config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            var summary = new SortedDictionary<string, string>(StringComparer.Ordinal);
            Add(summary, root, "model_type", "model_type");
            Add(summary, root, "projection_dim", "projection_dim");
            Add(summary, root, "_name_or_path", "name");
            if (root.TryGetProperty(Checkpoints.RandomCheckpoint.ConfigKey, out var random) && random.ValueKind == JsonValueKind.Object)
            {
                summary["weights"] = "RANDOM" + (random.TryGetProperty("note", out var note) && note.ValueKind == JsonValueKind.String ? $" ({note.GetString()})" : string.Empty);
            }

            if (root.TryGetProperty("vision_config", out var vision))
            {
                foreach (string key in new[] { "image_size", "patch_size", "hidden_size", "num_hidden_layers", "num_attention_heads" })
                {
                    Add(summary, vision, key, "vision." + key);
                }
            }

            if (root.TryGetProperty("text_config", out var text))
            {
                foreach (string key in new[] { "vocab_size", "max_position_embeddings", "hidden_size", "num_hidden_layers", "num_attention_heads" })
                {
                    Add(summary, text, key, "text." + key);
                }
            }

            return summary;
        }
        catch (JsonException)
        {
            return new Dictionary<string, string> { ["error"] = "config.json is not valid JSON" };
        }
    }

    private static void Add(IDictionary<string, string> summary, JsonElement element, string key, string name)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(key, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
        {
            summary[name] = value.ToString();
        }
    }

    private static List<string> ShardsOf(string dir)
    {
        string index = Path.Combine(dir, "model.safetensors.index.json");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, index, "no weight_map");
            }

            var shards = map.EnumerateObject().Select(p => p.Value.GetString() ?? string.Empty).Distinct().Order(StringComparer.Ordinal).ToList();
            foreach (string shard in shards)
            {
                ModelStore.ValidateRelativePath(shard, index);
                if (!File.Exists(Path.Combine(dir, shard)))
                {
                    throw new VidSearchException(ErrorKind.InvalidInput, dir, $"shard {shard} named by model.safetensors.index.json is missing");
                }
            }

            return shards;
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, index, $"malformed JSON ({e.Message})", e);
        }
    }

    private static void CheckSafetensors(string dir, IEnumerable<string> files)
    {
        foreach (string f in files)
        {
            SafetensorsHeader.ReadTensorNames(Path.Combine(dir, f));
        }
    }
}
