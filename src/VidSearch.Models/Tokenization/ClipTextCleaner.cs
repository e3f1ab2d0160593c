using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace VidSearch.Models.Tokenization;

/// <summary>
/// The text cleaning of OpenAI's CLIP tokenizer, before splitting: the parts of ftfy.fix_text that apply to
/// ordinary text (terminal escapes, C1 controls read as Windows-1252, line breaks, control characters, Latin
/// ligatures, full-width characters, curly quotes, lone surrogates, NFC), HTML unescaping, whitespace collapsed to
/// single spaces, trimmed, lower-cased as Python's str.lower does (full case mapping for U+0130, final sigma).
/// Not done: ftfy's mojibake repair (fix_encoding), which guesses at text decoded with the wrong codec.
/// </summary>
internal static partial class ClipTextCleaner
{
    public static string Clean(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        if (IsPlainAscii(text))
        {
            return CollapseAndLowerAscii(text);
        }

        string s = FixText(text);
        s = WebUtility.HtmlDecode(WebUtility.HtmlDecode(s));
        s = CollapseWhitespace(s);
        return Lower(s);
    }

    // Printable ASCII and ordinary whitespace, no entities: every ftfy fix and NFC leave it unchanged.
    private static bool IsPlainAscii(string text)
    {
        foreach (char c in text)
        {
            if (c >= 0x7F || c == '&' || (c < 0x20 && c is not ('\t' or '\n' or '\r' or '\f')))
            {
                return false;
            }
        }

        return true;
    }

    private static string CollapseAndLowerAscii(string s)
    {
        return string.Create(s.Length, s, static (span, source) =>
        {
            span.Fill(' ');
            int n = 0;
            bool pendingSpace = false;
            foreach (char c in source)
            {
                if (c is ' ' or '\t' or '\n' or '\r' or '\f')
                {
                    pendingSpace = n > 0;
                    continue;
                }

                if (pendingSpace)
                {
                    span[n++] = ' ';
                    pendingSpace = false;
                }

                span[n++] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
            }
        }).TrimEnd(' ');
    }

    /// <summary>ftfy.fix_text with its default configuration, without the mojibake heuristics.</summary>
    internal static string FixText(string text)
    {
        string s = text;
        // ftfy's unescape_html="auto": entities are decoded unless the text holds a literal '<'.
        if (s.IndexOf('&') >= 0 && s.IndexOf('<') < 0)
        {
            s = WebUtility.HtmlDecode(s);
        }

        if (s.IndexOf('\u001b') >= 0)
        {
            s = TerminalEscape().Replace(s, string.Empty);
        }

        var sb = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            // Lone surrogates become U+FFFD, as ftfy's fix_surrogates leaves no half pairs.
            if (Rune.DecodeFromUtf16(s.AsSpan(i), out Rune rune, out int used) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                used = Math.Max(used, 1);
            }

            i += used;
            int c = rune.Value;

            // fix_c1_controls: C1 controls are Windows-1252 bytes decoded as Latin-1.
            if (c is >= 0x80 and <= 0x9F)
            {
                c = Windows1252[c - 0x80];
            }

            // fix_line_breaks
            if (c == '\r')
            {
                if (i < s.Length && s[i] == '\n')
                {
                    i++;
                }

                sb.Append('\n');
                continue;
            }

            if (c is 0x2028 or 0x2029 or 0x85)
            {
                sb.Append('\n');
                continue;
            }

            if (IsRemovedControl(c))
            {
                continue;
            }

            if (Ligature(c) is { } expansion)
            {
                AppendUncurled(sb, expansion);
                continue;
            }

            // fix_character_width
            if (UnicodeNormalizer.WidthReplacement(c) is { } ordinary)
            {
                AppendUncurled(sb, ordinary);
                continue;
            }

            AppendUncurled(sb, new Rune(c));
        }

