using System.Collections.Concurrent;
using VidSearch.Core;

namespace VidSearch.Models.Tokenization;

/// <summary>
/// CLIP's byte-level BPE tokenizer, id for id the same as OpenAI's SimpleTokenizer (and Hugging Face's
/// CLIPTokenizer): text cleaned (ftfy-like fixes, HTML unescaping, whitespace collapsed, lower-cased), split into
/// words, each word merged by rank, wrapped in &lt;|startoftext|&gt; (49406) and &lt;|endoftext|&gt; (49407).
/// Thread-safe; words already seen are served from a cache.
/// </summary>
public sealed class ClipTokenizer : ITokenizer
{
    /// <summary>CLIP's context length: start token, at most 75 text tokens, end token.</summary>
    public const int DefaultContextLength = 77;

    /// <summary>Words longer than this are not cached (they are rare, and would let one text fill the cache).</summary>
    private const int MaxCachedWordLength = 64;
    private const int MaxCacheEntries = 200_000;

    private readonly ClipVocabulary _vocabulary;
    private readonly BytePairEncoder _encoder;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private int _cacheEntries; // ConcurrentDictionary.Count takes every lock; this is an estimate that is cheap to read

    private ClipTokenizer(ClipVocabulary vocabulary, int contextLength)
    {
        _vocabulary = vocabulary;
        _encoder = new BytePairEncoder(vocabulary);
        ContextLength = ValidateContextLength(contextLength);
        _cache[ClipVocabulary.StartToken] = [vocabulary.StartId];
        _cache[ClipVocabulary.EndToken] = [vocabulary.EndId];
    }

    public int ContextLength { get; }

    public int StartTokenId => _vocabulary.StartId;

    public int EndTokenId => _vocabulary.EndId;

    /// <summary>Number of ids (the embedding table of the text encoder must have at least this many rows).</summary>
    public int VocabularySize => _vocabulary.Tokens.Length;

    /// <summary>Where the vocabulary was read from.</summary>
    public string Source => _vocabulary.Source;

    /// <summary>From OpenAI's bpe_simple_vocab_16e6.txt.gz.</summary>
    public static ClipTokenizer FromBpeFile(string gzPath, int contextLength = DefaultContextLength)
        => new(ClipVocabulary.FromBpeFile(gzPath), contextLength);

    /// <summary>From a Hugging Face vocab.json and merges.txt.</summary>
    public static ClipTokenizer FromHuggingFace(string vocabJsonPath, string mergesTxtPath, int contextLength = DefaultContextLength)
        => new(ClipVocabulary.FromHuggingFace(vocabJsonPath, mergesTxtPath), contextLength);

    /// <summary>From a Hugging Face tokenizer.json holding a BPE model.</summary>
    public static ClipTokenizer FromTokenizerJson(string tokenizerJsonPath, int contextLength = DefaultContextLength)
        => new(ClipVocabulary.FromTokenizerJson(tokenizerJsonPath), contextLength);

    /// <summary>
    /// From a model folder: vocab.json + merges.txt when present, else tokenizer.json, else a
    /// bpe_simple_vocab_16e6.txt.gz in the folder, else <paramref name="fallbackBpePath"/> (OpenAI's file, for
    /// checkpoints that ship no tokenizer files).
    /// </summary>
    public static ClipTokenizer FromModelFolder(string dir, string? fallbackBpePath = null, int contextLength = DefaultContextLength)
    {
        if (!Directory.Exists(dir))
        {
            throw new VidSearchException(ErrorKind.NotFound, dir, "model folder not found");
        }

        string vocab = Path.Combine(dir, "vocab.json");
        string merges = Path.Combine(dir, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges))
        {
            return FromHuggingFace(vocab, merges, contextLength);
        }

        string tokenizerJson = Path.Combine(dir, "tokenizer.json");
        if (File.Exists(tokenizerJson))
        {
            return FromTokenizerJson(tokenizerJson, contextLength);
        }

        string bpe = Path.Combine(dir, "bpe_simple_vocab_16e6.txt.gz");
        if (File.Exists(bpe))
        {
            return FromBpeFile(bpe, contextLength);
        }

        if (fallbackBpePath is not null)
        {
            return FromBpeFile(fallbackBpePath, contextLength);
        }

