using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Models.Checkpoints;

/// <summary>Key naming convention of a checkpoint.</summary>
public enum CheckpointNaming
{
    /// <summary>Hugging Face CLIPModel keys (vision_model.encoder.layers.N.self_attn.q_proj.weight...).</summary>
    HuggingFace,
    /// <summary>OpenCLIP / OpenAI keys (visual.transformer.resblocks.N.attn.in_proj_weight...).</summary>
    OpenClip,
}

/// <summary>
/// The safetensors files of one CLIP checkpoint (one file or shards listed by a *.safetensors.index.json), presented under
/// Hugging Face key names whatever names the files use. Values are read lazily and converted to float32.
/// </summary>
public sealed class ClipCheckpoint : IDisposable
{
    private readonly List<SafeTensorsFile> files;
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    private ClipCheckpoint(string location, List<SafeTensorsFile> files)
    {
        Location = location;
        this.files = files;
        var rawNames = files.SelectMany(f => f.Tensors.Keys).ToList();
        Naming = OpenClipNames.LooksLikeOpenClip(rawNames) ? CheckpointNaming.OpenClip : CheckpointNaming.HuggingFace;
        foreach (var file in files)
        {
            foreach (var info in file.Tensors.Values)
            {
                if (Naming == CheckpointNaming.HuggingFace)
                {
                    entries[OpenClipNames.StripWrapper(info.Name)] = new Entry(file, info, OpenClipTransform.Same, info.Shape);
                    continue;
                }

                foreach (var source in OpenClipNames.ToHuggingFace(info.Name))
                {
                    entries[source.HuggingFaceName] = new Entry(file, info, source.Transform, MappedShape(info.Shape, source.Transform));
                }
            }
        }
    }

    /// <summary>The folder or file the checkpoint was opened from.</summary>
    public string Location { get; }

    public CheckpointNaming Naming { get; }

    public IReadOnlyList<string> Files => files.Select(f => f.Path).ToList();

    /// <summary>Hugging Face names of every tensor the checkpoint provides.</summary>
    public IReadOnlyCollection<string> Names => entries.Keys;

    /// <summary>
    /// Opens a checkpoint: a .safetensors file, or a folder holding a *.safetensors.index.json (sharded), model.safetensors,
    /// open_clip_model.safetensors, or exactly one .safetensors file.
    /// </summary>
    public static ClipCheckpoint Open(string path)
    {
        if (File.Exists(path))
        {
            return path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase)
                ? OpenSharded(path)
                : new ClipCheckpoint(path, [SafeTensorsFile.Open(path)]);
        }

        if (!Directory.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "checkpoint folder or file not found");
        }

        var indexes = Directory.GetFiles(path, "*.safetensors.index.json");
        if (indexes.Length > 0)
        {
            string index = indexes.FirstOrDefault(i => System.IO.Path.GetFileName(i) == "model.safetensors.index.json") ?? indexes[0];
            return OpenSharded(index);
        }

        foreach (string name in new[] { "model.safetensors", "open_clip_model.safetensors" })
        {
            string candidate = System.IO.Path.Combine(path, name);
            if (File.Exists(candidate))
            {
                return new ClipCheckpoint(path, [SafeTensorsFile.Open(candidate)]);
            }
        }

        var all = Directory.GetFiles(path, "*.safetensors");
        return all.Length switch
        {
            1 => new ClipCheckpoint(path, [SafeTensorsFile.Open(all[0])]),
            0 => throw new VidSearchException(ErrorKind.NotFound, path, "no .safetensors checkpoint in this folder"),
            _ => throw new VidSearchException(ErrorKind.InvalidInput, path,
                $"{all.Length} .safetensors files and no *.safetensors.index.json saying how they fit together: "
                + string.Join(", ", all.Select(System.IO.Path.GetFileName))),
        };
    }

    /// <summary>True when the folder holds something <see cref="Open"/> can read.</summary>
    public static bool Exists(string folder) =>
        Directory.Exists(folder) && (Directory.GetFiles(folder, "*.safetensors").Length > 0
            || Directory.GetFiles(folder, "*.safetensors.index.json").Length > 0);

    public bool Contains(string name) => entries.ContainsKey(name);

    /// <summary>Shape under Hugging Face conventions (q/k/v split, projections [out, in]).</summary>
    public long[] Shape(string name) => Get(name).Shape;

    /// <summary>Values under Hugging Face conventions, float32, row-major.</summary>
    public float[] Read(string name)
    {
        var entry = Get(name);
        float[] values = entry.File.ReadFloats(entry.Info.Name);
        switch (entry.Transform)
        {
            case OpenClipTransform.Same:
                return values;
            case OpenClipTransform.Transpose:
                long rows = entry.Info.Shape[0], cols = entry.Info.Shape[1];
                var transposed = new float[values.Length];
                for (long r = 0; r < rows; r++)
                {
                    for (long c = 0; c < cols; c++)
                    {
                        transposed[c * rows + r] = values[r * cols + c];
                    }
                }

                return transposed;
            default:
                int part = entry.Transform - OpenClipTransform.Query;
                int length = values.Length / 3;
                return values.AsSpan(part * length, length).ToArray();
        }
    }

    /// <summary>A short hexadecimal content hash of the raw checkpoint files (SHA-256, first 12 hex digits).</summary>
    public string ContentHash()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var file in files.OrderBy(f => System.IO.Path.GetFileName(f.Path), StringComparer.Ordinal))
        {
            using var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..12];
    }

    public void Dispose()
    {
        foreach (var file in files)
        {
            file.Dispose();
        }
    }

    private static ClipCheckpoint OpenSharded(string indexPath)
    {
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        List<string> shardNames;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(indexPath));
            if (!document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, indexPath, "no weight_map object in the shard index");
            }

            shardNames = map.EnumerateObject().Select(p => p.Value.GetString() ?? "").Distinct().ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, indexPath, $"not a valid shard index ({e.Message})", e);
        }

        if (shardNames.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, indexPath, "the weight_map lists no shard");
        }

        var opened = new List<SafeTensorsFile>();
        try
        {
            foreach (string shard in shardNames)
            {
                string shardPath = System.IO.Path.Combine(folder, shard);
                if (shard.Length == 0 || shard.Contains("..", StringComparison.Ordinal) || !File.Exists(shardPath))
                {
                    throw new VidSearchException(ErrorKind.NotFound, indexPath, $"shard '{shard}' listed in the weight_map is missing");
                }

                opened.Add(SafeTensorsFile.Open(shardPath));
            }
        }
        catch
        {
            opened.ForEach(f => f.Dispose());
            throw;
        }

        return new ClipCheckpoint(folder, opened);
    }

    private Entry Get(string name) => entries.TryGetValue(name, out var entry)
        ? entry
        : throw new VidSearchException(ErrorKind.Incompatible, $"{Location}: {name}", "missing from the checkpoint");

    private static long[] MappedShape(long[] shape, OpenClipTransform transform) => transform switch
    {
        OpenClipTransform.Transpose when shape.Length == 2 => [shape[1], shape[0]],
        OpenClipTransform.Query or OpenClipTransform.Key or OpenClipTransform.Value when shape.Length >= 1 && shape[0] % 3 == 0
            => [shape[0] / 3, .. shape[1..]],
        _ => shape,
    };

    private sealed record Entry(SafeTensorsFile File, SafeTensorInfo Info, OpenClipTransform Transform, long[] Shape);
}
