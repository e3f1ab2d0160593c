using System.Text;
using CsCheck;
using VidSearch.Models.Tokenization;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Tokenization;

public class ClipTokenizerPropertyTests
{
    private static readonly Lazy<ClipTokenizer> Shared = new(() => ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary));

    private static readonly Lazy<NaiveBpe> Naive = new(() => new NaiveBpe());

    // Any UTF-16 content: lone surrogates, controls, astral code points, mixed with ordinary words.
    private static readonly Gen<string> AnyText = Gen.OneOf(
        Gen.String[Gen.Char, 0, 120],
        Gen.Int[0, 0x10FFFF].Where(c => c is < 0xD800 or > 0xDFFF).Select(c => char.ConvertFromUtf32(c)).Array[0, 60].Select(string.Concat),
        Gen.OneOfConst("a", "photo", "of", " ", "  ", "'s", "'ll", "!", "<|endoftext|>", "<|startoftext|>", "&amp;", "\u00E9", "\U0001F600", "42", "\t", "\uFB01").Array[0, 200].Select(string.Concat));

    [Fact]
    public void Batches_never_throw_and_always_hold_start_and_end_within_the_context()
    {
        var tokenizer = Shared.Value;
        AnyText.Array[1, 4].Sample(texts =>
        {
            var batch = tokenizer.EncodeBatch(texts);
            for (int r = 0; r < batch.Count; r++)
            {
                var row = batch.Row(r);
                int end = batch.EndPositions[r];
                Assert.Equal(49406, row[0]);
                Assert.InRange(end, 1, 76);
                Assert.Equal(49407, row[end]);
                int used = 0;
                for (int k = 0; k < 77; k++)
                {
                    Assert.InRange(row[k], 0, 49407);
                    used += (int)batch.AttentionMask[r * 77 + k];
                }

                // The mask is a prefix of ones ending on an end token; only padding (0) follows it.
                Assert.Equal(49407, row[used - 1]);
                for (int k = 0; k < 77; k++)
                {
                    Assert.Equal(k < used ? 1 : 0, batch.AttentionMask[r * 77 + k]);
                    Assert.True(k < used || row[k] == 0);
                }
            }
        }, iter: 300);
    }

    [Fact]
    public void Encode_wraps_in_start_and_end_and_agrees_with_the_batch_row()
    {
        var tokenizer = Shared.Value;
        AnyText.Sample(text =>
        {
            int[] ids = tokenizer.Encode(text);
            Assert.Equal(49406, ids[0]);
            Assert.Equal(49407, ids[^1]);
            var row = tokenizer.EncodeBatch([text], 400).Row(0);
            if (ids.Length <= 400)
            {
                Assert.Equal(ids.Select(x => (long)x), row[..ids.Length].ToArray());
            }
        }, iter: 300);
    }

    [Fact]
    public void Merging_matches_a_direct_transcription_of_the_reference_loop()
    {
        var tokenizer = Shared.Value;
        var naive = Naive.Value;
        Gen<string> words = Gen.OneOf(
            Gen.String[Gen.Char['a', 'z'], 1, 40],
            Gen.String[Gen.Char['\u00E0', '\u00FF'], 1, 12],
            Gen.String[Gen.Char['\u4E00', '\u4E40'], 1, 8],
            Gen.OneOfConst("the", "ing", "tion", "ss", "ll", "ee", "oo", "aaa", "zz").Array[1, 10].Select(string.Concat));
        words.Array[1, 6].Select(w => string.Join(" ", w)).Sample(text =>
        {
            string cleaned = ClipTextCleaner.Clean(text);
            var expected = ClipPreTokenizer.Words(cleaned).SelectMany(naive.Encode).ToArray();
            Assert.Equal(expected, tokenizer.EncodeWithoutSpecialTokens(text));
        }, iter: 400);
    }

    [Fact]
    public void Concurrent_encoding_gives_the_same_ids_as_sequential_encoding()
    {
        var tokenizer = ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary); // a fresh cache, filled concurrently
        var texts = AnyText.Array[200].Single();
        var expected = texts.Select(t => Shared.Value.Encode(t)).ToArray();

        var actual = new int[texts.Length][];
        Parallel.For(0, texts.Length * 4, i => actual[i % texts.Length] = tokenizer.Encode(texts[i % texts.Length]));

        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    /// <summary>OpenAI's SimpleTokenizer.bpe, transcribed literally on strings (no heap, no ids), for comparison.</summary>
    private sealed class NaiveBpe
    {
        private readonly Dictionary<(string, string), int> _ranks = [];
        private readonly Dictionary<string, int> _ids;

        public NaiveBpe()
        {
            var (vocab, merges) = ClipTokenizerBehaviourTests.ReadOpenAiTables();
            _ids = vocab;
            for (int i = 0; i < merges.Count; i++)
            {
                _ranks[merges[i]] = i;
            }
        }

        public IEnumerable<int> Encode(string token)
        {
            string mapped = string.Concat(Encoding.UTF8.GetBytes(token).Select(b => ByteChar(b)));
            var word = mapped[..^1].Select(c => c.ToString()).Append(mapped[^1] + "</w>").ToList();
            while (word.Count > 1)
            {
                var pairs = word.Zip(word.Skip(1)).ToList();
                var best = pairs.MinBy(p => _ranks.TryGetValue(p, out int r) ? r : int.MaxValue);
                if (!_ranks.ContainsKey(best))
                {
                    break;
                }

                var merged = new List<string>();
                int i = 0;
                while (i < word.Count)
                {
                    if (i < word.Count - 1 && word[i] == best.First && word[i + 1] == best.Second)
                    {
                        merged.Add(best.First + best.Second);
                        i += 2;
                    }
                    else
                    {
                        merged.Add(word[i]);
                        i++;
                    }
                }

                word = merged;
            }

            return word.Select(w => _ids[w]);
        }

        private static char ByteChar(byte b)
        {
            bool printable = b is >= (byte)'!' and <= (byte)'~' or >= 0xA1 and <= 0xAC or >= 0xAE;
            if (printable)
            {
                return (char)b;
            }

            int n = 0;
            for (int k = 0; k < b; k++)
            {
                bool p = k is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE;
                if (!p) n++;
            }

            return (char)(256 + n);
        }
    }
}
