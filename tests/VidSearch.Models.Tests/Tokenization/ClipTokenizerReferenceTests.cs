using VidSearch.Models.Tokenization;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Tokenization;

/// <summary>
/// Token ids published by others who ran the reference tokenizers (OpenAI's SimpleTokenizer, Hugging Face's
/// CLIPTokenizer for openai/clip-vit-base-patch32, torchtext's CLIPTokenizer). Each case names its source.
/// </summary>
public class ClipTokenizerReferenceTests
{
    private static readonly Lazy<ClipTokenizer> Shared = new(() => ClipTokenizer.FromBpeFile(SharedData.ClipVocabulary));

    private static ClipTokenizer Tokenizer => Shared.Value;

    // Source: huggingface/transformers, tests/models/clip/test_tokenization_clip.py (the version with
    // integration_expected_token_ids, tokenizer "openai/clip-vit-base-patch32"); the input is the common
    // integration string of tests/test_tokenization_common.py, quoted there as integration_expected_decoded_text
    // of the byte-level tokenizers. Covers an emoji, digits, accents, Chinese, Thai with a combining vowel,
    // repeated spaces and blank lines, "<s>" punctuation.
    [Fact]
    public void Transformers_integration_string_matches()
    {
        const string text = "This is a test \U0001F60A\nI was born in 92000, and this is falsé.\n生活的真谛是\nHi  Hello\nHi   Hello\n\n \n  \n Hello\n<s>\nhi<s>there\nThe following string should be properly encoded: Hello.\nBut ird and ปี   ird   ด\nHey how are you doing";
        int[] expected = [589, 533, 320, 1628, 3020, 328, 739, 2683, 530, 280, 273, 271, 271, 271, 267, 537, 589, 533, 2778, 82, 4166, 269, 33375, 162, 112, 119, 163, 248, 226, 41570, 164, 108, 249, 42891, 363, 1883, 3306, 1883, 3306, 3306, 283, 338, 285, 1883, 283, 338, 285, 997, 518, 3473, 9696, 1535, 655, 12560, 524, 33703, 281, 3306, 269, 767, 2770, 537, 1777, 505, 20278, 2770, 38825, 2189, 829, 631, 592, 1960];
        string[] expectedTokens = ["this</w>", "is</w>", "a</w>", "test</w>", "ðŁĺĬ</w>", "i</w>", "was</w>", "born</w>", "in</w>", "9</w>", "2</w>", "0</w>", "0</w>", "0</w>", ",</w>", "and</w>", "this</w>", "is</w>", "fal", "s", "Ã©</w>", ".</w>", "çĶŁ", "æ", "´", "»", "ç", "ļ", "Ħ", "çľŁ", "è", "°", "Ľ", "æĺ", "¯</w>", "hi</w>", "hello</w>", "hi</w>", "hello</w>", "hello</w>", "<</w>", "s</w>", "></w>", "hi</w>", "<</w>", "s</w>", "></w>", "there</w>", "the</w>", "following</w>", "string</w>", "should</w>", "be</w>", "properly</w>", "en", "coded</w>", ":</w>", "hello</w>", ".</w>", "but</w>", "ird</w>", "and</w>", "à¸", "Ľ</w>", "à¸µ</w>", "ird</w>", "à¸Ķ</w>", "hey</w>", "how</w>", "are</w>", "you</w>", "doing</w>"];

        int[] ids = Tokenizer.EncodeWithoutSpecialTokens(text);

        Assert.Equal(expected, ids);
        Assert.Equal(expectedTokens, Tokenizer.TokensOf(ids));
    }

    // Source: pytorch/captum, tests/optim/test_transforms.py (optim-wip branch), test_clip_tokenizer_str_input and
    // test_clip_tokenizer_list_str_input (torchtext's CLIPTokenizer with the OpenAI merges).
    [Theory]
    [InlineData("this is a test!", new[] { 49406, 589, 533, 320, 1628, 256, 49407 })]
    [InlineData("This is a test!", new[] { 49406, 589, 533, 320, 1628, 256, 49407 })]
    [InlineData("a picture of a cat.", new[] { 49406, 320, 1674, 539, 320, 2368, 269, 49407 })]
    // Source: elixir-nx/bumblebee, test/bumblebee/text/clip_tokenizer_test.exs ("openai/clip-vit-base-patch32").
    [InlineData("a photo of a cat", new[] { 49406, 320, 1125, 539, 320, 2368, 49407 })]
    [InlineData("a photo of a dog", new[] { 49406, 320, 1125, 539, 320, 1929, 49407 })]
    // Source: docs.rs crate instant-clip-tokenizer 0.1.0, crate documentation example (lib.rs doc comment).
    [InlineData("Hi there", new[] { 49406, 1883, 997, 49407 })]
    public void Published_sentences_match(string text, int[] expected)
    {
        Assert.Equal(expected, Tokenizer.Encode(text));
    }

