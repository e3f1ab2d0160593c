namespace VidSearch.Index.Search;

/// <summary>
/// The file discipline of the cached approximate indexes (.ivf, .hnsw, .codes): a magic number and a format version first,
/// written to a temporary file flushed to disk and then moved over the old one (a crash leaves the old file or the
/// new one, never half of one); read back as null when missing, of another kind or version, truncated or unreadable,
/// so the caller rebuilds.
/// </summary>
internal static class IndexFile
{
    public static void WriteAtomically(string path, long magic, int formatVersion, Action<BinaryWriter> writeBody)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(magic);
            writer.Write(formatVersion);
            writeBody(writer);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <param name="readBody">Reads what follows the header; returns null when the content does not fit.</param>
    public static T? TryRead<T>(string path, long magic, int formatVersion, Func<FileStream, BinaryReader, T?> readBody)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using var reader = new BinaryReader(stream);
            if (stream.Length < sizeof(long) + sizeof(int) || reader.ReadInt64() != magic || reader.ReadInt32() != formatVersion)
            {
                return null;
            }

            return readBody(stream, reader);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException)
        {
            return null;
        }
    }
}
