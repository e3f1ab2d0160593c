using VidSearch.Core;

namespace VidSearch.Eval.Datasets;

/// <summary>File helpers shared by the adapters: clear errors for absent inputs, and finding video files by id.</summary>
public static class DatasetFiles
{
    public static readonly string[] VideoExtensions = [".mp4", ".avi", ".mkv", ".webm", ".mov", ".mpg", ".mpeg", ".m4v", ".gif", ".flv", ".wmv", ".3gp"];

    public static string RequireDirectory(string directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw VidSearchException.Argument("--data", "no dataset folder given");
        }

        if (!Directory.Exists(directory))
        {
            throw new VidSearchException(ErrorKind.NotFound, directory, "dataset folder not found");
        }

        return Path.GetFullPath(directory);
    }

    /// <summary>The first of <paramref name="names"/> that exists in <paramref name="directory"/>, else null.</summary>
    public static string? Find(string directory, params string[] names)
        => names.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);

    public static string Require(string directory, string what, params string[] names)
        => Find(directory, names) ?? throw new VidSearchException(ErrorKind.NotFound, directory,
            $"{what} not found (looked for {string.Join(", ", names)})");

    public static string[] ReadLines(string file)
    {
        try
        {
            return File.ReadAllLines(file);
        }
        catch (IOException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "cannot be read: " + e.Message, e);
        }
    }

    /// <summary>
    /// Every video file under <paramref name="directory"/> (recursively) by file name without extension, so
    /// that adapters find "video9770" in DIR, DIR/videos or DIR/videos/all alike. First found wins.
    /// </summary>
    public static Dictionary<string, string> IndexVideos(string directory)
    {
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, MaxRecursionDepth = 4 };
        foreach (string file in Directory.EnumerateFiles(directory, "*", options).Order(StringComparer.Ordinal))
        {
            if (VideoExtensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
            {
                index.TryAdd(Path.GetFileNameWithoutExtension(file), file);
            }
        }

        return index;
    }

    /// <summary>A video entry whose path is the indexed file, or a placeholder path marked missing.</summary>
    public static VideoEntry Locate(Dictionary<string, string> index, string directory, string id, string split, string? fileStem = null)
    {
        string stem = fileStem ?? id;
        return index.TryGetValue(stem, out var path)
            ? new VideoEntry(id, path, split)
            : new VideoEntry(id, Path.Combine(directory, stem + ".mp4"), split) { Exists = false };
    }
}
