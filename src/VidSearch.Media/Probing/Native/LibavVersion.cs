namespace VidSearch.Media.Probing.Native;

/// <summary>A library version as FFmpeg packs it in one integer (AV_VERSION_INT: major &lt;&lt; 16 | minor &lt;&lt; 8 | micro).</summary>
internal readonly record struct LibavVersion(int Major, int Minor, int Micro)
{
    public static LibavVersion FromPacked(uint packed) => new((int)(packed >> 16), (int)((packed >> 8) & 0xFF), (int)(packed & 0xFF));

    public override string ToString() => $"{Major}.{Minor}.{Micro}";
}

/// <summary>
/// Which libavformat / libavcodec / libavutil the in-process probe may use: the struct layouts it reads
/// (<see cref="LibavAbi"/>) are those of FFmpeg 5.x, which keeps them stable across minor versions of one major
/// version (new fields are only appended). Any other major version is refused, and probing falls back to ffprobe.
/// </summary>
internal static class LibavVersionGate
{
    public const int AvformatMajor = 59;
    public const int AvcodecMajor = 59;
    public const int AvutilMajor = 57;

    /// <summary>Why these versions cannot be used, or null when they can.</summary>
    public static string? Refusal(LibavVersion avformat, LibavVersion avcodec, LibavVersion avutil)
    {
        var wrong = new List<string>();
        if (avformat.Major != AvformatMajor)
        {
            wrong.Add($"libavformat {avformat} (needs {AvformatMajor}.x)");
        }

        if (avcodec.Major != AvcodecMajor)
        {
            wrong.Add($"libavcodec {avcodec} (needs {AvcodecMajor}.x)");
        }

        if (avutil.Major != AvutilMajor)
        {
            wrong.Add($"libavutil {avutil} (needs {AvutilMajor}.x)");
        }

        return wrong.Count == 0 ? null : "unsupported FFmpeg libraries: " + string.Join(", ", wrong) + "; the in-process probe reads FFmpeg 5.x structures";
    }
}
