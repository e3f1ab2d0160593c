using VidSearch.Core;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Onnx;
using VidSearch.Models.Tokenization;

namespace VidSearch.Models.Clip;

/// <summary>
/// Loads a CLIP model from a folder, whatever its format: safetensors (Hugging Face or OpenCLIP names, sharded or not,
/// F32/F16/BF16) run by TorchSharp, or ONNX exports run by ONNX Runtime. The id is the folder name plus a short hash of
/// the weight files.
/// </summary>
public static class ClipModelLoader
{
    public static IClipModel Load(string folder, ITokenizer tokenizer, ClipLoadOptions? options = null)
    {
        options ??= new ClipLoadOptions();
        if (!Directory.Exists(folder))
        {
            throw new VidSearchException(ErrorKind.NotFound, folder, "model folder not found");
        }

        if (options.Threads is <= 0)
        {
            throw VidSearchException.Argument("threads", $"must be positive (got {options.Threads})");
        }

        var backend = options.Backend;
        if (backend == ClipBackend.Auto)
        {
            backend = ClipCheckpoint.Exists(folder) ? ClipBackend.TorchSharp
                : OnnxClipModel.Exists(folder) ? ClipBackend.OnnxRuntime
                : throw new VidSearchException(ErrorKind.NotFound, folder,
                    "no model here: expected a .safetensors checkpoint (with config.json or open_clip_config.json) or ONNX files");
        }

        return backend == ClipBackend.OnnxRuntime
            ? OnnxClipModel.Load(folder, tokenizer, options.Threads, options.SpinWhileWaiting)
            : LoadTorch(folder, tokenizer, options);
    }

    /// <summary>Loads the TorchSharp model (for training or token-level features, which the ONNX backend does not give).</summary>
    public static ClipModel LoadTorch(string folder, ITokenizer? tokenizer, ClipLoadOptions? options = null)
    {
        options ??= new ClipLoadOptions();
        if (options.Threads is int threads)
        {
            if (threads <= 0)
            {
                throw VidSearchException.Argument("threads", $"must be positive (got {threads})");
            }

            TorchSharp.torch.set_num_threads(threads);
        }

        using var checkpoint = ClipCheckpoint.Open(folder);
        string root = Directory.Exists(folder) ? folder : Path.GetDirectoryName(Path.GetFullPath(folder))!;
        var config = options.Config ?? CheckpointLoader.FindConfig(root, checkpoint);
        string name = new DirectoryInfo(Path.GetFullPath(root)).Name;
        var model = new ClipModel(config, tokenizer, $"{name}-{checkpoint.ContentHash()}");
        try
        {
            CheckpointLoader.LoadInto(model, checkpoint);
            model.eval();
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }
}
