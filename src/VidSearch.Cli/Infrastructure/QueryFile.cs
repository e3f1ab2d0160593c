using VidSearch.Core;

namespace VidSearch.Cli.Infrastructure;

/// <summary>A text file of queries given with `--queries FILE`: one per line, blank lines skipped.</summary>
public static class QueryFile
{
    /// <summary>The file's queries; refuses a missing file and one that holds none, naming it.</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "file not found");
        }

        var lines = File.ReadAllLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        return lines.Count > 0 ? lines : throw new VidSearchException(ErrorKind.InvalidInput, path, "holds no query (one per line)");
    }
}
