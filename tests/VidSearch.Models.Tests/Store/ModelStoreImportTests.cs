using System.Text;
using VidSearch.Core;
using VidSearch.Models.Store;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Store;

public class ModelStoreImportTests
{
    private static string MakeFolder(TempDirectory dir, string name, params (string Path, byte[] Bytes)[] files)
    {
        string folder = Path.Combine(dir.Path, name);
        foreach (var (path, bytes) in files)
        {
            string full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, bytes);
        }

        return folder;
    }

    [Fact]
    public void Hugging_face_folder_is_copied_with_hashes_and_summarised()
    {
        using var dir = new TempDirectory();
        byte[] weights = StoreFixtures.HfWeights();
        string source = MakeFolder(dir, "my clip", ("model.safetensors", weights), ("config.json", StoreFixtures.Config()), ("vocab.json", "{}"u8.ToArray()));
        var store = new ModelStore(Path.Combine(dir.Path, "store"));

        var manifest = store.Import(source, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("my-clip", manifest.Name);
        Assert.Equal(ModelFormats.HuggingFaceSafetensors, manifest.Format);
        Assert.Equal(source, manifest.Source);
        Assert.NotNull(manifest.ImportedAt);
        Assert.Equal(["config.json", "model.safetensors", "vocab.json"], manifest.Files.Select(f => f.Path));
        Assert.Equal(StoreFixtures.Sha(weights), manifest.Files.Single(f => f.Path == "model.safetensors").Sha256);
        string installed = store.ResolvePath("my-clip");
        Assert.False(new FileInfo(Path.Combine(installed, "model.safetensors")).Attributes.HasFlag(FileAttributes.ReparsePoint));
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(installed, "model.safetensors")));

        var info = store.Info("my-clip");
        Assert.Empty(info.Problems);
        Assert.Equal("32", info.Config!["vision.patch_size"]);
        Assert.Equal("49408", info.Config["text.vocab_size"]);

        File.Delete(Path.Combine(installed, "vocab.json"));
        Assert.Contains("vocab.json is missing", store.Info("my-clip").Problems);
    }

    [Fact]
    public void Link_mode_makes_symbolic_links_to_the_original_files()
    {
        using var dir = new TempDirectory();
        string source = MakeFolder(dir, "src", ("model.safetensors", StoreFixtures.HfWeights()), ("config.json", StoreFixtures.Config()));
        var store = new ModelStore(Path.Combine(dir.Path, "store"));

        var manifest = store.Import(source, "linked", link: true, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(source, manifest.LinkedFrom);
        var file = new FileInfo(Path.Combine(store.PathOf("linked"), "model.safetensors"));
        Assert.Equal(Path.Combine(source, "model.safetensors"), file.LinkTarget);
    }

    [Fact]
    public void Sharded_onnx_and_openclip_folders_are_recognised()
    {
        using var dir = new TempDirectory();
        var store = new ModelStore(Path.Combine(dir.Path, "store"));
        string index = """{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}""";
        string sharded = MakeFolder(dir, "sharded",
            ("config.json", StoreFixtures.Config()), ("model.safetensors.index.json", Encoding.UTF8.GetBytes(index)),
            ("model-00001-of-00002.safetensors", StoreFixtures.HfWeights(1)), ("model-00002-of-00002.safetensors", StoreFixtures.HfWeights(2)));
        string onnx = MakeFolder(dir, "onnx", ("onnx/text_model.onnx", [8, 1, 2, 3]), ("tokenizer.json", "{}"u8.ToArray()));
        string openclip = MakeFolder(dir, "oc", ("open_clip_model.safetensors", StoreFixtures.OpenClipWeights()));

        Assert.Equal(ModelFormats.HuggingFaceSafetensors, store.Import(sharded, cancellationToken: TestContext.Current.CancellationToken).Format);
        Assert.Equal(ModelFormats.Onnx, store.Import(onnx, cancellationToken: TestContext.Current.CancellationToken).Format);
        Assert.Equal(ModelFormats.OpenClip, store.Import(openclip, cancellationToken: TestContext.Current.CancellationToken).Format);
        Assert.Equal(["oc", "onnx", "sharded"], store.List().Select(m => m.Name));
        Assert.True(File.Exists(Path.Combine(store.PathOf("onnx"), "onnx", "text_model.onnx")));
    }

    [Theory]
    [InlineData("readme-only")]
    [InlineData("truncated")]
    [InlineData("missing-shard")]
    [InlineData("hf-without-config")]
    [InlineData("pickle")]
    public void Bad_folders_are_refused_and_leave_nothing_behind(string kind)
    {
        using var dir = new TempDirectory();
        var store = new ModelStore(Path.Combine(dir.Path, "store"));
        string folder = kind switch
        {
            "readme-only" => MakeFolder(dir, kind, ("README.md", "hello"u8.ToArray())),
            "truncated" => MakeFolder(dir, kind, ("config.json", StoreFixtures.Config()), ("model.safetensors", StoreFixtures.HfWeights()[..^10])),
            "missing-shard" => MakeFolder(dir, kind, ("config.json", StoreFixtures.Config()),
                ("model.safetensors.index.json", """{"weight_map": {"a": "model-00001-of-00002.safetensors"}}"""u8.ToArray())),
            "hf-without-config" => MakeFolder(dir, kind, ("weights.safetensors", StoreFixtures.HfWeights())),
            _ => MakeFolder(dir, kind, ("pytorch_model.bin", [1, 2, 3])),
        };

        var e = Assert.Throws<VidSearchException>(() => store.Import(folder, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.Empty(store.List());
        Assert.False(Directory.Exists(Path.Combine(store.Root, ".staging")) && Directory.EnumerateFileSystemEntries(Path.Combine(store.Root, ".staging")).Any());
        if (kind == "readme-only")
        {
            Assert.Contains("no recognisable weights", e.Message);
        }
        else if (kind == "pickle")
        {
            Assert.Contains("convert them to safetensors", e.Message);
        }
    }

    [Fact]
    public void Names_paths_and_duplicates_are_checked()
    {
        using var dir = new TempDirectory();
        var store = new ModelStore(Path.Combine(dir.Path, "store"));
        string source = MakeFolder(dir, "m", ("model.safetensors", StoreFixtures.HfWeights()), ("config.json", StoreFixtures.Config()));
        store.Import(source, "m1", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => store.Import(source, "m1", cancellationToken: TestContext.Current.CancellationToken)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => store.Import(source, "../escape", cancellationToken: TestContext.Current.CancellationToken)).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => store.Import(Path.Combine(dir.Path, "none"), cancellationToken: TestContext.Current.CancellationToken)).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => store.ResolvePath("nope")).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => store.Info("nope")).Kind);
        Assert.Equal(source, store.ResolvePath(source));
    }

    [Fact]
    public void Broken_manifests_are_listed_with_their_problem()
    {
        using var dir = new TempDirectory();
        var store = new ModelStore(dir.Path);
        Directory.CreateDirectory(Path.Combine(dir.Path, "broken"));
        File.WriteAllText(Path.Combine(dir.Path, "broken", "model.json"), "{ nope");
        Directory.CreateDirectory(Path.Combine(dir.Path, "stray"));

        var list = store.List();

        Assert.Equal(["broken", "stray"], list.Select(m => m.Name));
        Assert.All(list, m => Assert.NotNull(m.Problem));
        Assert.Contains("malformed", list[0].Problem);
    }

    [Fact]
    public void Embedded_catalog_lists_the_clip_checkpoints_with_well_formed_hashes()
    {
        var catalog = ModelCatalog.Load();

        Assert.Equal(["clip-vit-b32-onnx-q8", "clip-vit-b32-onnx", "clip-vit-b32", "clip-vit-b16"], catalog.Entries.Select(e => e.Name));
        var q8 = catalog.Find("clip-vit-b32-onnx-q8")!;
        Assert.Equal(ModelFormats.Onnx, q8.Format);
        Assert.All(q8.Files, f => Assert.NotNull(f.Sha256));
        Assert.Equal(157_233_869L, q8.TotalSize);
        Assert.Equal("https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/d15189d7028b43f1d3e65039190477f6af591c2a/onnx/text_model_quantized.onnx",
            q8.UrlOf(q8.Files.Single(f => f.Path == "onnx/text_model_quantized.onnx"), ModelStore.DefaultMirror).ToString());
        Assert.Null(catalog.Find("clip-vit-b16")!.TotalSize);
        Assert.Contains(catalog.Find("clip-vit-b32")!.Files, f => f.Path == "model.safetensors");
    }

    [Fact]
    public void Default_root_follows_vidsearch_home()
    {
        string? saved = Environment.GetEnvironmentVariable("VIDSEARCH_HOME");
        try
        {
            Environment.SetEnvironmentVariable("VIDSEARCH_HOME", "/tmp/vh");
            Assert.Equal("/tmp/vh/models", ModelStore.DefaultRoot());
            Environment.SetEnvironmentVariable("VIDSEARCH_HOME", null);
            Assert.EndsWith("/.vidsearch/models", ModelStore.DefaultRoot());
        }
        finally
        {
            Environment.SetEnvironmentVariable("VIDSEARCH_HOME", saved);
        }
    }
}
