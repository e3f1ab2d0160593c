using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Onnx;

namespace VidSearch.Models.Loading;

/// <summary>What <see cref="OnnxModelExport.Export"/> wrote.</summary>
public sealed record OnnxExportResult(string Source, string Destination, IReadOnlyList<string> Files);

/// <summary>
/// Turns a safetensors model folder into an ONNX model folder that <see cref="ModelOpener"/> opens with ONNX Runtime:
/// the encoders (<see cref="OnnxExporter"/>), config.json, and the tokenizer and preprocessing files of the source.
/// </summary>
public static class OnnxModelExport
{
    /// <summary>Files copied from the source when present.</summary>
    public static readonly string[] CopiedFiles =
        ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "bpe_simple_vocab_16e6.txt.gz", "preprocessor_config.json"];

    public static OnnxExportResult Export(string source, string destination, bool combined = false, Models.Store.ModelStore? store = null)
    {
        string from = ModelOpener.ResolveFolder(source, store);
        if (string.IsNullOrWhiteSpace(destination))
        {
            throw VidSearchException.Argument("destination", "no folder given");
        }

        string to = Path.GetFullPath(destination);
        if (string.Equals(to.TrimEnd('/'), from.TrimEnd('/'), StringComparison.Ordinal))
        {
            throw VidSearchException.Argument("destination", "must differ from the source folder");
        }

        if (File.Exists(to))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, destination, "is a file; give a folder");
        }

        using (var model = ClipModelLoader.LoadTorch(from, null))
        {
            OnnxExporter.Export(model, to, new OnnxExportOptions { Combined = combined });
        }

        var files = new List<string>(combined ? [OnnxExporter.CombinedFile] : [OnnxExporter.VisionFile, OnnxExporter.TextFile]) { "config.json" };
        foreach (string name in CopiedFiles)
        {
            string file = Path.Combine(from, name);
            if (File.Exists(file))
            {
                File.Copy(file, Path.Combine(to, name), overwrite: true);
                files.Add(name);
            }
        }

        return new OnnxExportResult(from, to, files);
    }
}
