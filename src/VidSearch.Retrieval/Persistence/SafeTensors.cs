using VidSearch.Core;
using VidSearch.Models.Checkpoints;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Persistence;

/// <summary>
/// Head, prompt and adapter weights as safetensors (F32), through the Models component's <see cref="SafeTensorsFile"/>:
/// a dictionary of TorchSharp tensors in, the same dictionary out.
/// </summary>
internal static class SafeTensors
{
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var entries = tensors.Select(pair =>
        {
            using var values = pair.Value.detach().cpu().to(ScalarType.Float32).contiguous();
            return SafeTensorEntry.FromFloats(pair.Key, pair.Value.shape, values.data<float>().ToArray());
        }).ToList();
        SafeTensorsFile.Write(path, entries, metadata);
    }

    /// <summary>Reads every tensor (as CPU float32) and the metadata; throws a VidSearchException on a bad file.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "file not found");
        }

        using var file = SafeTensorsFile.Open(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, info) in file.Tensors)
        {
            tensors[name] = tensor(file.ReadFloats(name), info.Shape);
        }

        return (tensors, new Dictionary<string, string>(file.Metadata));
    }
}
