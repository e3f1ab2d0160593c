using System.Text.Json;
using System.Text.Json.Nodes;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Tokenization;
using static TorchSharp.torch;

namespace VidSearch.Models.Checkpoints;

/// <summary>What <see cref="RandomCheckpoint.Write"/> writes.</summary>
public sealed record RandomCheckpointRequest
{
    public required ClipArchitecture Architecture { get; init; }

    /// <summary>The model folder to write (created; must be empty unless <see cref="Force"/>).</summary>
    public required string Folder { get; init; }

    /// <summary>Seeds torch's generator before the weights are drawn: the same seed gives the same bytes.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>
    /// The CLIP vocabulary copied into the folder: OpenAI's bpe_simple_vocab_16e6.txt.gz, a Hugging Face vocab.json
    /// (merges.txt beside it), a tokenizer.json, or a model folder holding one of them.
    /// </summary>
    public required string Vocabulary { get; init; }

    /// <summary>Write into a non-empty folder, first deleting the model and tokenizer files already there.</summary>
    public bool Force { get; init; }
}

/// <summary>What was written: the folder, the id recorded in its config.json, the shape and the files.</summary>
public sealed record RandomCheckpointResult(string Folder, string ModelId, string Architecture, long Seed, ClipConfig Config,
    long Parameters, IReadOnlyList<string> Files, long TotalBytes);

/// <summary>
/// Writes a randomly initialised CLIP of a named architecture as an ordinary model folder (model.safetensors with
/// Hugging Face names, config.json, the tokenizer files), loadable by <see cref="ClipModelLoader"/> and importable into
/// the model store. The weights are those of a fresh <see cref="ClipModel"/> drawn after torch.manual_seed(seed), so a
/// seed always gives the same bytes. Such a model measures speed (a real size runs exactly as fast as the trained
/// checkpoint) and tests the tooling; its embeddings mean nothing. config.json says so: its "_name_or_path" is
/// random-ARCH-seedS and a "vidsearch_random_init" object names the architecture, the seed and <see cref="Notice"/>.
/// </summary>
public static class RandomCheckpoint
{
    public const string Notice = "random weights: for speed measurements and tooling tests only, useless for search quality";

    /// <summary>The key of config.json that marks a random model.</summary>
    public const string ConfigKey = "vidsearch_random_init";

    // torch's generator is process-wide: seeding and drawing must not interleave with another writer.
    private static readonly Lock SeedLock = new();

    private static readonly string[] TokenizerFiles = ["bpe_simple_vocab_16e6.txt.gz", "vocab.json", "merges.txt", "tokenizer.json"];

    public static string ModelIdFor(string architecture, long seed) => $"random-{architecture}-seed{seed}";

    public static RandomCheckpointResult Write(RandomCheckpointRequest request)
    {
        if (request.Seed < 0)
        {
            throw VidSearchException.Argument("--seed", $"must be zero or positive (got {request.Seed})");
        }

        string folder = Path.GetFullPath(request.Folder);
        var config = request.Architecture.Create();
        var (tokenizer, vocabularyFiles) = OpenVocabulary(request.Vocabulary);
        if (tokenizer.VocabularySize > config.Text.VocabSize)
        {
            throw new VidSearchException(ErrorKind.Incompatible, request.Vocabulary,
                $"has {tokenizer.VocabularySize} tokens but {request.Architecture.Name} embeds only {config.Text.VocabSize}");
        }

        // Read before the folder is cleared: with --force the vocabulary may be one of the files replaced.
        var vocabularyBytes = vocabularyFiles.Select(f => (f.Name, Bytes: File.ReadAllBytes(f.Source))).ToList();
        PrepareFolder(folder, request.Force);
        string modelId = ModelIdFor(request.Architecture.Name, request.Seed);
        long parameters;
        Directory.CreateDirectory(folder);
        lock (SeedLock)
        {
            manual_seed(request.Seed);
            using var model = new ClipModel(config, tokenizer, modelId);
            parameters = model.parameters().Sum(p => p.numel());
            CheckpointWriter.Save(model, folder);
        }

        MarkConfig(Path.Combine(folder, "config.json"), modelId, request);
        foreach (var (name, content) in vocabularyBytes)
        {
            File.WriteAllBytes(Path.Combine(folder, name), content);
        }

        var files = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        long bytes = files.Sum(f => new FileInfo(Path.Combine(folder, f!)).Length);
        return new RandomCheckpointResult(folder, modelId, request.Architecture.Name, request.Seed, config, parameters, files!, bytes);
    }