        return UnicodeNormalizer.ToNfc(sb.ToString());
    }

    /// <summary>Python's re.sub(r"\s+", " ", text).strip() over Unicode whitespace.</summary>
    internal static string CollapseWhitespace(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool pendingSpace = false;
        foreach (char c in s)
        {
            if (IsPythonSpace(c))
            {
                pendingSpace = sb.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>Python's str.lower(): simple lower-case mapping, plus U+0130 -> "i\u0307" and the final sigma rule.</summary>
    internal static string Lower(string s)
    {
        var sb = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            Rune.DecodeFromUtf16(s.AsSpan(i), out Rune rune, out int used);
            int start = i;
            i += used;
            if (rune.Value == 0x130)
            {
                sb.Append("i\u0307");
            }
            else if (rune.Value == 0x3A3)
            {
                sb.Append(IsFinalSigma(s, start, i) ? '\u03C2' : '\u03C3');
            }
            else
            {
                sb.Append(Rune.ToLowerInvariant(rune).ToString());
            }
        }

        return sb.ToString();
    }

    /// <summary>Whitespace as Python's str.isspace() defines it (what re's \s matches in a str pattern).</summary>
    internal static bool IsPythonSpace(int c) => c switch
    {
        >= 0x09 and <= 0x0D => true,
        >= 0x1C and <= 0x20 => true,
        0x85 or 0xA0 or 0x1680 or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        >= 0x2000 and <= 0x200A => true,
        _ => false,
    };

    // Unicode's Final_Sigma: preceded by a cased letter (skipping case-ignorable ones), not followed by one.
    private static bool IsFinalSigma(string s, int start, int end)
    {
        bool before = false;
        for (int j = start; j > 0;)
        {
            Rune.DecodeLastFromUtf16(s.AsSpan(0, j), out Rune r, out int n);
            j -= n;
            if (IsCaseIgnorable(r)) continue;
            before = IsCased(r);
            break;
        }

        if (!before)
        {
            return false;
        }

        for (int j = end; j < s.Length;)
        {
            Rune.DecodeFromUtf16(s.AsSpan(j), out Rune r, out int n);
            j += n;
            if (IsCaseIgnorable(r)) continue;
            return !IsCased(r);
        }

        return true;
    }

    private static bool IsCased(Rune r) => Rune.IsUpper(r) || Rune.IsLower(r) || Rune.GetUnicodeCategory(r) == System.Globalization.UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(Rune r)
    {
        var cat = Rune.GetUnicodeCategory(r);
        return r.Value is '\'' or '.' or ':' or 0xB7 or 0x2019
            || cat is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.EnclosingMark
                or System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.ModifierLetter
                or System.Globalization.UnicodeCategory.ModifierSymbol;
    }

    // ftfy's remove_control_chars (tab, line feed, form feed and carriage return are kept).
    private static bool IsRemovedControl(int c) => c switch
    {
        <= 0x08 => true,
        0x0B => true,
        >= 0x0E and <= 0x1F => true,
        0x7F => true,
        >= 0x206A and <= 0x206F => true,
        0xFEFF => true,
        >= 0xFFF9 and <= 0xFFFC => true,
        >= 0x1D173 and <= 0x1D17A => true,
        >= 0xE0000 and <= 0xE007F => true,
        _ => false,
    };

    // ftfy's fix_latin_ligatures.
    private static string? Ligature(int c) => c switch
    {
        0x132 => "IJ",
        0x133 => "ij",
        0x149 => "\u02BCn",
        0x1C4 => "D\u017D",
        0x1C5 => "D\u017E",
        0x1C6 => "d\u017E",
        0x1C7 => "LJ",
        0x1C8 => "Lj",
        0x1C9 => "lj",
        0x1CA => "NJ",
        0x1CB => "Nj",
        0x1CC => "nj",
        0x1F1 => "DZ",
        0x1F2 => "Dz",
        0x1F3 => "dz",
        0xFB00 => "ff",
        0xFB01 => "fi",
        0xFB02 => "fl",
        0xFB03 => "ffi",
        0xFB04 => "ffl",
        0xFB05 => "\u017Ft",
        0xFB06 => "st",
        _ => null,
    };

    private static void AppendUncurled(StringBuilder sb, string s)
    {
        foreach (Rune r in s.EnumerateRunes())
        {
            AppendUncurled(sb, r);
        }
    }

    // ftfy's uncurl_quotes: U+02BC and U+2018-U+201B become ', U+201C-U+201F become ".
    private static void AppendUncurled(StringBuilder sb, Rune r)
    {
        int c = r.Value;
        if (c == 0x2BC || c is >= 0x2018 and <= 0x201B)
        {
            sb.Append('\'');
        }
        else if (c is >= 0x201C and <= 0x201F)
        {
            sb.Append('"');
        }
        else
        {
            sb.Append(r.ToString());
        }
    }

    // Windows-1252 for bytes 0x80-0x9F; undefined bytes keep their Latin-1 value ("sloppy" decoding).
    private static readonly int[] Windows1252 =
    [
        0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160, 0x2039, 0x152, 0x8D, 0x17D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178,
    ];

    [GeneratedRegex(@"\u001b\[((?:\d|;)*)([a-zA-Z])")]
    private static partial Regex TerminalEscape();
}
