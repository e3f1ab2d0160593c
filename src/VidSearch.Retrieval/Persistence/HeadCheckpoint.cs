using System.Text.Json;
using System.Text.Json.Serialization;
using VidSearch.Core;
using VidSearch.Retrieval.Heads;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Persistence;

/// <summary>
/// A saved head: a folder holding head.safetensors (the module's state dict, F32, key = TorchSharp parameter name)
/// and head.json ({"format": "vidsearch-head", "version": 1, "head": name, "options": HeadOptions}).
/// </summary>
public static class HeadCheckpoint
{
    public const string WeightsFile = "head.safetensors";
    public const string ConfigFile = "head.json";
    private const string Format = "vidsearch-head";
    private const int Version = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes the head into <paramref name="directory"/> (created if needed; each file written atomically).</summary>
    public static void Save(IVideoHead head, string directory)
    {
        ArgumentNullException.ThrowIfNull(head);
        Directory.CreateDirectory(directory);
        var state = head.AsModule().state_dict();
        SafeTensors.Write(Path.Combine(directory, WeightsFile), state, new Dictionary<string, string> { ["head"] = head.Name, ["format"] = Format });
        var config = new HeadConfig(Format, Version, head.Name, head.Options);
        Training.AtomicFile.WriteAllText(Path.Combine(directory, ConfigFile), JsonSerializer.Serialize(config, Json));
    }

    /// <summary>Reads the config, creates the head by name and loads its weights (on the CPU).</summary>
    public static IVideoHead Load(string directory)
    {
        string configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath))
        {
            throw new VidSearchException(ErrorKind.NotFound, configPath, "head config not found (is this a saved head folder?)");
        }

        HeadConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<HeadConfig>(File.ReadAllText(configPath), Json);
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, configPath, "not valid head JSON: " + e.Message, e);
        }

        if (config is null || config.Format != Format || config.Head is null || config.Options is null)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, configPath, $"not a {Format} config (needs format, head and options)");
        }

        if (config.Version != Version)
        {
            throw new VidSearchException(ErrorKind.Incompatible, configPath, $"version {config.Version} is not supported (expected {Version})");
        }

        IVideoHead head;
        try
        {
            head = HeadFactory.Create(config.Head, config.Options);
        }
        catch (VidSearchException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, configPath, e.Message, e);
        }

        string weightsPath = Path.Combine(directory, WeightsFile);
        var (tensors, _) = SafeTensors.Read(weightsPath);
        try
        {
            var state = head.AsModule().state_dict();
            var missing = state.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
            var unexpected = tensors.Keys.Where(k => !state.ContainsKey(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                throw new VidSearchException(ErrorKind.Incompatible, weightsPath, $"weights do not match head '{config.Head}': missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
            }

            using var noGrad = no_grad();
            foreach (var (name, target) in state)
            {
                var source = tensors[name];
                if (!source.shape.SequenceEqual(target.shape))
                {
                    throw new VidSearchException(ErrorKind.Incompatible, weightsPath, $"tensor '{name}' has shape [{string.Join(", ", source.shape)}], head '{config.Head}' expects [{string.Join(", ", target.shape)}]");
                }

                target.copy_(source);
            }
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }

        return head;
    }

    private sealed record HeadConfig(string Format, int Version, string Head, HeadOptions Options);
}
