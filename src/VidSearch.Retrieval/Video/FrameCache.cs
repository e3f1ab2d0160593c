using System.Security.Cryptography;
using System.Text;
using VidSearch.Core;

namespace VidSearch.Retrieval.Video;

/// <summary>
/// Decoded, preprocessed frames of video files kept on disk so that repeated runs (ablations, training with other
/// options or another CLIP of the same image size) skip ffmpeg. One file per (video path, size, modification time,
/// sampling and preprocessing): a changed video or setting is a new key, never a stale hit. File: magic "VSFC1",
/// slots (int32), pixels per slot (int32), mask bytes, float32 pixels; written to a temporary name, then renamed.
/// A damaged file is ignored (decoded again and rewritten).
/// </summary>
public sealed class FrameCache
{
    private static readonly byte[] Magic = "VSFC1"u8.ToArray();
    private readonly string directory;
    private readonly string settings;

    public FrameCache(string directory, string settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, directory, "cannot create the frame cache folder: " + e.Message, e);
        }

        this.directory = directory;
        this.settings = settings;
    }

    public string PathFor(string video)
    {
        var info = new FileInfo(video);
        string key = $"{Path.GetFullPath(video)}|{info.Length}|{info.LastWriteTimeUtc.Ticks}|{settings}";
        return Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] + ".bin");
    }

    public (float[] Pixels, bool[] Mask)? TryRead(string video, int imageLength)
    {
        string path = PathFor(video);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            {
                return null;
            }

            int slots = reader.ReadInt32();
            int length = reader.ReadInt32();
            if (slots <= 0 || slots > 100_000 || length != imageLength)
            {
                return null;
            }

            var mask = reader.ReadBytes(slots).Select(b => b != 0).ToArray();
            var bytes = reader.ReadBytes(checked(slots * length * sizeof(float)));
            if (mask.Length != slots || bytes.Length != slots * length * sizeof(float) || reader.BaseStream.Position != reader.BaseStream.Length)
            {
                return null;
            }

            var pixels = new float[slots * length];
            Buffer.BlockCopy(bytes, 0, pixels, 0, bytes.Length);
            return (pixels, mask);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Stores a clip's frames; a failure to write is ignored (the cache is only an optimisation).</summary>
    public void Write(string video, float[] pixels, bool[] mask)
    {
        string path = PathFor(video);
        string temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            WriteFile(temp, pixels, mask);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A cache that cannot be written only costs time: the clip is decoded again next run.
            File.Delete(temp);
        }
    }

    private static void WriteFile(string temp, float[] pixels, bool[] mask)
    {
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            writer.Write(Magic);
            writer.Write(mask.Length);
            writer.Write(pixels.Length / mask.Length);
            writer.Write(mask.Select(m => (byte)(m ? 1 : 0)).ToArray());
            var bytes = new byte[pixels.Length * sizeof(float)];
            Buffer.BlockCopy(pixels, 0, bytes, 0, bytes.Length);
            writer.Write(bytes);
        }
    }
}
