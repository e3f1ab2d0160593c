using VidSearch.Models.Tokenization;

namespace VidSearch.Models.Tests.Tokenization;

/// <summary>Expected values computed with Python 3.11's unicodedata.normalize("NFC", ...) (Unicode 14).</summary>
public class UnicodeNormalizerTests
{
    [Theory]
    [InlineData("e\u0301", "\u00E9")]                    // compose
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]          // Hangul L V T
    [InlineData("a\u0302\u0323", "\u1EAD")]               // reorder by class, then compose
    [InlineData("\u212B", "\u00C5")]                      // singleton decomposition
    [InlineData("q\u0307\u0323", "q\u0323\u0307")]        // reorder, nothing composes
    [InlineData("\u0344", "\u0308\u0301")]                // excluded from composition
    [InlineData("\u0301a", "\u0301a")]                    // leading non-starter
    [InlineData("\u1E9B\u0323", "\u1E9B\u0323")]
    [InlineData("\u0958", "\u0915\u093C")]                // composition exclusion
    [InlineData("plain ascii", "plain ascii")]
    public void Nfc_matches_python(string input, string expected)
    {
        Assert.Equal(expected, UnicodeNormalizer.ToNfc(input));
    }

    [Fact]
    public void Width_fix_turns_half_width_katakana_into_composed_full_width()
    {
        // ftfy: NFKC of each half-width character, then NFC composes KA + voiced mark into GA.
        Assert.Equal("\u30AC", ClipTextCleaner.FixText("\uFF76\uFF9E"));
        Assert.Equal("AZ az!", ClipTextCleaner.FixText("\uFF21\uFF3A\u3000\uFF41\uFF5A\uFF01"));
    }
}
