using System.Text.Json;
using System.Text.Json.Nodes;
using VidSearch.Core;
using VidSearch.Models.Clip;
using static TorchSharp.torch;

namespace VidSearch.Models.Checkpoints;

/// <summary>How <see cref="CheckpointWriter"/> saves a model.</summary>
public sealed record CheckpointWriteOptions
{
    /// <summary>Key names: Hugging Face (model.safetensors + config.json) or OpenCLIP (open_clip_model.safetensors + open_clip_config.json).</summary>
    public CheckpointNaming Naming { get; init; } = CheckpointNaming.HuggingFace;

    /// <summary>Stored dtype: "F32", "F16" or "BF16".</summary>
    public string Dtype { get; init; } = "F32";

    /// <summary>When set, tensors are split into shards of at most this many bytes plus a *.safetensors.index.json.</summary>
    public long? MaxShardBytes { get; init; }
}

/// <summary>Saves a <see cref="ClipModel"/> as safetensors with its config, in Hugging Face or OpenCLIP naming.</summary>
public static class CheckpointWriter
{
    public static void Save(ClipModel model, string folder, CheckpointWriteOptions? options = null)
    {
        options ??= new CheckpointWriteOptions();
        if (options.Dtype is not ("F32" or "F16" or "BF16"))
        {
            throw VidSearchException.Argument("dtype", $"'{options.Dtype}' is not F32, F16 or BF16");
        }

        if (options.MaxShardBytes is <= 0)
        {
            throw VidSearchException.Argument("max shard bytes", "must be positive");
        }

        Directory.CreateDirectory(folder);
        var tensors = options.Naming == CheckpointNaming.HuggingFace ? HuggingFaceTensors(model) : OpenClipTensors(model);
        var entries = tensors.Select(t => SafeTensorEntry.FromFloats(t.Name, t.Shape, t.Values, options.Dtype)).ToList();
        string stem = options.Naming == CheckpointNaming.HuggingFace ? "model" : "open_clip_model";
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (options.MaxShardBytes is long limit)
        {
            WriteSharded(folder, stem, entries, limit, metadata);
        }
        else
        {
            SafeTensorsFile.Write(Path.Combine(folder, stem + ".safetensors"), entries, metadata);
        }

        if (options.Naming == CheckpointNaming.HuggingFace)
        {
            model.Config.Save(Path.Combine(folder, "config.json"));
        }
        else
        {
            File.WriteAllText(Path.Combine(folder, "open_clip_config.json"), OpenClipConfigJson(model.Config));
        }
    }

    /// <summary>The model's parameters under Hugging Face names (the module's own names), float32, row-major.</summary>
    public static IReadOnlyList<(string Name, long[] Shape, float[] Values)> HuggingFaceTensors(ClipModel model)
    {
        var result = new List<(string, long[], float[])>();
        using var _ = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var cpu = parameter.detach().cpu().contiguous();
            result.Add((name, parameter.shape, cpu.data<float>().ToArray()));
        }

