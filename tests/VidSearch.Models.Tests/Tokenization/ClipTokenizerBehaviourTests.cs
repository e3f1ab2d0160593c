using System.IO.Compression;
using System.Text;
using System.Text.Json;
using VidSearch.Core;
using VidSearch.Models.Tokenization;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Tokenization;

public class ClipTokenizerBehaviourTests
{
    private static readonly Lazy<ClipTokenizer> Shared = new(() => ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary));

    private static ClipTokenizer Tokenizer => Shared.Value;

    [Fact]
    public void Vocabulary_has_clip_size_and_special_ids()
    {
        Assert.Equal(49408, Tokenizer.VocabularySize);
        Assert.Equal(49406, Tokenizer.StartTokenId);
        Assert.Equal(49407, Tokenizer.EndTokenId);
        Assert.Equal(77, Tokenizer.ContextLength);
        Assert.Equal(["<|startoftext|>", "<|endoftext|>"], Tokenizer.TokensOf([49406, 49407]));
    }

    [Fact]
    public void Empty_and_blank_texts_are_start_and_end_only()
    {
        Assert.Equal([49406, 49407], Tokenizer.Encode(""));
        Assert.Equal([49406, 49407], Tokenizer.Encode(" \t\n\u3000 "));
        var batch = Tokenizer.EncodeBatch([""]);
        Assert.Equal(1, batch.EndPositions[0]);
        Assert.Equal(2, batch.AttentionMask.Sum());
    }

    [Theory]
    // Case, whitespace runs and surrounding space do not matter.
    [InlineData("A  Photo\tof\na CAT ", "a photo of a cat")]
    // HTML entities are decoded (twice, so "&amp;amp;" too).
    [InlineData("cats &amp; dogs", "cats & dogs")]
    [InlineData("cats &amp;amp; dogs", "cats & dogs")]
    [InlineData("&lt;b&gt;", "<b>")]
    // ftfy fixes: Latin ligatures, full-width forms, curly quotes, control characters.
    [InlineData("\uFB01sh", "fish")]
    [InlineData("\uFF21\uFF22\uFF23 \uFF11\uFF12", "abc 12")]
    [InlineData("\u2018it\u2019s\u2019 \u201Cok\u201D", "'it's' \"ok\"")]
    [InlineData("a\u0000b\u007Fc", "abc")]
    // NFC: a decomposed letter equals the composed one.
    [InlineData("caf\u0065\u0301", "caf\u00E9")]
    public void Cleaning_makes_equivalent_texts_encode_alike(string text, string equivalent)
    {
        Assert.Equal(Tokenizer.Encode(equivalent), Tokenizer.Encode(text));
    }

    [Fact]
    public void Lower_casing_follows_python_special_cases()
    {
        Assert.Equal("i\u0307stanbul", ClipTextCleaner.Lower("\u0130STANBUL"));
        Assert.Equal("\u03BF\u03B4\u03BF\u03C2 \u03C3\u03B1", ClipTextCleaner.Lower("\u039F\u0394\u039F\u03A3 \u03A3\u0391"));
    }

    [Fact]
    public void Split_follows_the_reference_pattern()
    {
        Assert.Equal(["it", "'s", "a", "cat", "'ll", "'d"], ClipPreTokenizer.Words("it's a cat'll'd"));
        // Digits one by one; punctuation runs greedy (so "?'" swallows the apostrophe before "d").
        Assert.Equal(["1", "1", "p", "2", "2", "3", "rf", "☆", "ho", "!!", "to", "?'", "d", "''", "d"], ClipPreTokenizer.Words("11p223rf☆ho!!to?'d''d"));
        // Letters outside the BMP are letters, emoji are symbols.
        Assert.Equal(["a\U0001D41Ab", "\U0001F600\U0001F680", "x"], ClipPreTokenizer.Words("a\U0001D41Ab \U0001F600\U0001F680x"));
    }

    [Fact]
    public void Special_token_text_is_recognised_only_where_the_reference_pattern_sees_it()
    {
        Assert.Equal([49406, 1883, 49407, 49407], Tokenizer.Encode("hi<|endoftext|>"));
        // After punctuation the run "!<|" is one word, so the special token is not recognised.
        int[] ids = Tokenizer.Encode("hi!<|endoftext|>");
        Assert.Equal(1, ids.Count(id => id == 49407));
    }

    [Fact]
    public void Batch_rows_are_padded_with_masks_and_end_positions()
    {
        var batch = Tokenizer.EncodeBatch(["a photo of a cat", "dog"]);

        Assert.Equal(2, batch.Count);
        Assert.Equal(77, batch.Length);
        Assert.Equal([6, 2], batch.EndPositions);
        Assert.Equal(7, batch.UsedLength);
        Assert.Equal([49406L, 1929, 49407, 0], batch.Row(1)[..4].ToArray());
        Assert.Equal(7 + 3, batch.AttentionMask.Sum());
        Assert.Equal(0, batch.AttentionMask[77 + 3]);
    }

    [Fact]
    public void Empty_batch_is_empty()
    {
        var batch = Tokenizer.EncodeBatch([]);
        Assert.Equal(0, batch.Count);
        Assert.Empty(batch.Ids);
        Assert.Equal(0, batch.UsedLength);
    }

    [Fact]
    public void Overly_long_text_is_cut_to_the_context_and_keeps_its_end_token()
    {
        string text = string.Join(" ", Enumerable.Repeat("the quick brown fox", 500));
        int[] full = Tokenizer.Encode(text);
        Assert.Equal(2002, full.Length);

        var batch = Tokenizer.EncodeBatch([text]);

        Assert.Equal(76, batch.EndPositions[0]);
        Assert.Equal(49407, batch.Row(0)[76]);
        Assert.Equal(full[..76].Select(x => (long)x), batch.Row(0)[..76].ToArray());
        Assert.All(batch.AttentionMask, m => Assert.Equal(1, m));
    }

    [Fact]
    public void Huge_inputs_finish_quickly()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        string words = string.Concat(Enumerable.Repeat("motorcycle riding person ", 40_000)); // 1 MB of words
        string oneWord = new string('x', 50_000) + "yz";                                             // one 50k-letter word

        var batch = Tokenizer.EncodeBatch([words, oneWord]);
        int[] all = Tokenizer.EncodeWithoutSpecialTokens(oneWord);

        Assert.Equal(76, batch.EndPositions[0]);
        Assert.Equal(76, batch.EndPositions[1]);
        Assert.True(all.Length > 1000);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Context_length_can_be_chosen_within_range()
    {
        Assert.Equal(32, Tokenizer.EncodeBatch(["a"], 32).Length);
        Assert.Equal([49406L, 49407], Tokenizer.EncodeBatch(["a long text"], 2).Ids);
        var e = Assert.Throws<VidSearchException>(() => Tokenizer.EncodeBatch(["a"], 1));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Throws<VidSearchException>(() => ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary, 0));
    }

    [Fact]
    public void Tokens_of_unknown_ids_is_an_error()
    {
        var e = Assert.Throws<VidSearchException>(() => Tokenizer.TokensOf([320, 49408]));
        Assert.Contains("49408", e.Message);
        Assert.Throws<VidSearchException>(() => Tokenizer.TokensOf([-1]));
    }

    [Fact]
    public void Decode_reads_ids_back_as_text()
    {
        Assert.Equal("a photo of a cat .", Tokenizer.Decode(Tokenizer.Encode("A photo of a cat.")));
        Assert.Equal("naïve 生活 \U0001F60A", Tokenizer.Decode(Tokenizer.Encode("naïve 生活 \U0001F60A")));
    }

    [Fact]
    public void Hugging_face_files_give_the_same_ids_as_the_openai_file()
    {
        using var dir = new TempDirectory();
        WriteHuggingFaceFiles(dir.Path);
        var hf = ClipTokenizer.FromHuggingFace(dir.File("vocab.json"), dir.File("merges.txt"));
        var fromFolder = ClipTokenizer.FromModelFolder(dir.Path);
        string[] texts = ["a photo of a cat", "it's 4K: a cat's 2 eyes, glowing!!", "naïve café 生活的真谛是 \U0001F60A", "donaudampfschifffahrtsgesellschaftskapitänsmütze"];

        foreach (string text in texts)
        {
            Assert.Equal(Tokenizer.Encode(text), hf.Encode(text));
            Assert.Equal(Tokenizer.Encode(text), fromFolder.Encode(text));
        }
    }

    [Fact]
    public void Tokenizer_json_gives_the_same_ids_as_the_openai_file()
    {
        using var dir = new TempDirectory();
        var (vocab, merges) = ReadOpenAiTables();
        var json = new
        {
            added_tokens = new[] { new { id = 49406, content = "<|startoftext|>" }, new { id = 49407, content = "<|endoftext|>" } },
            model = new { type = "BPE", vocab, merges = merges.Select(m => new[] { m.Item1, m.Item2 }).ToArray() },
        };
        File.WriteAllText(dir.File("tokenizer.json"), JsonSerializer.Serialize(json));

        var tokenizer = ClipTokenizer.FromModelFolder(dir.Path);

        Assert.Equal(Tokenizer.Encode("a Photo of a dog, isn't it?"), tokenizer.Encode("a Photo of a dog, isn't it?"));
    }

    [Fact]
    public void Model_folder_without_tokenizer_files_uses_the_fallback_or_fails_clearly()
    {
        using var dir = new TempDirectory();
        Assert.Equal(Tokenizer.Encode("cat"), ClipTokenizer.FromModelFolder(dir.Path, SharedData.ClipVocabulary).Encode("cat"));
        var e = Assert.Throws<VidSearchException>(() => ClipTokenizer.FromModelFolder(dir.Path));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
        Assert.Contains("vocab.json", e.Message);
        Assert.Throws<VidSearchException>(() => ClipTokenizer.FromModelFolder(dir.File("missing")));
    }

    [Fact]
    public void Bad_vocabulary_files_give_clear_errors()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ClipTokenizer.FromBpeFile(dir.File("none.gz"))).Kind);

        File.WriteAllText(dir.File("plain.gz"), "not gzip at all");
        var notGzip = Assert.Throws<VidSearchException>(() => ClipTokenizer.FromBpeFile(dir.File("plain.gz")));
        Assert.Equal(ErrorKind.InvalidInput, notGzip.Kind);

        WriteGzip(dir.File("bad.gz"), "#version\nt h\nthis line has four parts\n");
        Assert.Contains("line 3", Assert.Throws<VidSearchException>(() => ClipTokenizer.FromBpeFile(dir.File("bad.gz"))).Message);

        File.WriteAllText(dir.File("vocab.json"), "{ \"a\": ");
        File.WriteAllText(dir.File("merges.txt"), "#version: 0.2\na b\n");
        Assert.Contains("malformed JSON", Assert.Throws<VidSearchException>(() => ClipTokenizer.FromHuggingFace(dir.File("vocab.json"), dir.File("merges.txt"))).Message);

        File.WriteAllText(dir.File("vocab.json"), "{ \"a\": 0, \"b\": 1 }");
        var missing = Assert.Throws<VidSearchException>(() => ClipTokenizer.FromHuggingFace(dir.File("vocab.json"), dir.File("merges.txt")));
        Assert.Equal(ErrorKind.InvalidInput, missing.Kind);
    }

    internal static (Dictionary<string, int> Vocab, List<(string, string)> Merges) ReadOpenAiTables()
    {
        var tokenizer = Tokenizer;
        var vocab = new Dictionary<string, int>();
        var tokens = tokenizer.TokensOf(Enumerable.Range(0, tokenizer.VocabularySize).ToArray());
        for (int i = 0; i < tokens.Count; i++)
        {
            vocab[tokens[i]] = i;
        }

        using var gz = new GZipStream(File.OpenRead(SharedData.ClipVocabulary), CompressionMode.Decompress);
        string[] lines = new StreamReader(gz, Encoding.UTF8).ReadToEnd().Split('\n');
        var merges = lines.Skip(1).Take(48894).Select(l => l.Split(' ')).Select(p => (p[0], p[1])).ToList();
        return (vocab, merges);
    }

    private static void WriteHuggingFaceFiles(string dir)
    {
        var (vocab, merges) = ReadOpenAiTables();
        File.WriteAllText(Path.Combine(dir, "vocab.json"), JsonSerializer.Serialize(vocab));
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n" + string.Join("\n", merges.Select(m => m.Item1 + " " + m.Item2)) + "\n");
    }

    private static void WriteGzip(string path, string text)
    {
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(Encoding.UTF8.GetBytes(text));
    }
}
