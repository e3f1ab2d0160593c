using VidSearch.Core;
using VidSearch.Models.Store;

namespace VidSearch.Models.Tokenization;

/// <summary>
/// Finds the vocabulary a command should use: an explicit file (bpe_simple_vocab_16e6.txt.gz, vocab.json with
/// merges.txt beside it, tokenizer.json) or folder, a model (store name or folder), VIDSEARCH_CLIP_VOCAB, or
/// else the first model in the store that ships tokenizer files.
/// </summary>
public static class ClipTokenizerLocator
{
    public static ClipTokenizer Open(string? vocabPath, string? modelNameOrDir, ModelStore? store = null, int contextLength = ClipTokenizer.DefaultContextLength)
    {
        if (vocabPath is not null && modelNameOrDir is not null)
        {
            throw VidSearchException.Argument("--vocab/--model", "give one of them, not both");
        }

        string? fallback = Environment.GetEnvironmentVariable("VIDSEARCH_CLIP_VOCAB") is { Length: > 0 } env ? env : null;
        if (vocabPath is not null)
        {
            return FromPath(vocabPath, contextLength);
        }

        store ??= ModelStore.Default();
        if (modelNameOrDir is not null)
        {
            return ClipTokenizer.FromModelFolder(store.ResolvePath(modelNameOrDir), fallback, contextLength);
        }

        if (fallback is not null)
        {
            return FromPath(fallback, contextLength);
        }

        foreach (var model in store.List().Where(m => m.Manifest is not null))
        {
            if (HasTokenizerFiles(model.Path))
            {
                return ClipTokenizer.FromModelFolder(model.Path, null, contextLength);
            }
        }

        throw new VidSearchException(ErrorKind.NotFound, "vocabulary",
            "no CLIP vocabulary found: pass --vocab PATH (bpe_simple_vocab_16e6.txt.gz, vocab.json or tokenizer.json), --model NAME|DIR, " +
            "set VIDSEARCH_CLIP_VOCAB, or install a model with `vidsearch models pull clip-vit-b32-onnx-q8`");
    }

    private static bool HasTokenizerFiles(string dir)
        => (File.Exists(Path.Combine(dir, "vocab.json")) && File.Exists(Path.Combine(dir, "merges.txt")))
            || File.Exists(Path.Combine(dir, "tokenizer.json"))
            || File.Exists(Path.Combine(dir, "bpe_simple_vocab_16e6.txt.gz"));

    private static ClipTokenizer FromPath(string path, int contextLength)
    {
        if (Directory.Exists(path))
        {
            return ClipTokenizer.FromModelFolder(path, null, contextLength);
        }

        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "vocabulary file not found");
        }

        string name = Path.GetFileName(path);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            return ClipTokenizer.FromBpeFile(path, contextLength);
        }

        if (name.Equals("tokenizer.json", StringComparison.OrdinalIgnoreCase))
        {
            return ClipTokenizer.FromTokenizerJson(path, contextLength);
        }

        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            string merges = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "merges.txt");
            return File.Exists(merges)
                ? ClipTokenizer.FromHuggingFace(path, merges, contextLength)
                : throw new VidSearchException(ErrorKind.NotFound, merges, "merges.txt must lie beside vocab.json");
        }

        throw new VidSearchException(ErrorKind.InvalidInput, path, "not a CLIP vocabulary (expected a .txt.gz merges file, vocab.json or tokenizer.json)");
    }
}
