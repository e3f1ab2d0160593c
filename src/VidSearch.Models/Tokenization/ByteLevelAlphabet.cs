namespace VidSearch.Models.Tokenization;

/// <summary>
/// The reversible byte-to-character table of byte-level BPE (GPT-2/CLIP "bytes_to_unicode"): printable
/// Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards, so every byte is a visible character.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Byte value -> its character.</summary>
    public static readonly char[] CharOfByte = Build(out ByteOrder);

    /// <summary>The bytes in vocabulary order (printable ranges first, then the remapped ones).</summary>
    public static readonly byte[] ByteOrder;

    private static char[] Build(out byte[] order)
    {
        var chars = new char[256];
        var bytes = new List<byte>(256);
        var printable = new bool[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        for (int b = 0; b < 256; b++)
        {
            if (printable[b])
            {
                chars[b] = (char)b;
                bytes.Add((byte)b);
            }
        }

        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            if (!printable[b])
            {
                chars[b] = (char)(256 + next++);
                bytes.Add((byte)b);
            }
        }

        order = bytes.ToArray();
        return chars;
    }

    /// <summary>Byte of a character of the alphabet, or -1.</summary>
    public static int ByteOf(char c)
    {
        if (c < 256)
        {
            return CharOfByte[c] == c ? c : -1;
        }

        int index = c - 256;
        if (index >= 68)
        {
            return -1;
        }

        for (int b = 0; b < 256; b++)
        {
            if (CharOfByte[b] == c) return b;
        }

        return -1;
    }
}
