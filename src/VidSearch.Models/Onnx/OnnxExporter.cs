using System.Globalization;
using VidSearch.Core;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Clip;

namespace VidSearch.Models.Onnx;

/// <summary>How <see cref="OnnxExporter"/> lays out the export.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>
    /// False (default): vision_model.onnx (pixel_values → image_embeds) and text_model.onnx (input_ids → text_embeds).
    /// True: one model.onnx with both inputs and both outputs.
    /// </summary>
    public bool Combined { get; init; }
}

/// <summary>
/// Serialises a TorchSharp <see cref="ClipModel"/> to ONNX (opset 17): Conv for patches, LayerNormalization, MatMul attention
/// with Softmax, Sigmoid-based QuickGELU, Gather/ArgMax/GatherND for the end-token feature. Outputs are the projected,
/// unnormalised embeddings; a config.json (Hugging Face format) is written beside the models, and the logit scale and
/// model id are stored in each model's metadata.
/// </summary>
public static class OnnxExporter
{
    public const string VisionFile = "vision_model.onnx";
    public const string TextFile = "text_model.onnx";
    public const string CombinedFile = "model.onnx";

    public static void Export(ClipModel model, string folder, OnnxExportOptions? options = null)
    {
        options ??= new OnnxExportOptions();
        Directory.CreateDirectory(folder);
        var weights = CheckpointWriter.HuggingFaceTensors(model).ToDictionary(t => t.Name, t => (t.Shape, t.Values));
        var config = model.Config;
        var metadata = new Dictionary<string, string>
        {
            ["logit_scale"] = model.LogitScale.ToString("R", CultureInfo.InvariantCulture),
            ["source_model_id"] = model.ModelId,
        };

        if (options.Combined)
        {
            var graph = new OnnxGraphBuilder();
            BuildVision(graph, config, weights);
            BuildText(graph, config, weights);
            WriteModel(graph, Path.Combine(folder, CombinedFile), "clip", metadata);
        }
        else
        {
            var vision = new OnnxGraphBuilder();
            BuildVision(vision, config, weights);
            WriteModel(vision, Path.Combine(folder, VisionFile), "clip_vision", metadata);
            var text = new OnnxGraphBuilder();
            BuildText(text, config, weights);
            WriteModel(text, Path.Combine(folder, TextFile), "clip_text", metadata);
        }

        config.Save(Path.Combine(folder, "config.json"));
    }

    /// <summary>
    /// Writes a one-node model computing a @ b for two [size, size] float inputs "a" and "b" (output "c"): a probe of
    /// ONNX Runtime's matrix-multiply throughput, used by benchmarks as part of the machine's roofline.
    /// </summary>
    public static void ExportMatMulProbe(string path, int size)
    {
        var graph = new OnnxGraphBuilder();
        graph.Input("a", OnnxGraphBuilder.FloatType, size, size);
        graph.Input("b", OnnxGraphBuilder.FloatType, size, size);
        graph.NodeWithOutputs("MatMul", ["a", "b"], ["c"]);
        graph.Output("c", OnnxGraphBuilder.FloatType, size, size);
        WriteModel(graph, path, "matmul_probe", new Dictionary<string, string>());
    }

