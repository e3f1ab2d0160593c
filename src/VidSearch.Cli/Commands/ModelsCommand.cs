using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Clip;
using VidSearch.Models.Loading;
using VidSearch.Models.Store;
using VidSearch.Retrieval.Pretraining;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch models list | pull NAME | import PATH | info NAME | export-onnx | init`: the local model store.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var command = new Command("models", "Manage the local model store ($VIDSEARCH_HOME/models, default ~/.vidsearch/models).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Pull());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Info());
        command.Subcommands.Add(ExportOnnx());
        command.Subcommands.Add(Init());
        return command;
    }

    private static Option<string?> StoreOption() => new("--store") { Description = "Model store folder (default $VIDSEARCH_HOME/models or ~/.vidsearch/models)." };

    private static ModelStore Open(ParseResult parse, Option<string?> store)
        => parse.GetValue(store) is { } root ? new ModelStore(root) : ModelStore.Default();

    private static Command List()
    {
        var json = CommonOptions.Json();
        var store = StoreOption();
        var command = new Command("list", "List the known checkpoints and the installed models.") { json, store };
        command.SetHandler(parse =>
        {
            var models = Open(parse, store);
            var installed = models.List();
            var catalog = ModelCatalog.Load();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new
                {
                    store = models.Root,
                    installed = installed.Select(m => new { m.Name, m.Path, m.Manifest?.Format, m.Manifest?.Source, size = m.Manifest?.TotalSize, m.Problem }),
                    catalog = catalog.Entries.Select(e => new { e.Name, e.Format, e.Description, source = $"{e.Repo}@{e.Revision}", size = e.TotalSize, installed = models.Contains(e.Name) }),
                });
                return 0;
            }

            Console.WriteLine($"installed in {models.Root}:");
            if (installed.Count == 0)
            {
                Console.WriteLine("  (none)");
            }

            foreach (var m in installed)
            {
                Console.WriteLine(m.Manifest is { } manifest
                    ? $"  {m.Name,-24} {manifest.Format,-15} {Bytes(manifest.TotalSize),10}  {manifest.Source}"
                    : $"  {m.Name,-24} (unusable: {m.Problem})");
            }

            Console.WriteLine();
            Console.WriteLine("known checkpoints (vidsearch models pull NAME):");
            foreach (var e in catalog.Entries)
            {
                string size = e.TotalSize is long total ? Bytes(total) : "size ?";
                Console.WriteLine($"  {e.Name,-24} {e.Format,-15} {size,10}  {e.Description}{(models.Contains(e.Name) ? " [installed]" : string.Empty)}");
            }

            return 0;
        });
        return command;
    }

    private static Command Pull()
    {
        var name = new Argument<string>("name") { Description = "A checkpoint of `models list`." };
        var json = CommonOptions.Json();
        var store = StoreOption();
        var mirror = new Option<string?>("--mirror") { Description = "Download base URL with the Hugging Face layout (default $VIDSEARCH_MODEL_MIRROR or https://huggingface.co)." };
        var timeout = new Option<double>("--connect-timeout") { Description = "Seconds to wait for a connection.", DefaultValueFactory = _ => 10 };
        var command = new Command("pull", "Download a known checkpoint into the store (resumable, verified).") { name, json, store, mirror, timeout };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var models = Open(parse, store);
            double seconds = parse.GetValue(timeout);
            if (seconds is <= 0 or > 600)
            {
                throw Core.VidSearchException.Argument("--connect-timeout", $"{seconds} s is out of range (0..600]");
            }

            var options = new PullOptions { Mirror = parse.GetValue(mirror), ConnectTimeout = TimeSpan.FromSeconds(seconds) };
            var manifest = await ProgressDisplay.RunAsync(progress => models.PullAsync(parse.GetValue(name)!, options, progress, cancellationToken));
            Report(parse.GetValue(json), manifest, models.PathOf(manifest.Name));
            return 0;
        });
        return command;
    }

    private static Command Import()
    {
        var path = new Argument<string>("path") { Description = "Folder of a model (Hugging Face CLIP, OpenCLIP safetensors, ONNX, or vidsearch)." };
        var json = CommonOptions.Json();
        var store = StoreOption();
        var name = new Option<string?>("--name", "-n") { Description = "Name in the store (default: the folder's name)." };
        var link = new Option<bool>("--link") { Description = "Link to the files (symbolic links) instead of copying them." };
        var command = new Command("import", "Check a local model folder and add it to the store.") { path, json, store, name, link };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var models = Open(parse, store);
            var manifest = await ProgressDisplay.RunAsync(progress =>
                Task.Run(() => models.Import(parse.GetValue(path)!, parse.GetValue(name), parse.GetValue(link), progress, cancellationToken), cancellationToken));
            Report(parse.GetValue(json), manifest, models.PathOf(manifest.Name));
            return 0;
        });
        return command;
    }

    private static Command Info()
    {
        var name = new Argument<string>("name") { Description = "An installed model." };
        var json = CommonOptions.Json();
        var store = StoreOption();
        var command = new Command("info", "Show an installed model: files, sizes, hashes, format, config summary.") { name, json, store };
        command.SetHandler(parse =>
        {
            var info = Open(parse, store).Info(parse.GetValue(name)!);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { info.Manifest, info.Path, info.Config, info.Problems });
                return info.Problems.Count == 0 ? 0 : ExitCodes.InputError;
            }

            var m = info.Manifest;
            Console.WriteLine($"{m.Name}  ({m.Format})");
            Console.WriteLine($"  path:    {info.Path}");
            Console.WriteLine($"  source:  {m.Source}{(m.LinkedFrom is not null ? " (linked)" : string.Empty)}");
            if (m.Description is not null) Console.WriteLine($"  about:   {m.Description}");
            if (m.PulledAt is { } pulled) Console.WriteLine($"  pulled:  {pulled:u}");
            if (m.ImportedAt is { } imported) Console.WriteLine($"  imported: {imported:u}");
            Console.WriteLine($"  files ({Bytes(m.TotalSize)}):");
            foreach (var f in m.Files)
            {
                Console.WriteLine($"    {f.Path,-40} {Bytes(f.Size),10}  sha256 {f.Sha256}");
            }

            if (info.Config is { Count: > 0 } config)
            {
                Console.WriteLine("  config:");
                foreach (var (key, value) in config)
                {
                    Console.WriteLine($"    {key} = {value}");
                }
            }

            foreach (string problem in info.Problems)
            {
                Console.Error.WriteLine($"warning: {m.Name}: {problem}");
            }

            return info.Problems.Count == 0 ? 0 : ExitCodes.InputError;
        });
        return command;
    }

    private static Command ExportOnnx()
    {
        var source = new Argument<string>("source") { Description = "A safetensors model (store name or folder)." };
        var destination = new Argument<string>("destination") { Description = "Folder for the ONNX model (created)." };
        var combined = new Option<bool>("--combined") { Description = "One model.onnx with both encoders (default: vision_model.onnx and text_model.onnx)." };
        var json = CommonOptions.Json();
        var command = new Command("export-onnx", "Export a safetensors CLIP to ONNX (faster CPU inference with --backend onnx); tokenizer files are copied.")
        {
            source, destination, combined, json,
        };
        command.SetHandler(parse =>
        {
            var written = OnnxModelExport.Export(parse.GetValue(source)!, parse.GetValue(destination)!, parse.GetValue(combined));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { source = written.Source, destination = written.Destination, files = written.Files });
            }
            else
            {
                Console.WriteLine($"{written.Source} -> {written.Destination}: {string.Join(", ", written.Files)}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>The architectures `models init` knows: the real CLIP shapes and the `train clip --config` presets.</summary>
    internal static ClipArchitectureCatalog InitArchitectures { get; } = ClipArchitectureCatalog.Builtin.With(
        PretrainingPresets.Names.Select(n => new ClipArchitecture(n, $"the `train clip --config {n}` preset", () => PretrainingPresets.Get(n))));

    private static Command Init()
    {
        var arch = new Option<string>("--arch") { Description = $"Architecture: {string.Join(", ", InitArchitectures.Names)}.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Model folder to write (created; must be empty unless --force).", Required = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the random weights (the same seed writes the same bytes).", DefaultValueFactory = _ => 1 };
        var vocab = new Option<string?>("--vocab") { Description = $"CLIP vocabulary copied into the folder: bpe_simple_vocab_16e6.txt.gz, vocab.json (+ merges.txt), tokenizer.json or a model folder (default ${ModelOpener.VocabularyVariable})." };
        var force = new Option<bool>("--force") { Description = "Write into a non-empty folder, replacing the model and tokenizer files there." };
        var json = CommonOptions.Json();
        var command = new Command("init", "Write a CLIP of a named architecture with RANDOM weights (for speed benchmarks and tooling tests, not for search).")
        {
            arch, output, seed, vocab, force, json,
        };
        command.SetHandler(parse =>
        {
            var architecture = InitArchitectures.Get(parse.GetValue(arch));
            string vocabulary = parse.GetValue(vocab)
                ?? (Environment.GetEnvironmentVariable(ModelOpener.VocabularyVariable) is { Length: > 0 } env ? env : null)
                ?? throw Core.VidSearchException.Argument("--vocab",
                    $"no vocabulary given: pass --vocab PATH (OpenAI's bpe_simple_vocab_16e6.txt.gz) or set {ModelOpener.VocabularyVariable}");
            var written = RandomCheckpoint.Write(new RandomCheckpointRequest
            {
                Architecture = architecture,
                Folder = parse.GetValue(output)!,
                Seed = parse.GetValue(seed),
                Vocabulary = vocabulary,
                Force = parse.GetValue(force),
            });
            if (parse.GetValue(json))
            {
                Console.Error.WriteLine($"warning: {written.ModelId}: {RandomCheckpoint.Notice}");
                JsonOutput.Write(new
                {
                    folder = written.Folder,
                    modelId = written.ModelId,
                    architecture = written.Architecture,
                    seed = written.Seed,
                    randomWeights = true,
                    note = RandomCheckpoint.Notice,
                    parameters = written.Parameters,
                    size = written.TotalBytes,
                    files = written.Files,
                });
            }
            else
            {
                Console.WriteLine($"{written.ModelId}: {written.Parameters / 1e6:0.0}M parameters, {Bytes(written.TotalBytes)}, in {written.Folder}");
                Console.WriteLine($"RANDOM WEIGHTS (seed {written.Seed}): measure speed with it (bench index, bench encoders); its search results mean nothing.");
            }

            return 0;
        });
        return command;
    }

    private static void Report(bool json, ModelManifest manifest, string path)
    {
        if (json)
        {
            JsonOutput.Write(new { manifest, path });
        }
        else
        {
            Console.WriteLine($"{manifest.Name}: {manifest.Files.Count} files, {Bytes(manifest.TotalSize)}, {manifest.Format}, in {path}");
        }
    }

    private static string Bytes(long n) => n switch
    {
        >= 1L << 30 => $"{n / (double)(1L << 30):0.0} GiB",
        >= 1L << 20 => $"{n / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{n / 1024.0:0.0} KiB",
        _ => $"{n} B",
    };
}
