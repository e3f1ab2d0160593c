using System.Globalization;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;

namespace VidSearch.Models.Onnx;

/// <summary>
/// CLIP run by ONNX Runtime from ONNX exports: vision_model.onnx + text_model.onnx (also under onnx/, and the int8
/// *_quantized.onnx variants, as in Xenova's repositories), or one model.onnx with both towers (Hugging Face optimum).
/// The image size, mean and std come from the graph, config.json or preprocessor_config.json. Inputs pixel_values and input_ids
/// (+ attention_mask when the model declares it); outputs image_embeds and text_embeds. Rows come back L2-normalised.
/// </summary>
public sealed class OnnxClipModel : IClipModel
{
    private const float DefaultLogitScale = 100f;

    /// <summary>ONNX Runtime's session setting for spin-waiting intra-op threads ("1" by default).</summary>
    private const string SpinningConfigKey = "session.intra_op.allow_spinning";

    private readonly InferenceSession imageSession;
    private readonly InferenceSession textSession;
    private readonly bool combined;
    private readonly string imageOutput;
    private readonly string textOutput;
    private readonly int? fixedSequenceLength;
    private readonly int contextLength;
    private readonly ITokenizer tokenizer;

    private OnnxClipModel(string folder, InferenceSession image, InferenceSession text, bool combined, ITokenizer tokenizer,
        ClipConfig? config, PreprocessConfig? preprocess, string modelId)
    {
        imageSession = image;
        textSession = text;
        this.combined = combined;
        this.tokenizer = tokenizer;
        ModelId = modelId;
        imageOutput = FindName(image.OutputMetadata.Keys, "image_embeds", folder);
        textOutput = FindName(text.OutputMetadata.Keys, "text_embeds", folder);
        FindName(image.InputMetadata.Keys, "pixel_values", folder);
        FindName(text.InputMetadata.Keys, "input_ids", folder);

        int[] pixelDims = image.InputMetadata["pixel_values"].Dimensions;
        int imageSize = pixelDims.Length == 4 && pixelDims[2] > 0 ? pixelDims[2] : config?.ImageSize ?? preprocess?.ImageSize ?? 224;
        Preprocess = (preprocess ?? PreprocessConfig.Clip(imageSize)) with { ImageSize = imageSize };

        int[] idDims = text.InputMetadata["input_ids"].Dimensions;
        fixedSequenceLength = idDims.Length == 2 && idDims[1] > 0 ? idDims[1] : null;
        contextLength = fixedSequenceLength ?? config?.ContextLength ?? tokenizer.ContextLength;

        int[] embedDims = image.OutputMetadata[imageOutput].Dimensions;
        EmbeddingDim = embedDims.Length > 0 && embedDims[^1] > 0 ? embedDims[^1] : config?.ProjectionDim ?? 0;
        if (EmbeddingDim == 0)
        {
            // Neither the graph nor a config.json says it: encode one blank image and look.
            var probe = new Dictionary<string, OrtValue>
            {
                ["pixel_values"] = OrtValue.CreateTensorValueFromMemory(new float[3 * imageSize * imageSize], [1, 3, imageSize, imageSize]),
            };
            if (combined)
            {
                AddTextInputs(probe, tokenizer.EncodeBatch([""], contextLength));
            }

            try
            {
                using var runOptions = new RunOptions();
                using var results = image.Run(runOptions, probe.Keys.ToArray(), probe.Values.ToArray(), [imageOutput]);
                EmbeddingDim = (int)results[0].GetTensorTypeAndShape().Shape[^1];
            }
            finally
            {
                foreach (var value in probe.Values)
                {
                    value.Dispose();
                }
            }
        }

        var metadata = image.ModelMetadata.CustomMetadataMap;
        LogitScale = metadata.TryGetValue("logit_scale", out string? scale)
            && float.TryParse(scale, NumberStyles.Float, CultureInfo.InvariantCulture, out float parsed) ? parsed : DefaultLogitScale;
    }

    public string ModelId { get; }

    /// <summary>Whether the sessions' worker threads spin while waiting (<see cref="ClipLoadOptions.SpinWhileWaiting"/>).</summary>
    public bool SpinsWhileWaiting { get; private init; } = true;

