using System.Security.Cryptography;
using VidSearch.Core;
using VidSearch.Index.Storage;

namespace VidSearch.Index.Indexing;

/// <summary>Finds the video files named by the inputs (files, or folders scanned recursively).</summary>
public static class FileScanner
{
    /// <summary>The scan: video files found (absolute, sorted) and the roots they came from.</summary>
    public sealed record ScanResult(IReadOnlyList<string> Files, IReadOnlyList<string> Folders, IReadOnlyList<string> NamedFiles);

    public static ScanResult Scan(IReadOnlyList<string> inputs, IReadOnlySet<string> extensions)
    {
        if (inputs.Count == 0)
        {
            throw VidSearchException.Argument("inputs", "no video file or folder given");
        }

        var files = new SortedSet<string>(StringComparer.Ordinal);
        var folders = new List<string>();
        var named = new List<string>();
        foreach (string input in inputs)
        {
            string full = Path.GetFullPath(input);
            if (Directory.Exists(full))
            {
                folders.Add(Path.TrimEndingDirectorySeparator(full) + Path.DirectorySeparatorChar);
                var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
                foreach (string file in Directory.EnumerateFiles(full, "*", options))
                {
                    if (extensions.Contains(Path.GetExtension(file)))
                    {
                        files.Add(file);
                    }
                }
            }
            else if (File.Exists(full))
            {
                named.Add(full);
                files.Add(full);
            }
            else
            {
                throw new VidSearchException(ErrorKind.NotFound, input, "no such file or folder");
            }
        }

        return new ScanResult([.. files], folders, named);
    }

    /// <summary>True when a stored path belongs to what was scanned (so its absence means it was deleted).</summary>
    public static bool Covers(ScanResult scan, string path)
        => scan.NamedFiles.Contains(path, StringComparer.Ordinal) || scan.Folders.Any(f => path.StartsWith(f, StringComparison.Ordinal));

    /// <summary>Size, modification time and SHA-256 of a file's content.</summary>
    public static FileIdentity Identify(string path, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buffer, 0, read);
        }

        return new FileIdentity(info.Length, info.LastWriteTimeUtc.Ticks, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}