    private static void WriteModel(OnnxGraphBuilder graph, string path, string name, Dictionary<string, string> metadata)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            graph.Write(stream, name, metadata);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static void BuildVision(OnnxGraphBuilder g, ClipConfig config, Dictionary<string, (long[] Shape, float[] Values)> w)
    {
        var v = config.Vision;
        long width = v.HiddenSize;
        g.Input("pixel_values", OnnxGraphBuilder.FloatType, "batch_size", 3, v.ImageSize, v.ImageSize);
        string patchWeight = Weight(g, w, "vision_model.embeddings.patch_embedding.weight");
        string x = g.Node("Conv", ["pixel_values", patchWeight],
            OnnxAttribute.Of("kernel_shape", v.PatchSize, v.PatchSize), OnnxAttribute.Of("strides", v.PatchSize, v.PatchSize));
        x = g.Node("Reshape", [x, g.Int64Constant([0, width, -1])]);
        x = g.Node("Transpose", [x], OnnxAttribute.Of("perm", 0, 2, 1));

        string batch = g.Node("Shape", ["pixel_values"], OnnxAttribute.Of("start", 0L), OnnxAttribute.Of("end", 1L));
        string classShape = g.Node("Concat", [batch, g.Int64Constant([1, width])], OnnxAttribute.Of("axis", 0L));
        string classToken = g.Initializer("vision_model.embeddings.class_embedding", [1, 1, width],
            w["vision_model.embeddings.class_embedding"].Values);
        string classTokens = g.Node("Expand", [classToken, classShape]);
        x = g.Node("Concat", [classTokens, x], OnnxAttribute.Of("axis", 1L));
        x = g.Node("Add", [x, Weight(g, w, "vision_model.embeddings.position_embedding.weight")]);
        x = LayerNorm(g, w, x, "vision_model.pre_layrnorm", v.LayerNormEps);
        for (int i = 0; i < v.NumHiddenLayers; i++)
        {
            x = EncoderLayer(g, w, x, $"vision_model.encoder.layers.{i}", v, causalMask: null);
        }

        string pooled = g.Node("Gather", [x, g.Int64Scalar(0)], OnnxAttribute.Of("axis", 1L));
        pooled = LayerNorm(g, w, pooled, "vision_model.post_layernorm", v.LayerNormEps);
        g.NodeWithOutputs("MatMul", [pooled, TransposedWeight(g, w, "visual_projection.weight")], ["image_embeds"]);
        g.Output("image_embeds", OnnxGraphBuilder.FloatType, "batch_size", config.ProjectionDim);
    }

    private static void BuildText(OnnxGraphBuilder g, ClipConfig config, Dictionary<string, (long[] Shape, float[] Values)> w)
    {
        var t = config.Text;
        int context = t.MaxPositionEmbeddings;
        g.Input("input_ids", OnnxGraphBuilder.Int64Type, "text_batch_size", "sequence_length");
        string x = g.Node("Gather", [Weight(g, w, "text_model.embeddings.token_embedding.weight"), "input_ids"], OnnxAttribute.Of("axis", 0L));
        string length = g.Node("Shape", ["input_ids"], OnnxAttribute.Of("start", 1L), OnnxAttribute.Of("end", 2L));
        string positions = g.Node("Slice", [Weight(g, w, "text_model.embeddings.position_embedding.weight"),
            g.Int64Constant([0]), length, g.Int64Constant([0])]);
        x = g.Node("Add", [x, positions]);

        var mask = new float[context * context];
        for (int r = 0; r < context; r++)
        {
            for (int c = r + 1; c < context; c++)
            {
                mask[r * context + c] = float.NegativeInfinity;
            }
        }

        string fullMask = g.Initializer("text_model.causal_mask", [context, context], mask);
        string ends = g.Node("Concat", [length, length], OnnxAttribute.Of("axis", 0L));
        string causal = g.Node("Slice", [fullMask, g.Int64Constant([0, 0]), ends, g.Int64Constant([0, 1])]);
        for (int i = 0; i < t.NumHiddenLayers; i++)
        {
            x = EncoderLayer(g, w, x, $"text_model.encoder.layers.{i}", t, causal);
        }

        x = LayerNorm(g, w, x, "text_model.final_layer_norm", t.LayerNormEps);
        string idsAsFloat = g.Node("Cast", ["input_ids"], OnnxAttribute.Of("to", (long)OnnxGraphBuilder.FloatType));
        string endPositions = g.Node("ArgMax", [idsAsFloat], OnnxAttribute.Of("axis", 1L), OnnxAttribute.Of("keepdims", 1L));
        string pooled = g.Node("GatherND", [x, endPositions], OnnxAttribute.Of("batch_dims", 1L));
        g.NodeWithOutputs("MatMul", [pooled, TransposedWeight(g, w, "text_projection.weight")], ["text_embeds"]);
        g.Output("text_embeds", OnnxGraphBuilder.FloatType, "text_batch_size", config.ProjectionDim);
    }

