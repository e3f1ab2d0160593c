using System.IO.Compression;
using System.Text;
using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Models.Tokenization;

/// <summary>
/// CLIP's byte-level BPE tables: token strings and their ids, and the merge ranks, keyed by id pairs so that
/// encoding never touches strings. Built from OpenAI's bpe_simple_vocab_16e6.txt.gz or a Hugging Face
/// vocab.json + merges.txt (or tokenizer.json).
/// </summary>
internal sealed class ClipVocabulary
{
    public const string StartToken = "<|startoftext|>";
    public const string EndToken = "<|endoftext|>";
    public const string EndOfWord = "</w>";

    /// <summary>Merges OpenAI's tokenizer reads from the .gz file (49152 - 256 - 2).</summary>
    public const int OpenAiMergeCount = 48894;

    private readonly Dictionary<long, (int Rank, int Merged)> _merges;

    private ClipVocabulary(string[] tokens, Dictionary<string, int> ids, Dictionary<long, (int, int)> merges, string source)
    {
        Tokens = tokens;
        Ids = ids;
        _merges = merges;
        Source = source;
        StartId = Require(ids, StartToken, source);
        EndId = Require(ids, EndToken, source);
        ByteIds = new int[256];
        ByteEndIds = new int[256];
        for (int b = 0; b < 256; b++)
        {
            string c = ByteLevelAlphabet.CharOfByte[b].ToString();
            ByteIds[b] = Require(ids, c, source);
            ByteEndIds[b] = Require(ids, c + EndOfWord, source);
        }
    }

    /// <summary>Token string of each id (null where an id is unused).</summary>
    public string?[] Tokens { get; }

    public Dictionary<string, int> Ids { get; }

    public string Source { get; }

    public int StartId { get; }

    public int EndId { get; }

    /// <summary>Id of each byte's character inside a word.</summary>
    public int[] ByteIds { get; }

    /// <summary>Id of each byte's character ending a word ("x&lt;/w&gt;").</summary>
    public int[] ByteEndIds { get; }

    public int MergeCount => _merges.Count;

    public bool TryMerge(int left, int right, out int rank, out int merged)
    {
        if (_merges.TryGetValue(Key(left, right), out var m))
        {
            rank = m.Rank;
            merged = m.Merged;
            return true;
        }

        rank = 0;
        merged = 0;
        return false;
    }