        throw new VidSearchException(ErrorKind.NotFound, dir,
            "no tokenizer files (vocab.json + merges.txt, tokenizer.json or bpe_simple_vocab_16e6.txt.gz) and no fallback vocabulary given");
    }

    /// <summary>Ids of a text with start and end tokens, without padding or truncation.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int> { _vocabulary.StartId };
        AppendWords(ClipTextCleaner.Clean(text), ids, int.MaxValue);
        ids.Add(_vocabulary.EndId);
        return ids.ToArray();
    }

    /// <summary>Ids of a text without start and end tokens (the reference's SimpleTokenizer.encode).</summary>
    public int[] EncodeWithoutSpecialTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        AppendWords(ClipTextCleaner.Clean(text), ids, int.MaxValue);
        return ids.ToArray();
    }

    /// <summary>
    /// Encodes a batch into rows of <paramref name="contextLength"/> (default <see cref="ContextLength"/>): start
    /// token, text tokens, end token, zeros. A text too long keeps its first tokens and ends with the end token
    /// (open_clip's and clip.tokenize(truncate=True)'s behaviour). The attention mask is 1 over start..end; the end
    /// position is the first end token of the row (where CLIP's argmax pooling reads the text feature).
    /// </summary>
    public TokenBatch EncodeBatch(IReadOnlyList<string> texts, int? contextLength = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        int length = contextLength is int n ? ValidateContextLength(n) : ContextLength;
        var ids = new long[texts.Count * length];
        var mask = new long[texts.Count * length];
        var ends = new int[texts.Count];
        var row = new List<int>(length + 8);
        for (int t = 0; t < texts.Count; t++)
        {
            string text = texts[t] ?? throw VidSearchException.Argument($"texts[{t}]", "text is null");
            row.Clear();
            row.Add(_vocabulary.StartId);
            AppendWords(ClipTextCleaner.Clean(text), row, length);
            if (row.Count >= length)
            {
                row.RemoveRange(length - 1, row.Count - (length - 1));
            }

            row.Add(_vocabulary.EndId);
            int offset = t * length;
            for (int k = 0; k < row.Count; k++)
            {
                ids[offset + k] = row[k];
                mask[offset + k] = 1;
            }

            ends[t] = row.IndexOf(_vocabulary.EndId, 1);
        }

        return new TokenBatch(ids, mask, ends, texts.Count, length);
    }

    /// <summary>The vocabulary strings of ids (byte-level characters, "&lt;/w&gt;" ending a word).</summary>
    public IReadOnlyList<string> TokensOf(int[] ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            tokens[i] = id >= 0 && id < _vocabulary.Tokens.Length && _vocabulary.Tokens[id] is { } token
                ? token
                : throw VidSearchException.Argument("ids", $"id {id} is not in the vocabulary (0..{_vocabulary.Tokens.Length - 1})");
        }

        return tokens;
    }

    /// <summary>Readable text of ids: bytes decoded as UTF-8, "&lt;/w&gt;" as a space, padding (0 after the end) dropped.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var bytes = new List<byte>();
        var sb = new System.Text.StringBuilder();
        foreach (int id in ids)
        {
            if (id == _vocabulary.EndId)
            {
                break;
            }

            if (id == _vocabulary.StartId)
            {
                continue;
            }

            string token = TokensOf([id])[0];
            bool endOfWord = token.EndsWith(ClipVocabulary.EndOfWord, StringComparison.Ordinal);
            foreach (char c in endOfWord ? token[..^ClipVocabulary.EndOfWord.Length] : token)
            {
                int b = ByteLevelAlphabet.ByteOf(c);
                if (b >= 0)
                {
                    bytes.Add((byte)b);
                }
            }

            if (endOfWord)
            {
                sb.Append(System.Text.Encoding.UTF8.GetString(bytes.ToArray())).Append(' ');
                bytes.Clear();
            }
        }

        sb.Append(System.Text.Encoding.UTF8.GetString(bytes.ToArray()));
        return sb.ToString().TrimEnd();
    }

    /// <summary>Appends the ids of the words of cleaned text, stopping once <paramref name="stopAt"/> ids are there.</summary>
    private void AppendWords(string cleaned, List<int> ids, int stopAt)
    {
        ClipPreTokenizer.Split(cleaned, (start, length) =>
        {
            ids.AddRange(EncodeWord(cleaned, start, length));
            return ids.Count < stopAt;
        });
    }

    private int[] EncodeWord(string text, int start, int length)
    {
        if (length > MaxCachedWordLength)
        {
            return _encoder.Encode(text.AsSpan(start, length));
        }

        var lookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(text.AsSpan(start, length), out var cached))
        {
            return cached;
        }

        int[] ids = _encoder.Encode(text.AsSpan(start, length));
        if (Volatile.Read(ref _cacheEntries) < MaxCacheEntries && _cache.TryAdd(text.Substring(start, length), ids))
        {
            Interlocked.Increment(ref _cacheEntries);
        }

        return ids;
    }

    private static int ValidateContextLength(int n) => n is >= 2 and <= 100_000
        ? n
        : throw VidSearchException.Argument("context length", $"{n} is out of range: it must hold the start and end tokens (2..100000)");
}
