using System.Globalization;
using System.Text;

namespace VidSearch.Models.Tokenization;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition), from tables embedded in the
/// assembly. Needed because the project runs in globalization-invariant mode, where string.Normalize does not
/// compose non-ASCII text.
/// </summary>
internal static class UnicodeNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Tables> Data = new(Load);

    public static string ToNfc(string s)
    {
        if (IsTriviallyNfc(s))
        {
            return s;
        }

        var tables = Data.Value;
        var buffer = new List<int>(s.Length + 8);
        foreach (Rune r in s.EnumerateRunes())
        {
            Decompose(r.Value, buffer, tables);
        }

        // Canonical ordering: a stable sort of each run of non-starters by combining class.
        for (int i = 1; i < buffer.Count; i++)
        {
            int cc = tables.Ccc(buffer[i]);
            if (cc == 0)
            {
                continue;
            }

            int j = i;
            while (j > 0 && tables.Ccc(buffer[j - 1]) > cc)
            {
                (buffer[j - 1], buffer[j]) = (buffer[j], buffer[j - 1]);
                j--;
            }
        }

        Compose(buffer, tables);
        var sb = new StringBuilder(buffer.Count);
        foreach (int c in buffer)
        {
            sb.Append(new Rune(c).ToString());
        }

        return sb.ToString();
    }

    /// <summary>ftfy's fix_character_width for one code point: full-width and half-width forms as their usual form.</summary>
    public static string? WidthReplacement(int c)
        => c == 0x3000 ? " " : c is >= 0xFF01 and <= 0xFFEF && Data.Value.Widths.TryGetValue(c, out var r) ? r : null;

    // Text below U+0300 holds no combining marks and no decomposable pair that could change.
    private static bool IsTriviallyNfc(string s)
    {
        foreach (char c in s)
        {
            if (c >= 0x300)
            {
                return false;
            }
        }

        return true;
    }

    private static void Decompose(int c, List<int> output, Tables tables)
    {
        int s = c - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0)
            {
                output.Add(TBase + s % TCount);
            }

            return;
        }

        if (tables.Decompositions.TryGetValue(c, out int[]? parts))
        {
            foreach (int p in parts)
            {
                Decompose(p, output, tables);
            }

            return;
        }

        output.Add(c);
    }

    private static void Compose(List<int> buffer, Tables tables)
    {
        if (buffer.Count == 0)
        {
            return;
        }

        int starterPos = 0;
        int starter = buffer[0];
        int lastClass = tables.Ccc(starter);
        if (lastClass != 0)
        {
            lastClass = 256; // text starting with a non-starter: nothing composes with it
        }

        int write = 1;
        for (int read = 1; read < buffer.Count; read++)
        {
            int ch = buffer[read];
            int chClass = tables.Ccc(ch);
            int composite = ComposePair(starter, ch, tables);
            if (composite >= 0 && (lastClass < chClass || lastClass == 0))
            {
                buffer[starterPos] = composite;
                starter = composite;
                continue;
            }

            if (chClass == 0)
            {
                starterPos = write;
                starter = ch;
            }

            lastClass = chClass;
            buffer[write++] = ch;
        }

        buffer.RemoveRange(write, buffer.Count - write);
    }

    private static int ComposePair(int a, int b, Tables tables)
    {
        int l = a - LBase;
        if (l is >= 0 and < LCount)
        {
            int v = b - VBase;
            return v is >= 0 and < VCount ? SBase + (l * VCount + v) * TCount : -1;
        }

        int s = a - SBase;
        if (s is >= 0 and < SCount && s % TCount == 0)
        {
            int t = b - TBase;
            return t is > 0 and < TCount ? a + t : -1;
        }

        return tables.Compositions.TryGetValue(((long)a << 21) | (uint)b, out int c) ? c : -1;
    }

    private sealed class Tables
    {
        public Dictionary<int, int[]> Decompositions { get; } = [];

        public Dictionary<long, int> Compositions { get; } = [];

        public Dictionary<int, byte> Classes { get; } = [];

        public Dictionary<int, string> Widths { get; } = [];

        public int Ccc(int c) => c < 0x300 ? 0 : Classes.TryGetValue(c, out byte k) ? k : 0;
    }

    private static Tables Load()
    {
        var tables = new Tables();
        using var stream = typeof(UnicodeNormalizer).Assembly.GetManifestResourceStream("VidSearch.Models.Tokenization.UnicodeCanonical.data")
            ?? throw new InvalidOperationException("embedded Unicode tables missing");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] f = line.Split(' ');
            if (f[0] == "D")
            {
                int code = Hex(f[1]);
                bool composes = f[2] == "C";
                int[] parts = f.Skip(composes ? 3 : 2).Select(Hex).ToArray();
                tables.Decompositions[code] = parts;
                if (composes)
                {
                    tables.Compositions[((long)parts[0] << 21) | (uint)parts[1]] = code;
                }
            }
            else if (f[0] == "W")
            {
                tables.Widths[Hex(f[1])] = string.Concat(f.Skip(2).Select(h => new Rune(Hex(h)).ToString()));
            }
            else if (f[0] == "K")
            {
                int from = Hex(f[1]), to = Hex(f[2]);
                byte k = byte.Parse(f[3], CultureInfo.InvariantCulture);
                for (int c = from; c <= to; c++)
                {
                    tables.Classes[c] = k;
                }
            }
        }

        return tables;
    }

    private static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
