using System.Security.Cryptography;
using VidSearch.Core;

namespace VidSearch.Models.Store;

/// <summary>SHA-256 of files, with byte progress.</summary>
public static class FileHashing
{
    public static string Sha256(string path, IProgress<long>? bytesDone = null, CancellationToken cancellationToken = default)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buffer, 0, read);
            bytesDone?.Report(read);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Progress that adds reported byte counts into one <see cref="WorkProgress"/> stream.</summary>
    internal sealed class ByteCounter(IProgress<WorkProgress>? progress, string task, long? total, long start = 0) : IProgress<long>
    {
        private long _done = start;
        private long _lastReported = -1;

        public long Done => _done;

        public void Report(long value)
        {
            _done += value;
            // At most one report per 256 KiB, and always the last one.
            if (progress is not null && (_done - _lastReported >= 256 * 1024 || (total is long t && _done >= t)))
            {
                _lastReported = _done;
                progress.Report(new WorkProgress(task, _done, total, "bytes"));
            }
        }

        public void Set(long done)
        {
            _done = done;
            progress?.Report(new WorkProgress(task, _done, total, "bytes"));
        }
    }
}