    /// <summary>True when the folder's config.json carries the random-init mark.</summary>
    public static bool IsRandom(string folder)
    {
        string path = Path.Combine(folder, "config.json");
        try
        {
            return File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject root && root[ConfigKey] is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void PrepareFolder(string folder, bool force)
    {
        if (File.Exists(folder))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, folder, "is a file; --out takes a folder");
        }

        if (!Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any())
        {
            return;
        }

        if (!force)
        {
            throw VidSearchException.Argument(folder, "the output folder is not empty (pass --force to replace the model files in it)");
        }

        // Old weights of another name or format would be loaded instead of (or mixed with) the new ones.
        foreach (string file in Directory.GetFiles(folder))
        {
            string name = Path.GetFileName(file);
            if (IsModelFile(name))
            {
                File.Delete(file);
            }
        }
    }

    private static bool IsModelFile(string name)
        => name.EndsWith(".safetensors", StringComparison.Ordinal)
            || name.EndsWith(".safetensors.index.json", StringComparison.Ordinal)
            || name.EndsWith(".onnx", StringComparison.Ordinal)
            || name.EndsWith(".onnx.data", StringComparison.Ordinal)
            || name is "config.json" or "open_clip_config.json" or "vidsearch.json"
            || TokenizerFiles.Contains(name);

    /// <summary>The tokenizer and the files to copy (source path, name in the model folder).</summary>
    private static (ClipTokenizer Tokenizer, List<(string Source, string Name)> Files) OpenVocabulary(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw VidSearchException.Argument("--vocab", "no vocabulary given");
        }

        if (Directory.Exists(path))
        {
            var tokenizer = ClipTokenizer.FromModelFolder(path);
            // The same precedence as FromModelFolder, so the copy loads the tokenizer just read.
            string vocab = Path.Combine(path, "vocab.json"), merges = Path.Combine(path, "merges.txt");
            if (File.Exists(vocab) && File.Exists(merges))
            {
                return (tokenizer, [(vocab, "vocab.json"), (merges, "merges.txt")]);
            }

            string json = Path.Combine(path, "tokenizer.json");
            return File.Exists(json)
                ? (tokenizer, [(json, "tokenizer.json")])
                : (tokenizer, [(Path.Combine(path, "bpe_simple_vocab_16e6.txt.gz"), "bpe_simple_vocab_16e6.txt.gz")]);
        }

        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "vocabulary file not found");
        }

        string name = Path.GetFileName(path);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            return (ClipTokenizer.FromBpeFile(path), [(path, "bpe_simple_vocab_16e6.txt.gz")]);
        }

        if (name.Equals("tokenizer.json", StringComparison.OrdinalIgnoreCase))
        {
            return (ClipTokenizer.FromTokenizerJson(path), [(path, "tokenizer.json")]);
        }

        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            string merges = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "merges.txt");
            if (!File.Exists(merges))
            {
                throw new VidSearchException(ErrorKind.NotFound, merges, "merges.txt must lie beside vocab.json");
            }

            return (ClipTokenizer.FromHuggingFace(path, merges), [(path, "vocab.json"), (merges, "merges.txt")]);
        }

        throw new VidSearchException(ErrorKind.InvalidInput, path,
            "not a CLIP vocabulary (expected bpe_simple_vocab_16e6.txt.gz, vocab.json with merges.txt, tokenizer.json, or a model folder)");
    }

    private static void MarkConfig(string path, string modelId, RandomCheckpointRequest request)
    {
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        root["_name_or_path"] = modelId;
        root[ConfigKey] = new JsonObject
        {
            ["architecture"] = request.Architecture.Name,
            ["seed"] = request.Seed,
            ["note"] = Notice,
        };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
