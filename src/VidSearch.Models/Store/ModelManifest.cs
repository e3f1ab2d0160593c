using System.Text.Json;
using System.Text.Json.Serialization;
using VidSearch.Core;

namespace VidSearch.Models.Store;

/// <summary>The weight formats the store recognises.</summary>
public static class ModelFormats
{
    /// <summary>Hugging Face CLIP folder: config.json + model.safetensors (or sharded with model.safetensors.index.json).</summary>
    public const string HuggingFaceSafetensors = "hf-safetensors";

    /// <summary>OpenCLIP / OpenAI state dict saved as safetensors (keys visual.*, token_embedding.weight, ...).</summary>
    public const string OpenClip = "openclip";

    /// <summary>ONNX graphs (text and/or vision encoders).</summary>
    public const string Onnx = "onnx";

    /// <summary>The project's own checkpoints: vidsearch.json + safetensors.</summary>
    public const string VidSearch = "vidsearch";
}

/// <summary>A file of an installed model: path relative to the model folder, size and SHA-256.</summary>
public sealed record ManifestFile(string Path, long Size, string Sha256);

/// <summary>model.json: what a model folder in the store holds and where it came from.</summary>
public sealed record ModelManifest(
    string Name,
    string Source,
    string Format,
    IReadOnlyList<ManifestFile> Files,
    DateTimeOffset? PulledAt = null,
    DateTimeOffset? ImportedAt = null,
    string? LinkedFrom = null,
    string? Description = null)
{
    public const string FileName = "model.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
    };

    [JsonIgnore]
    public long TotalSize => Files.Sum(f => f.Size);

    public static ModelManifest Read(string path)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), Json);
            if (manifest is null || string.IsNullOrEmpty(manifest.Name) || manifest.Files is null)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, "model manifest lacks a name or files");
            }

            return manifest;
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"malformed model manifest ({e.Message})", e);
        }
        catch (FileNotFoundException e)
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "model manifest not found", e);
        }
    }

    /// <summary>Writes atomically (temporary file, then rename).</summary>
    public void Write(string path)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
    }
}
