namespace VidSearch.Models.Clip;

/// <summary>Which implementation runs the model.</summary>
public enum ClipBackend
{
    /// <summary>TorchSharp when the folder has a safetensors checkpoint, else ONNX Runtime when it has ONNX models.</summary>
    Auto,
    TorchSharp,
    OnnxRuntime,
}

/// <summary>Options of <see cref="ClipModelLoader.Load"/>.</summary>
public sealed record ClipLoadOptions
{
    public ClipBackend Backend { get; init; } = ClipBackend.Auto;

    /// <summary>
    /// CPU threads for inference: torch.set_num_threads for TorchSharp (process-wide), IntraOpNumThreads for ONNX Runtime.
    /// Null leaves the library default (all cores).
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's worker threads spin while waiting for work (its default) instead of sleeping. Spinning
    /// makes small calls faster on idle cores (`vidsearch bench encoders`: one image 8-15 % faster); it wastes the cores when something else needs them, as
    /// decoding does while `index` encodes (there, false). TorchSharp's OpenMP threads always wait passively
    /// (<see cref="TorchRuntimeDefaults"/>), so this changes only the ONNX backend.
    /// </summary>
    public bool SpinWhileWaiting { get; init; } = true;

    /// <summary>Overrides the config found in the folder (config.json, open_clip_config.json or inferred from shapes).</summary>
    public ClipConfig? Config { get; init; }
}