    /// <summary>Loads OpenAI's merges file: vocabulary = 256 byte characters, the same with "&lt;/w&gt;", one token per merge, then the two special tokens.</summary>
    public static ClipVocabulary FromBpeFile(string gzPath)
    {
        string[] lines = ReadLines(gzPath, gzip: true);
        if (lines.Length < 2)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, gzPath, "the BPE merges file is empty");
        }

        int count = Math.Min(OpenAiMergeCount, lines.Length - 1);
        var pairs = new List<(string, string)>(count);
        for (int i = 1; i <= count; i++)
        {
            pairs.Add(ParseMerge(lines[i], gzPath, i + 1));
        }

        var tokens = new List<string>(512 + count + 2);
        foreach (byte b in ByteLevelAlphabet.ByteOrder)
        {
            tokens.Add(ByteLevelAlphabet.CharOfByte[b].ToString());
        }

        foreach (byte b in ByteLevelAlphabet.ByteOrder)
        {
            tokens.Add(ByteLevelAlphabet.CharOfByte[b] + EndOfWord);
        }

        foreach (var (a, b) in pairs)
        {
            tokens.Add(a + b);
        }

        tokens.Add(StartToken);
        tokens.Add(EndToken);

        var ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
        {
            ids[tokens[i]] = i; // a repeated string keeps its last id, as the reference's dict(zip(...)) does
        }

        return new ClipVocabulary(tokens.ToArray(), ids, BuildMerges(pairs, ids, gzPath), gzPath);
    }

    /// <summary>Loads a Hugging Face vocab.json (token -> id) and merges.txt ("a b" per line after a "#version" header).</summary>
    public static ClipVocabulary FromHuggingFace(string vocabJsonPath, string mergesTxtPath)
    {
        var ids = ReadVocabJson(vocabJsonPath);
        string[] lines = ReadLines(mergesTxtPath, gzip: false);
        var pairs = new List<(string, string)>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            pairs.Add(ParseMerge(line, mergesTxtPath, i + 1));
        }

        if (pairs.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, mergesTxtPath, "no merges in the file");
        }

        return new ClipVocabulary(ToArray(ids), ids, BuildMerges(pairs, ids, mergesTxtPath), vocabJsonPath);
    }

    /// <summary>Loads the BPE model of a Hugging Face tokenizer.json (model.vocab and model.merges).</summary>
    public static ClipVocabulary FromTokenizerJson(string path)
    {
        using var doc = ParseJson(path);
        if (!doc.RootElement.TryGetProperty("model", out var model)
            || !model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("merges", out var merges) || merges.ValueKind != JsonValueKind.Array)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "not a BPE tokenizer.json (model.vocab and model.merges missing)");
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in vocab.EnumerateObject())
        {
            if (!p.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, $"token \"{p.Name}\" has no valid id");
            }

            ids[p.Name] = id;
        }

        // Special tokens live in "added_tokens" in some exports.
        if (doc.RootElement.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in added.EnumerateArray())
            {
                if (t.TryGetProperty("content", out var content) && t.TryGetProperty("id", out var idEl) && idEl.TryGetInt32(out int id))
                {
                    ids.TryAdd(content.GetString() ?? string.Empty, id);
                }
            }
        }

        var pairs = new List<(string, string)>();
        int line = 0;
        foreach (var m in merges.EnumerateArray())
        {
            line++;
            if (m.ValueKind == JsonValueKind.String)
            {
                pairs.Add(ParseMerge(m.GetString() ?? string.Empty, path, line));
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2)
            {
                pairs.Add((m[0].GetString() ?? string.Empty, m[1].GetString() ?? string.Empty));
            }
            else
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, $"merge {line} is neither \"a b\" nor [a, b]");
            }
        }

        return new ClipVocabulary(ToArray(ids), ids, BuildMerges(pairs, ids, path), path);
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static Dictionary<long, (int, int)> BuildMerges(List<(string, string)> pairs, Dictionary<string, int> ids, string source)
    {
        var merges = new Dictionary<long, (int, int)>(pairs.Count);
        for (int rank = 0; rank < pairs.Count; rank++)
        {
            var (a, b) = pairs[rank];
            if (!ids.TryGetValue(a + b, out int merged))
            {
                throw new VidSearchException(ErrorKind.InvalidInput, source, $"merge {rank + 1} (\"{a} {b}\") produces a token missing from the vocabulary");
            }

            // A merge whose parts are not tokens can never apply; a repeated merge keeps its last rank, as in the reference.
            if (ids.TryGetValue(a, out int left) && ids.TryGetValue(b, out int right))
            {
                merges[Key(left, right)] = (rank, merged);
            }
        }

        return merges;
    }

    private static (string, string) ParseMerge(string line, string source, int lineNumber)
    {
        string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, source, $"line {lineNumber} is not a merge of two symbols: \"{Shorten(line)}\"");
        }

        return (parts[0], parts[1]);
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";

    private static string[] ReadLines(string path, bool gzip)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "file not found");
        }

        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(stream, new UTF8Encoding(false, true));
            return reader.ReadToEnd().Split('\n');
        }
        catch (Exception e) when (e is InvalidDataException or DecoderFallbackException or IOException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"cannot read the merges file ({e.Message})", e);
        }
    }

    private static JsonDocument ParseJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "file not found");
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"malformed JSON ({e.Message})", e);
        }
    }

    private static Dictionary<string, int> ReadVocabJson(string path)
    {
        using var doc = ParseJson(path);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "vocab.json must be an object of token -> id");
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, path, $"token \"{Shorten(p.Name)}\" has no valid id");
            }

            ids[p.Name] = id;
        }

        return ids;
    }

    private static string[] ToArray(Dictionary<string, int> ids)
    {
        int size = ids.Count == 0 ? 0 : ids.Values.Max() + 1;
        if (size > 10_000_000)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "vocabulary", $"token id {size - 1} is absurdly large");
        }

        var tokens = new string[size];
        foreach (var (token, id) in ids)
        {
            tokens[id] = token;
        }

        return tokens;
    }

    private static int Require(Dictionary<string, int> ids, string token, string source)
        => ids.TryGetValue(token, out int id)
            ? id
            : throw new VidSearchException(ErrorKind.InvalidInput, source, $"the vocabulary lacks the token \"{token}\" that CLIP's byte-level BPE needs");
}
