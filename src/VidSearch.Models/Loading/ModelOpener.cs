using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Store;
using VidSearch.Models.Tokenization;

namespace VidSearch.Models.Loading;

/// <summary>How <see cref="ModelOpener"/> opens a model.</summary>
public sealed record ModelOpenOptions
{
    public ClipBackend Backend { get; init; } = ClipBackend.Auto;

    /// <summary>CPU threads for inference (null: the backend's default).</summary>
    public int? Threads { get; init; }

    /// <summary>See <see cref="ClipLoadOptions.SpinWhileWaiting"/>: false when the model shares the cores with decoding.</summary>
    public bool SpinWhileWaiting { get; init; } = true;

    /// <summary>The store that names resolve in (null: $VIDSEARCH_HOME/models or ~/.vidsearch/models).</summary>
    public ModelStore? Store { get; init; }

    /// <summary>
    /// bpe_simple_vocab_16e6.txt.gz used when the model folder ships no tokenizer files (null: $VIDSEARCH_CLIP_VOCAB
    /// when set).
    /// </summary>
    public string? FallbackVocabulary { get; init; }
}

/// <summary>A loaded model with its tokenizer and the folder it came from.</summary>
public sealed class OpenedModel(IClipModel model, ClipTokenizer tokenizer, string folder, ClipBackend backend) : IDisposable
{
    public IClipModel Model { get; } = model;

    public ClipTokenizer Tokenizer { get; } = tokenizer;

    /// <summary>The model folder (absolute).</summary>
    public string Folder { get; } = folder;

    /// <summary>The backend that runs it (never Auto).</summary>
    public ClipBackend Backend { get; } = backend;

    /// <summary>Tokens a text needs, start and end markers included (for query validation).</summary>
    public int CountTokens(string text) => Tokenizer.Encode(text).Length;

    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Opens a model from what a user types after --model: a name in the model store or a folder path. Finds the
/// tokenizer (files in the folder, else the fallback vocabulary) and loads the weights with the chosen backend
/// (safetensors with TorchSharp, ONNX files with ONNX Runtime; auto picks what the folder holds).
/// </summary>
public static class ModelOpener
{
    public const string VocabularyVariable = "VIDSEARCH_CLIP_VOCAB";

    /// <summary>The folder of a store name or folder path; a clear error when it is neither.</summary>
    public static string ResolveFolder(string nameOrDir, ModelStore? store = null)
    {
        if (string.IsNullOrWhiteSpace(nameOrDir))
        {
            throw VidSearchException.Argument("--model", "no model name or folder given");
        }

        if (File.Exists(nameOrDir))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, nameOrDir, "is a file; --model takes a model folder (or a name in the model store)");
        }

        try
        {
            return (store ?? ModelStore.Default()).ResolvePath(nameOrDir);
        }
        catch (VidSearchException e) when (e.Kind == ErrorKind.NotFound)
        {
            throw new VidSearchException(ErrorKind.NotFound, nameOrDir,
                "no such model folder, and no model of that name in the store (`vidsearch models list` shows them; `vidsearch models import DIR` adds one)", e);
        }
    }

    public static OpenedModel Open(string nameOrDir, ModelOpenOptions? options = null)
    {
        options ??= new ModelOpenOptions();
        string folder = ResolveFolder(nameOrDir, options.Store);
        string? fallback = options.FallbackVocabulary
            ?? (Environment.GetEnvironmentVariable(VocabularyVariable) is { Length: > 0 } env ? env : null);
        if (fallback is not null && !File.Exists(fallback))
        {
            throw new VidSearchException(ErrorKind.NotFound, fallback, $"vocabulary file not found (from {VocabularyVariable} or --vocab)");
        }

        ClipTokenizer tokenizer;
        try
        {
            tokenizer = ClipTokenizer.FromModelFolder(folder, fallback);
        }
        catch (VidSearchException e) when (e.Kind == ErrorKind.NotFound && e.Subject == folder)
        {
            throw new VidSearchException(ErrorKind.NotFound, folder,
                $"the model ships no tokenizer (vocab.json + merges.txt, tokenizer.json or bpe_simple_vocab_16e6.txt.gz); set {VocabularyVariable} to OpenAI's bpe_simple_vocab_16e6.txt.gz", e);
        }

        var model = ClipModelLoader.Load(folder, tokenizer, new ClipLoadOptions { Backend = options.Backend, Threads = options.Threads, SpinWhileWaiting = options.SpinWhileWaiting });
        var backend = model is ClipModel ? ClipBackend.TorchSharp : ClipBackend.OnnxRuntime;
        return new OpenedModel(model, tokenizer, folder, backend);
    }

    /// <summary>auto, torch (or torchsharp) and onnx (or onnxruntime).</summary>
    public static ClipBackend ParseBackend(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "auto" => ClipBackend.Auto,
        "torch" or "torchsharp" => ClipBackend.TorchSharp,
        "onnx" or "onnxruntime" => ClipBackend.OnnxRuntime,
        _ => throw VidSearchException.Argument("--backend", $"'{text}' is not a backend; expected auto, torch or onnx"),
    };
}