    /// <summary>exp(logit_scale) from the model's metadata ("logit_scale", written by <see cref="OnnxExporter"/>), else 100 (OpenAI CLIP's value).</summary>
    public float LogitScale { get; }

    public int EmbeddingDim { get; private set; }

    public PreprocessConfig Preprocess { get; }

    /// <summary>True when the folder (or its onnx/ subfolder) holds model.onnx or both vision_model.onnx and text_model.onnx.</summary>
    public static bool Exists(string folder) => FindFiles(folder) is not null;

    public static OnnxClipModel Load(string folder, ITokenizer tokenizer, int? threads = null, bool spinWhileWaiting = true)
    {
        if (!Directory.Exists(folder))
        {
            throw new VidSearchException(ErrorKind.NotFound, folder, "model folder not found");
        }

        if (threads is <= 0)
        {
            throw VidSearchException.Argument("threads", $"must be positive (got {threads})");
        }

        var files = FindFiles(folder) ?? throw new VidSearchException(ErrorKind.NotFound, folder,
            "no ONNX model: expected model.onnx, or vision_model.onnx and text_model.onnx (here or under onnx/)");
        string configPath = Path.Combine(folder, "config.json");
        ClipConfig? config = File.Exists(configPath) ? ClipConfig.Load(configPath) : null;
        var preprocess = ReadPreprocessorConfig(folder);
        string modelId = $"{new DirectoryInfo(folder).Name}-{HashFiles(files.Distinct())}";

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (!spinWhileWaiting)
        {
            options.AddSessionConfigEntry(SpinningConfigKey, "0");
        }

        if (threads is int n)
        {
            options.IntraOpNumThreads = n;
            options.InterOpNumThreads = 1;
        }
        else
        {
            options.IntraOpNumThreads = OnnxThreads.Default;
        }

        InferenceSession Open(string path)
        {
            try
            {
                return new InferenceSession(path, options);
            }
            catch (OnnxRuntimeException e)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, $"ONNX Runtime cannot load this model ({e.Message})", e);
            }
        }

        if (files.Length == 1)
        {
            var session = Open(files[0]);
            try
            {
                return new OnnxClipModel(folder, session, session, combined: true, tokenizer, config, preprocess, modelId) { SpinsWhileWaiting = spinWhileWaiting };
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        var image = Open(files[0]);
        InferenceSession? text = null;
        try
        {
            text = Open(files[1]);
            return new OnnxClipModel(folder, image, text, combined: false, tokenizer, config, preprocess, modelId) { SpinsWhileWaiting = spinWhileWaiting };
        }
        catch
        {
            image.Dispose();
            text?.Dispose();
            throw;
        }
    }

    public EmbeddingMatrix EncodeImages(ImageBatch batch)
    {
        int size = Preprocess.ImageSize;
        if (batch.Height != size || batch.Width != size)
        {
            throw VidSearchException.Argument("images", $"{batch.Width}x{batch.Height} pixels given, model {ModelId} expects {size}x{size}");
        }

        if (batch.Count == 0)
        {
            return new EmbeddingMatrix(0, EmbeddingDim);
        }

        var inputs = new Dictionary<string, OrtValue>
        {
            ["pixel_values"] = OrtValue.CreateTensorValueFromMemory(batch.Data, [batch.Count, 3, size, size]),
        };
        if (combined)
        {
            AddTextInputs(inputs, tokenizer.EncodeBatch([""], contextLength));
        }

        return Run(imageSession, inputs, imageOutput, batch.Count);
    }

    public EmbeddingMatrix EncodeTexts(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0)
        {
            return new EmbeddingMatrix(0, EmbeddingDim);
        }

        var inputs = new Dictionary<string, OrtValue>();
        AddTextInputs(inputs, tokenizer.EncodeBatch(texts, contextLength));
        if (combined)
        {
            int size = Preprocess.ImageSize;
            inputs["pixel_values"] = OrtValue.CreateTensorValueFromMemory(new float[3 * size * size], [1, 3, size, size]);
        }

        return Run(textSession, inputs, textOutput, texts.Count);
    }

    public void Dispose()
    {
        imageSession.Dispose();
        if (!combined)
        {
            textSession.Dispose();
        }
    }

    /// <summary>Ids trimmed to the longest end token (or padded to the model's fixed length), and the attention mask if the model takes one.</summary>
    private void AddTextInputs(Dictionary<string, OrtValue> inputs, TokenBatch tokens)
    {
        int length = fixedSequenceLength ?? Math.Max(1, tokens.UsedLength);
        var ids = new long[tokens.Count * length];
        var mask = new long[tokens.Count * length];
        int copy = Math.Min(length, tokens.Length);
        for (int i = 0; i < tokens.Count; i++)
        {
            tokens.Row(i)[..copy].CopyTo(ids.AsSpan(i * length, copy));
            tokens.AttentionMask.AsSpan(i * tokens.Length, copy).CopyTo(mask.AsSpan(i * length, copy));
        }

        inputs["input_ids"] = OrtValue.CreateTensorValueFromMemory(ids, [tokens.Count, length]);
        if (textSession.InputMetadata.ContainsKey("attention_mask"))
        {
            inputs["attention_mask"] = OrtValue.CreateTensorValueFromMemory(mask, [tokens.Count, length]);
        }
    }

    private EmbeddingMatrix Run(InferenceSession session, Dictionary<string, OrtValue> inputs, string output, int rows)
    {
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs.Keys.ToArray(), inputs.Values.ToArray(), [output]);
            var values = results[0].GetTensorDataAsSpan<float>();
            if (values.Length != rows * EmbeddingDim)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, ModelId,
                    $"{output} has {values.Length} values for {rows} rows of {EmbeddingDim}");
            }

            return new EmbeddingMatrix(values.ToArray(), rows, EmbeddingDim).NormalizeRows();
        }
        finally
        {
            foreach (var value in inputs.Values)
            {
                value.Dispose();
            }
        }
    }

    private static string[]? FindFiles(string folder)
    {
        // Float32 exports first, then int8-quantized ones (Xenova names them *_quantized.onnx).
        foreach (string dir in new[] { folder, Path.Combine(folder, "onnx") })
        {
            foreach (string suffix in new[] { "", "_quantized" })
            {
                string vision = Path.Combine(dir, $"vision_model{suffix}.onnx"), text = Path.Combine(dir, $"text_model{suffix}.onnx");
                if (File.Exists(vision) && File.Exists(text))
                {
                    return [vision, text];
                }

                string both = Path.Combine(dir, $"model{suffix}.onnx");
                if (File.Exists(both))
                {
                    return [both];
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Image size, mean and std from a Hugging Face preprocessor_config.json (crop_size as a number or {height, width},
    /// image_mean, image_std); null when the file is absent.
    /// </summary>
    internal static PreprocessConfig? ReadPreprocessorConfig(string folder)
    {
        string path = Path.Combine(folder, "preprocessor_config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))?.AsObject()
                ?? throw new FormatException("empty document");
            var crop = root["crop_size"] ?? root["size"];
            int? size = crop switch
            {
                System.Text.Json.Nodes.JsonValue v => v.GetValue<int>(),
                System.Text.Json.Nodes.JsonObject o => (o["height"] ?? o["shortest_edge"])?.GetValue<int>(),
                _ => null,
            };
            float[]? mean = root["image_mean"]?.AsArray().Select(n => n!.GetValue<float>()).ToArray();
            float[]? std = root["image_std"]?.AsArray().Select(n => n!.GetValue<float>()).ToArray();
            if (size is <= 0 || mean is { Length: not 3 } || std is { Length: not 3 } || (std?.Any(x => x <= 0) ?? false))
            {
                throw new FormatException("crop_size must be positive and image_mean/image_std hold 3 values (std positive)");
            }

            var config = PreprocessConfig.Clip(size ?? 224);
            return config with { Mean = mean ?? config.Mean, Std = std ?? config.Std };
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"not a valid preprocessor config ({e.Message})", e);
        }
    }

    private static string FindName(IEnumerable<string> names, string wanted, string folder) =>
        names.Contains(wanted) ? wanted
            : throw new VidSearchException(ErrorKind.Incompatible, folder,
                $"the ONNX model has no '{wanted}' (it has: {string.Join(", ", names)})");

    private static string HashFiles(IEnumerable<string> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (string file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..12];
    }
}
