using System.Globalization;
using System.Text;

namespace VidSearch.Models.Tokenization;

/// <summary>
/// Splits cleaned, lower-cased text into words exactly as OpenAI CLIP's pattern
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// does with Python's regex module: at each position the first alternative that matches wins, runs are greedy,
/// and letters and numbers are judged per code point (so letters outside the BMP are letters).
/// </summary>
internal static class ClipPreTokenizer
{
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    /// <summary>Calls <paramref name="onWord"/> with (start, length) of each word, in order; stops when it returns false.</summary>
    public static void Split(string text, Func<int, int, bool> onWord)
    {
        int i = 0;
        while (i < text.Length)
        {
            var kind = KindAt(text, i, out int width);
            if (kind == CharKind.Space)
            {
                i += width;
                continue;
            }

            int start = i;
            int length;
            if (text[i] == '<' && MatchesAt(text, i, ClipVocabulary.StartToken))
            {
                length = ClipVocabulary.StartToken.Length;
            }
            else if (text[i] == '<' && MatchesAt(text, i, ClipVocabulary.EndToken))
            {
                length = ClipVocabulary.EndToken.Length;
            }
            else if (text[i] == '\'' && ContractionAt(text, i) is int c and > 0)
            {
                length = c;
            }
            else if (kind == CharKind.Letter)
            {
                int j = i + width;
                while (j < text.Length && KindAt(text, j, out int w) == CharKind.Letter)
                {
                    j += w;
                }

                length = j - i;
            }
            else if (kind == CharKind.Number)
            {
                length = width;
            }
            else
            {
                int j = i + width;
                while (j < text.Length && KindAt(text, j, out int w) == CharKind.Other)
                {
                    j += w;
                }

                length = j - i;
            }

            if (!onWord(start, length))
            {
                return;
            }

            i = start + length;
        }
    }

    /// <summary>The words of a text, for tests and tools.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        Split(text, (s, n) =>
        {
            words.Add(text.Substring(s, n));
            return true;
        });
        return words;
    }

    private enum CharKind
    {
        Space,
        Letter,
        Number,
        Other,
    }

    private static CharKind KindAt(string text, int i, out int width)
    {
        if (Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out width) != System.Buffers.OperationStatus.Done)
        {
            width = Math.Max(width, 1);
            return CharKind.Other; // a lone surrogate (never left by the cleaner)
        }

        int c = rune.Value;
        if (c < 0x80)
        {
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z') return CharKind.Letter;
            if (c is >= '0' and <= '9') return CharKind.Number;
            if (c is ' ' or >= 0x09 and <= 0x0D) return CharKind.Space;
            return CharKind.Other;
        }

        if (IsUnicodeWhiteSpace(c))
        {
            return CharKind.Space;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharKind.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharKind.Number,
            _ => CharKind.Other,
        };
    }

    // The regex module's \s: the Unicode White_Space property.
    private static bool IsUnicodeWhiteSpace(int c) => c is 0x85 or 0xA0 or 0x1680 or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000
        or >= 0x2000 and <= 0x200A;

    private static bool MatchesAt(string text, int i, string token) => string.CompareOrdinal(text, i, token, 0, token.Length) == 0 && i + token.Length <= text.Length;

    private static int ContractionAt(string text, int i)
    {
        foreach (string c in Contractions)
        {
            if (MatchesAt(text, i, c))
            {
                return c.Length;
            }
        }

        return 0;
    }
}
