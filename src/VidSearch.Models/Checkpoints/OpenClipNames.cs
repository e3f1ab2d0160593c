namespace VidSearch.Models.Checkpoints;

/// <summary>How a Hugging Face tensor is obtained from an OpenCLIP/OpenAI tensor.</summary>
public enum OpenClipTransform
{
    /// <summary>Same values, same shape.</summary>
    Same,
    /// <summary>The OpenCLIP matrix is [in, out] (x @ proj); Hugging Face stores the Linear weight [out, in].</summary>
    Transpose,
    /// <summary>Rows [0, D) of the fused in_proj (q).</summary>
    Query,
    /// <summary>Rows [D, 2D) of the fused in_proj (k).</summary>
    Key,
    /// <summary>Rows [2D, 3D) of the fused in_proj (v).</summary>
    Value,
}

/// <summary>One Hugging Face key and where it comes from in an OpenCLIP/OpenAI state dict.</summary>
public readonly record struct OpenClipSource(string HuggingFaceName, string OpenClipName, OpenClipTransform Transform);

/// <summary>
/// The correspondence between OpenCLIP/OpenAI CLIP key names (visual.conv1, visual.transformer.resblocks.N.attn.in_proj_weight,
/// ln_final, text_projection...) and Hugging Face CLIPModel key names.
/// </summary>
public static class OpenClipNames
{
    /// <summary>True when the keys look like an OpenCLIP/OpenAI state dict rather than a Hugging Face one.</summary>
    public static bool LooksLikeOpenClip(IEnumerable<string> names) =>
        names.Select(StripWrapper).Any(n => n.StartsWith("visual.", StringComparison.Ordinal) || n == "token_embedding.weight");

    /// <summary>Removes a "module." prefix left by data-parallel training.</summary>
    public static string StripWrapper(string name) => name.StartsWith("module.", StringComparison.Ordinal) ? name["module.".Length..] : name;

    /// <summary>The Hugging Face tensors that an OpenCLIP tensor provides (none when the key is not a CLIP weight, e.g. attn_mask).</summary>
    public static IEnumerable<OpenClipSource> ToHuggingFace(string openClipName)
    {
        string name = StripWrapper(openClipName);
        switch (name)
        {
            case "visual.class_embedding":
                yield return new("vision_model.embeddings.class_embedding", openClipName, OpenClipTransform.Same);
                yield break;
            case "visual.positional_embedding":
                yield return new("vision_model.embeddings.position_embedding.weight", openClipName, OpenClipTransform.Same);
                yield break;
            case "visual.conv1.weight":
                yield return new("vision_model.embeddings.patch_embedding.weight", openClipName, OpenClipTransform.Same);
                yield break;
            case "visual.proj":
                yield return new("visual_projection.weight", openClipName, OpenClipTransform.Transpose);
                yield break;
            case "token_embedding.weight":
                yield return new("text_model.embeddings.token_embedding.weight", openClipName, OpenClipTransform.Same);
                yield break;
            case "positional_embedding":
                yield return new("text_model.embeddings.position_embedding.weight", openClipName, OpenClipTransform.Same);
                yield break;
            case "text_projection":
                yield return new("text_projection.weight", openClipName, OpenClipTransform.Transpose);
                yield break;
            case "text_projection.weight":
                yield return new("text_projection.weight", openClipName, OpenClipTransform.Same);
                yield break;
            case "logit_scale":
                yield return new("logit_scale", openClipName, OpenClipTransform.Same);
                yield break;
        }

        foreach (var (prefix, target) in new[]
        {
            ("visual.ln_pre.", "vision_model.pre_layrnorm."),
            ("visual.ln_post.", "vision_model.post_layernorm."),
            ("ln_final.", "text_model.final_layer_norm."),
        })
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return new(target + name[prefix.Length..], openClipName, OpenClipTransform.Same);
                yield break;
            }
        }

        foreach (var (prefix, target) in new[]
        {
            ("visual.transformer.resblocks.", "vision_model.encoder.layers."),
            ("transformer.resblocks.", "text_model.encoder.layers."),
        })
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            string rest = name[prefix.Length..];
            int dot = rest.IndexOf('.');
            if (dot <= 0 || !int.TryParse(rest[..dot], out _))
            {
                yield break;
            }

            string layer = target + rest[..dot] + ".";
            foreach (var source in Block(rest[(dot + 1)..]))
            {
                yield return new(layer + source.Name, openClipName, source.Transform);
            }

            yield break;
        }
    }

    private static IEnumerable<(string Name, OpenClipTransform Transform)> Block(string key)
    {
        switch (key)
        {
            case "attn.in_proj_weight":
            case "attn.in_proj_bias":
                string kind = key.EndsWith("weight", StringComparison.Ordinal) ? "weight" : "bias";
                yield return ($"self_attn.q_proj.{kind}", OpenClipTransform.Query);
                yield return ($"self_attn.k_proj.{kind}", OpenClipTransform.Key);
                yield return ($"self_attn.v_proj.{kind}", OpenClipTransform.Value);
                yield break;
        }

        foreach (var (prefix, target) in new[]
        {
            ("ln_1.", "layer_norm1."),
            ("ln_2.", "layer_norm2."),
            ("attn.out_proj.", "self_attn.out_proj."),
            ("mlp.c_fc.", "mlp.fc1."),
            ("mlp.c_proj.", "mlp.fc2."),
        })
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return (target + key[prefix.Length..], OpenClipTransform.Same);
                yield break;
            }
        }
    }
}
