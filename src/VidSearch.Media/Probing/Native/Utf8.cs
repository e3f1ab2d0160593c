using System.Runtime.InteropServices;

namespace VidSearch.Media.Probing.Native;

/// <summary>Strings to and from the C side: UTF-8, terminated by a zero byte.</summary>
internal static unsafe class Utf8
{
    public static byte[] NullTerminated(string text)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(text) + 1];
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    /// <summary>The string at <paramref name="text"/>; null for a null pointer. Invalid UTF-8 becomes U+FFFD.</summary>
    public static string? Read(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((nint)text);
}
