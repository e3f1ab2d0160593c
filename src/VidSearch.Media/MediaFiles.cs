using VidSearch.Core;

namespace VidSearch.Media;

/// <summary>Finds the video files of a path: the file itself, or the videos under a folder (recursively, sorted).</summary>
public static class MediaFiles
{
    public static readonly string[] VideoExtensions =
        [".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".m2v", ".ts", ".mts", ".wmv", ".flv", ".3gp", ".ogv", ".gif"];

    public static bool IsVideoFile(string path) => VideoExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    /// <summary>
    /// A file is returned as is (whatever its extension, so that a wrong file gives a clear error later); a folder
    /// gives its video files. Missing paths and folders without videos are errors.
    /// </summary>
    public static IReadOnlyList<string> Enumerate(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (!Directory.Exists(path))
        {
            throw new VidSearchException(ErrorKind.NotFound, path, "no such file or folder");
        }

        var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(IsVideoFile)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, $"no video files in this folder (looked for {string.Join(' ', VideoExtensions)})");
        }

        return files;
    }
}