        return result;
    }

    /// <summary>The model's parameters under OpenCLIP/OpenAI names (q/k/v fused into in_proj, projections transposed).</summary>
    public static IReadOnlyList<(string Name, long[] Shape, float[] Values)> OpenClipTensors(ClipModel model)
    {
        var hf = HuggingFaceTensors(model).ToDictionary(t => t.Name);
        var result = new List<(string, long[], float[])>();
        foreach (string name in OpenClipKeyNames(model.Config))
        {
            var sources = OpenClipNames.ToHuggingFace(name).ToList();
            var first = hf[sources[0].HuggingFaceName];
            switch (sources[0].Transform)
            {
                case OpenClipTransform.Same:
                    result.Add((name, first.Item2, first.Item3));
                    break;
                case OpenClipTransform.Transpose:
                    long rows = first.Item2[0], cols = first.Item2[1];
                    var transposed = new float[first.Item3.Length];
                    for (long r = 0; r < rows; r++)
                    {
                        for (long c = 0; c < cols; c++)
                        {
                            transposed[c * rows + r] = first.Item3[r * cols + c];
                        }
                    }

                    result.Add((name, [cols, rows], transposed));
                    break;
                default:
                    var parts = sources.OrderBy(s => s.Transform).Select(s => hf[s.HuggingFaceName].Item3).ToList();
                    result.Add((name, [first.Item2[0] * 3, .. first.Item2[1..]], parts.SelectMany(p => p).ToArray()));
                    break;
            }
        }

        return result;
    }

    /// <summary>Every OpenCLIP key of a model with this config, in the order OpenCLIP stores them.</summary>
    public static IEnumerable<string> OpenClipKeyNames(ClipConfig config)
    {
        IEnumerable<string> Blocks(string prefix, int layers)
        {
            for (int i = 0; i < layers; i++)
            {
                string p = $"{prefix}{i}.";
                foreach (string key in new[]
                {
                    "ln_1.weight", "ln_1.bias", "attn.in_proj_weight", "attn.in_proj_bias", "attn.out_proj.weight", "attn.out_proj.bias",
                    "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias",
                })
                {
                    yield return p + key;
                }
            }
        }

        yield return "positional_embedding";
        yield return "text_projection";
        yield return "logit_scale";
        yield return "visual.class_embedding";
        yield return "visual.positional_embedding";
        yield return "visual.proj";
        yield return "visual.conv1.weight";
        yield return "visual.ln_pre.weight";
        yield return "visual.ln_pre.bias";
        foreach (string key in Blocks("visual.transformer.resblocks.", config.Vision.NumHiddenLayers))
        {
            yield return key;
        }

        yield return "visual.ln_post.weight";
        yield return "visual.ln_post.bias";
        foreach (string key in Blocks("transformer.resblocks.", config.Text.NumHiddenLayers))
        {
            yield return key;
        }

        yield return "token_embedding.weight";
        yield return "ln_final.weight";
        yield return "ln_final.bias";
    }

    /// <summary>OpenCLIP's open_clip_config.json for this config.</summary>
    public static string OpenClipConfigJson(ClipConfig config)
    {
        var v = config.Vision;
        var t = config.Text;
        var root = new JsonObject
        {
            ["model_cfg"] = new JsonObject
            {
                ["embed_dim"] = config.ProjectionDim,
                ["quick_gelu"] = v.HiddenAct == "quick_gelu",
                ["vision_cfg"] = new JsonObject
                {
                    ["image_size"] = v.ImageSize,
                    ["layers"] = v.NumHiddenLayers,
                    ["width"] = v.HiddenSize,
                    ["patch_size"] = v.PatchSize,
                    ["head_width"] = v.HeadDim,
                    ["mlp_ratio"] = (double)v.IntermediateSize / v.HiddenSize,
                },
                ["text_cfg"] = new JsonObject
                {
                    ["context_length"] = t.MaxPositionEmbeddings,
                    ["vocab_size"] = t.VocabSize,
                    ["width"] = t.HiddenSize,
                    ["heads"] = t.NumAttentionHeads,
                    ["layers"] = t.NumHiddenLayers,
                    ["mlp_ratio"] = (double)t.IntermediateSize / t.HiddenSize,
                },
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static void WriteSharded(string folder, string stem, List<SafeTensorEntry> entries, long limit, Dictionary<string, string> metadata)
    {
        var shards = new List<List<SafeTensorEntry>> { new() };
        long size = 0;
        foreach (var entry in entries)
        {
            if (size > 0 && size + entry.Data.Length > limit)
            {
                shards.Add([]);
                size = 0;
            }

            shards[^1].Add(entry);
            size += entry.Data.Length;
        }

        var weightMap = new JsonObject();
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"{stem}-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafeTensorsFile.Write(Path.Combine(folder, name), shards[i], metadata);
            foreach (var entry in shards[i])
            {
                weightMap[entry.Name] = name;
            }
        }

        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = entries.Sum(e => (long)e.Data.Length) },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(Path.Combine(folder, stem + ".safetensors.index.json"), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