    private static string EncoderLayer(OnnxGraphBuilder g, Dictionary<string, (long[] Shape, float[] Values)> w, string x,
        string prefix, ClipTowerConfig tower, string? causalMask)
    {
        long heads = tower.NumAttentionHeads, headDim = tower.HeadDim, width = tower.HiddenSize;
        string h = LayerNorm(g, w, x, prefix + ".layer_norm1", tower.LayerNormEps);
        string splitShape = g.Int64Constant([0, 0, heads, headDim]);
        string Project(string name) => g.Node("Reshape", [Linear(g, w, h, $"{prefix}.self_attn.{name}"), splitShape]);
        string q = g.Node("Transpose", [Project("q_proj")], OnnxAttribute.Of("perm", 0, 2, 1, 3));
        string k = g.Node("Transpose", [Project("k_proj")], OnnxAttribute.Of("perm", 0, 2, 3, 1));
        string v = g.Node("Transpose", [Project("v_proj")], OnnxAttribute.Of("perm", 0, 2, 1, 3));
        string scores = g.Node("Mul", [g.Node("MatMul", [q, k]), g.FloatScalar(1f / MathF.Sqrt(headDim))]);
        if (causalMask is not null)
        {
            scores = g.Node("Add", [scores, causalMask]);
        }

        string probabilities = g.Node("Softmax", [scores], OnnxAttribute.Of("axis", -1L));
        string attended = g.Node("Transpose", [g.Node("MatMul", [probabilities, v])], OnnxAttribute.Of("perm", 0, 2, 1, 3));
        attended = g.Node("Reshape", [attended, g.Int64Constant([0, 0, width])]);
        x = g.Node("Add", [x, Linear(g, w, attended, $"{prefix}.self_attn.out_proj")]);

        h = LayerNorm(g, w, x, prefix + ".layer_norm2", tower.LayerNormEps);
        h = Linear(g, w, h, prefix + ".mlp.fc1");
        h = tower.HiddenAct == "quick_gelu"
            ? g.Node("Mul", [h, g.Node("Sigmoid", [g.Node("Mul", [h, g.FloatScalar(1.702f)])])])
            : Gelu(g, h);
        h = Linear(g, w, h, prefix + ".mlp.fc2");
        return g.Node("Add", [x, h]);
    }

    /// <summary>Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), from opset-13 operators.</summary>
    private static string Gelu(OnnxGraphBuilder g, string x)
    {
        string erf = g.Node("Erf", [g.Node("Mul", [x, g.FloatScalar(1f / MathF.Sqrt(2f))])]);
        string onePlus = g.Node("Add", [erf, g.FloatScalar(1f)]);
        return g.Node("Mul", [g.Node("Mul", [x, onePlus]), g.FloatScalar(0.5f)]);
    }

    private static string Linear(OnnxGraphBuilder g, Dictionary<string, (long[] Shape, float[] Values)> w, string x, string prefix) =>
        g.Node("Add", [g.Node("MatMul", [x, TransposedWeight(g, w, prefix + ".weight")]), Weight(g, w, prefix + ".bias")]);

    private static string LayerNorm(OnnxGraphBuilder g, Dictionary<string, (long[] Shape, float[] Values)> w, string x, string prefix, double eps) =>
        g.Node("LayerNormalization", [x, Weight(g, w, prefix + ".weight"), Weight(g, w, prefix + ".bias")],
            OnnxAttribute.Of("axis", -1L), OnnxAttribute.Of("epsilon", (float)eps));

    private static string Weight(OnnxGraphBuilder g, Dictionary<string, (long[] Shape, float[] Values)> w, string name)
    {
        var (shape, values) = w.TryGetValue(name, out var found)
            ? found
            : throw new VidSearchException(ErrorKind.InvalidArgument, name, "parameter missing from the model being exported");
        return g.Initializer(name, shape, values);
    }

    /// <summary>A Linear weight [out, in] stored transposed ([in, out]) for MatMul.</summary>
    private static string TransposedWeight(OnnxGraphBuilder g, Dictionary<string, (long[] Shape, float[] Values)> w, string name)
    {
        var (shape, values) = w[name];
        long rows = shape[0], cols = shape[1];
        var transposed = new float[values.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < cols; c++)
            {
                transposed[c * rows + r] = values[r * cols + c];
            }
        }

        return g.Initializer(name + "_t", [cols, rows], transposed);
    }
}
