using System.Text.Json;
using System.Text.Json.Nodes;
using VidSearch.Core;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Clip;
using VidSearch.Models.Loading;
using VidSearch.Models.Store;
using VidSearch.TestSupport;

namespace VidSearch.Cli.Tests;

/// <summary>`vidsearch models init`: random model folders of a named architecture (RandomCheckpoint in the library).</summary>
[Collection(nameof(ConsoleCapture))] // console capture, and torch's process-wide generator is seeded here
public class ModelsInitTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => EndToEndTests.Run(args);

    private static RandomCheckpointResult Write(string folder, long seed, string arch = "test-tiny", bool force = false) => RandomCheckpoint.Write(new RandomCheckpointRequest
    {
        Architecture = ClipArchitectureCatalog.Builtin.Get(arch),
        Folder = folder,
        Seed = seed,
        Vocabulary = SharedData.ClipVocabulary,
        Force = force,
    });

    [Fact]
    public void TheSameSeedWritesTheSameBytesAndAnotherSeedOtherWeights()
    {
        using var temp = new TempDirectory();
        var a = Write(temp.File("a"), seed: 7);
        var b = Write(temp.File("b"), seed: 7);
        var c = Write(temp.File("c"), seed: 8);
        byte[] Weights(RandomCheckpointResult r) => File.ReadAllBytes(Path.Combine(r.Folder, "model.safetensors"));
        Assert.Equal(Weights(a), Weights(b));
        Assert.NotEqual(Weights(a), Weights(c));
        Assert.Equal(File.ReadAllText(Path.Combine(a.Folder, "config.json")), File.ReadAllText(Path.Combine(b.Folder, "config.json")));
        Assert.Equal(["bpe_simple_vocab_16e6.txt.gz", "config.json", "model.safetensors"], a.Files);
        Assert.Equal(File.ReadAllBytes(SharedData.ClipVocabulary), File.ReadAllBytes(Path.Combine(a.Folder, "bpe_simple_vocab_16e6.txt.gz")));
    }

    [Fact]
    public void TheFolderLoadsBackThroughTheNormalOpenerWithTheSameWeightsAndSaysItIsRandom()
    {
        using var temp = new TempDirectory();
        var written = Write(temp.File("m"), seed: 3);
        Assert.Equal("random-test-tiny-seed3", written.ModelId);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(written.Folder, "config.json")))!.AsObject();
        Assert.Equal("random-test-tiny-seed3", config["_name_or_path"]!.GetValue<string>());
        Assert.Contains("random weights", config[RandomCheckpoint.ConfigKey]!["note"]!.GetValue<string>());
        Assert.Equal(3, config[RandomCheckpoint.ConfigKey]!["seed"]!.GetValue<long>());
        Assert.True(RandomCheckpoint.IsRandom(written.Folder));
        Assert.Equal(ClipConfig.Tiny, ClipConfig.Load(Path.Combine(written.Folder, "config.json")));

        // No fallback vocabulary: the tokenizer comes from the folder itself.
        using var opened = ModelOpener.Open(written.Folder, new ModelOpenOptions { FallbackVocabulary = null });
        Assert.StartsWith(written.Folder, opened.Tokenizer.Source);
        var model = Assert.IsType<ClipModel>(opened.Model);
        Assert.Equal(ClipConfig.Tiny.ProjectionDim, model.EmbeddingDim);
        Assert.Equal(written.Parameters, model.parameters().Sum(p => p.numel()));
        using var file = SafeTensorsFile.Open(Path.Combine(written.Folder, "model.safetensors"));
        var reloaded = CheckpointWriter.HuggingFaceTensors(model);
        Assert.Equal(file.Tensors.Keys.Order(StringComparer.Ordinal), reloaded.Select(t => t.Name).Order(StringComparer.Ordinal));
        foreach (var (name, _, values) in reloaded)
        {
            Assert.True(file.RawBytes(name).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())), name);
        }

        var text = model.EncodeTexts(["a red circle moves left"]);
        Assert.Equal(1, text.Rows);
        Assert.Equal(1.0, Math.Sqrt(text.Data.Sum(x => (double)x * x)), 4);

        // The store accepts it like any Hugging Face folder.
        var store = new ModelStore(temp.File("store"));
        var manifest = store.Import(written.Folder, "rnd");
        Assert.Equal("rnd", manifest.Name);
        var info = store.Info("rnd");
        Assert.Empty(info.Problems);
        Assert.Equal("random-test-tiny-seed3", info.Config!["name"]);
        Assert.StartsWith("RANDOM (random weights", info.Config["weights"]);

        // Linked into the store: the sizes checked are those of the files linked to, not of the links.
        store.Import(written.Folder, "linked", link: true);
        Assert.Empty(store.Info("linked").Problems);
        File.AppendAllText(Path.Combine(written.Folder, "config.json"), " ");
        long size = new FileInfo(Path.Combine(written.Folder, "config.json")).Length;
        Assert.Equal([$"config.json has {size} bytes, the manifest says {size - 1}"], store.Info("linked").Problems);
    }

    [Fact]
    public void RefusesANonEmptyFolderUnlessForcedAndThenReplacesOnlyModelFiles()
    {
        using var temp = new TempDirectory();
        string folder = temp.File("m");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "keep me");
        var e = Assert.Throws<VidSearchException>(() => Write(folder, seed: 1));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("not empty", e.Message);
        Assert.Contains("--force", e.Message);
        Assert.False(File.Exists(Path.Combine(folder, "model.safetensors")));

        File.WriteAllText(Path.Combine(folder, "open_clip_model.safetensors"), "stale weights of another naming");
        Write(folder, seed: 1, force: true);
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(folder, "notes.txt")));
        Assert.False(File.Exists(Path.Combine(folder, "open_clip_model.safetensors")));
        Assert.True(RandomCheckpoint.IsRandom(folder));

        // A second forced write over its own output, with the vocabulary taken from that very folder.
        var again = RandomCheckpoint.Write(new RandomCheckpointRequest
        {
            Architecture = ClipArchitectureCatalog.Builtin.Get("test-tiny"),
            Folder = folder,
            Seed = 2,
            Vocabulary = folder,
            Force = true,
        });
        Assert.Equal(File.ReadAllBytes(SharedData.ClipVocabulary), File.ReadAllBytes(Path.Combine(again.Folder, "bpe_simple_vocab_16e6.txt.gz")));
    }

    [Fact]
    public void BadArchitecturesSeedsAndVocabulariesAreClearErrors()
    {
        using var temp = new TempDirectory();
        var e = Assert.Throws<VidSearchException>(() => ClipArchitectureCatalog.Builtin.Get("vit-h14"));
        Assert.Equal("--arch: unknown architecture 'vit-h14' (known: vit-b32, vit-b16, test-tiny)", e.Message);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => Write(temp.File("m"), seed: -1)).Kind);

        var request = new RandomCheckpointRequest { Architecture = ClipArchitectureCatalog.Builtin.Get("TEST-TINY"), Folder = temp.File("m"), Vocabulary = temp.File("missing.txt.gz") };
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => RandomCheckpoint.Write(request)).Kind);
        File.WriteAllText(temp.File("words.txt"), "not a vocabulary");
        e = Assert.Throws<VidSearchException>(() => RandomCheckpoint.Write(request with { Vocabulary = temp.File("words.txt") }));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        File.WriteAllBytes(temp.File("broken.txt.gz"), [0x1f, 0x8b, 1, 2, 3]);
        Assert.Throws<VidSearchException>(() => RandomCheckpoint.Write(request with { Vocabulary = temp.File("broken.txt.gz") }));
        Assert.False(Directory.Exists(temp.File("m")));

        File.WriteAllText(temp.File("file"), "x");
        e = Assert.Throws<VidSearchException>(() => Write(temp.File("file"), seed: 1));
        Assert.Contains("is a file", e.Message);

        Assert.Throws<VidSearchException>(() => new ClipArchitectureCatalog(ClipArchitectureCatalog.Builtin.Entries).With([new("VIT-B32", "again", () => ClipConfig.VitB32)]));
    }

    [Fact]
    public async Task TheCommandWritesAPresetFolderAndSaysTheWeightsAreRandom()
    {
        using var temp = new TempDirectory();
        string folder = temp.File("micro");
        var (code, output, error) = await Run("models", "init", "--arch", "micro", "--out", folder, "--seed", "5", "--vocab", SharedData.ClipVocabulary);
        Assert.True(code == 0, error);
        Assert.Contains("random-micro-seed5", output);
        Assert.Contains("RANDOM WEIGHTS", output);
        Assert.Equal(Retrieval.Pretraining.PretrainingPresets.Get("micro"), ClipConfig.Load(Path.Combine(folder, "config.json")));

        (code, output, error) = await Run("models", "init", "--arch", "micro", "--out", folder, "--vocab", SharedData.ClipVocabulary);
        Assert.Equal(2, code);
        Assert.Equal($"error: {folder}: the output folder is not empty (pass --force to replace the model files in it)", error.Trim());

        (code, output, error) = await Run("models", "init", "--arch", "tiny", "--out", folder, "--vocab", SharedData.ClipVocabulary, "--force", "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        Assert.True(doc.RootElement.GetProperty("randomWeights").GetBoolean());
        Assert.Equal("random-tiny-seed1", doc.RootElement.GetProperty("modelId").GetString());
        Assert.Contains("random weights", error);

        (code, _, error) = await Run("models", "init", "--arch", "vit-l14", "--out", temp.File("x"), "--vocab", SharedData.ClipVocabulary);
        Assert.Equal(2, code);
        Assert.Equal("error: --arch: unknown architecture 'vit-l14' (known: vit-b32, vit-b16, test-tiny, tiny, tiny96, tiny96-l3, tiny96-v4t2, micro)", error.Trim());
    }
}