    // Source: instant-labs/instant-clip-tokenizer, instant-clip-tokenizer/src/lib.rs, mod tests (a tokenizer
    // validated against OpenAI's original.py): punctuation runs, contractions, non-ASCII letters, a long word.
    [Theory]
    [InlineData("hello world!!!", new[] { 3306, 1002, 995 })]
    [InlineData("i've seen it", new[] { 328, 1200, 2041, 585 })]
    [InlineData("Hello Båstad", new[] { 3306, 65, 23176, 16485 })]
    [InlineData("A person riding a motorcycle", new[] { 320, 2533, 6765, 320, 10297 })]
    [InlineData("donaudampfschifffahrtsgesellschaftskapitänsmütze", new[] { 1067, 627, 1880, 16680, 13731, 1021, 778, 4810, 2290, 619, 10279, 45588, 83, 909, 688, 529, 42787, 978, 6522, 83, 1298 })]
    public void Published_words_match(string text, int[] expected)
    {
        Assert.Equal(expected, Tokenizer.EncodeWithoutSpecialTokens(text));
    }

    // Source: instant-labs/instant-clip-tokenizer, instant-clip-tokenizer/src/lib.rs, test tokenize_batch
    // (context length 6: "I'm fine, thanks!" is cut and keeps its end token).
    [Fact]
    public void Published_batch_with_truncation_matches()
    {
        var batch = Tokenizer.EncodeBatch(["Hi", "How are you?", "I'm fine, thanks!"], 6);

        long[] expected =
        [
            49406, 1883, 49407, 0, 0, 0,
            49406, 829, 631, 592, 286, 49407,
            49406, 328, 880, 3797, 267, 49407,
        ];
        Assert.Equal(expected, batch.Ids);
        Assert.Equal([2, 5, 5], batch.EndPositions);
        Assert.Equal([1L, 1, 1, 0, 0, 0], batch.AttentionMask[..6]);
    }

    // Source: pytorch/captum, tests/optim/test_transforms.py, test_clip_tokenizer_truncate (context length 5).
    [Fact]
    public void Published_truncation_matches()
    {
        var batch = Tokenizer.EncodeBatch(["this is a test!"], 5);

        Assert.Equal([49406L, 589, 533, 320, 49407], batch.Ids);
        Assert.Equal(4, batch.EndPositions[0]);
    }

    // Source: pytorch/captum, tests/optim/test_transforms.py, test_clip_tokenizer_unicode_encode: every byte-level
    // character (U+0021..U+007E, U+00A1..U+00AC, U+00AE..U+00FF, U+0100..U+0143) joined by spaces, context 376.
    // Exercises lower-casing (U+0130 -> "i" + U+0307) and ftfy's Latin ligature fix (U+0132/U+0133 -> "ij").
    [Fact]
    public void Published_byte_alphabet_encoding_matches()
    {
        var codes = Enumerable.Range(33, 94).Concat(Enumerable.Range(161, 12)).Concat(Enumerable.Range(174, 82)).Concat(Enumerable.Range(256, 68));
        string text = string.Join(" ", codes.Select(c => ((char)c).ToString()));
        int[] expected =
        [
            256, 257, 258, 259, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270,
            271, 272, 273, 274, 275, 276, 277, 278, 279, 280, 281, 282, 283, 284, 285,
            286, 287, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332,
            333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 314, 315,
            316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330,
            331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345,
            346, 347, 348, 349, 10830, 41359, 1950, 126, 353, 20199, 126, 355, 126,
            356, 126, 357, 5811, 126, 359, 14434, 126, 361, 8436, 43593, 6858, 126,
            365, 41175, 126, 367, 12559, 126, 369, 126, 370, 14844, 126, 372, 126,
            373, 28059, 7599, 126, 376, 33613, 126, 378, 17133, 21259, 22229, 127,
            351, 127, 352, 47276, 127, 354, 127, 355, 127, 356, 37761, 4166, 127, 359,
            40520, 127, 361, 23928, 127, 362, 127, 363, 127, 364, 127, 365, 127, 366,
            27733, 127, 368, 127, 369, 37423, 16165, 45598, 127, 373, 36019, 127, 375,
            47177, 127, 377, 127, 378, 127, 509, 21259, 22229, 127, 351, 127, 352,
            47276, 127, 354, 127, 355, 127, 356, 37761, 4166, 127, 359, 40520, 127,
            361, 23928, 127, 362, 127, 363, 127, 364, 127, 365, 127, 366, 27733, 127,
            368, 127, 369, 37423, 127, 371, 45598, 127, 373, 36019, 127, 375, 47177,
            127, 377, 127, 378, 127, 379, 128, 479, 128, 479, 128, 481, 128, 481, 128,
            483, 128, 483, 31719, 31719, 128, 487, 128, 487, 128, 489, 128, 489, 128,
            491, 128, 491, 128, 493, 128, 493, 128, 495, 128, 495, 128, 497, 128, 497,
            128, 499, 128, 499, 128, 501, 128, 501, 128, 503, 128, 503, 128, 505, 128,
            505, 128, 507, 128, 507, 128, 509, 128, 509, 128, 350, 128, 350, 128, 352,
            128, 352, 128, 354, 128, 354, 128, 356, 128, 356, 128, 358, 128, 358, 128,
            360, 128, 360, 128, 511, 128, 511, 128, 363, 128, 363, 328, 16384, 41901,
            72, 329, 72, 329, 128, 369, 128, 369, 128, 371, 128, 371, 128, 372, 128,
            374, 128, 374, 128, 376, 128, 376, 128, 378, 128, 378, 129, 478, 129, 478,
            129, 480, 129, 480, 129, 482,
        ];

        var batch = Tokenizer.EncodeBatch([text], 376);
        int end = batch.EndPositions[0];

        Assert.Equal(expected, batch.Row(0)[1..end].ToArray().Select(x => (int)x).ToArray());
    }
}
