using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Eval.Caching;

/// <summary>What cached embeddings depend on: the weights, the frame sampling and the dataset annotations.</summary>
public sealed record CacheKey(string ModelId, string Sampling, string DatasetHash)
{
    /// <summary>A file-name-safe stem: readable prefix plus a hash of the whole key.</summary>
    public string FileStem
    {
        get
        {
            string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ModelId}\n{Sampling}\n{DatasetHash}")))[..16];
            string readable = new(ModelId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' ? c : '_').Take(40).ToArray());
            return $"{readable}-{hash}";
        }
    }
}

/// <summary>
/// Frame embeddings per video and text embeddings per distinct text, stored on disk so that evaluating another
/// head, re-ranking or another task never re-encodes. One pair of files per <see cref="CacheKey"/>: STEM.bin
/// (float32 little-endian rows, videos then texts) and STEM.json (key, dimension, and for each video its id, row
/// offset, row count, timestamps and mask; for each text its row). Writes go to temporary files renamed into
/// place, so an interrupted run leaves the previous cache intact. Not thread-safe; one writer at a time.
/// </summary>
public sealed class EmbeddingCache
{
    private const int FormatVersion = 1;
    private readonly Dictionary<string, FrameEmbeddings> videos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, float[]> texts = new(StringComparer.Ordinal);

    private EmbeddingCache(string directory, CacheKey key)
    {
        Directory = directory;
        Key = key;
    }

    public string Directory { get; }

    public CacheKey Key { get; }

    public int Dim { get; private set; }

    public int VideoCount => videos.Count;

    public int TextCount => texts.Count;

    public bool IsDirty { get; private set; }

    public string IndexPath => Path.Combine(Directory, Key.FileStem + ".json");

    public string DataPath => Path.Combine(Directory, Key.FileStem + ".bin");

    /// <summary>Opens the cache for <paramref name="key"/> in <paramref name="directory"/> (empty if none was saved).</summary>
    public static EmbeddingCache Open(string directory, CacheKey key)
    {
        System.IO.Directory.CreateDirectory(directory);
        var cache = new EmbeddingCache(directory, key);
        if (File.Exists(cache.IndexPath))
        {
            cache.Read();
        }

        return cache;
    }

    public bool TryGetVideo(string id, out FrameEmbeddings embeddings) => videos.TryGetValue(id, out embeddings!);

    public bool TryGetText(string text, out float[] embedding) => texts.TryGetValue(text, out embedding!);

    public void PutVideo(string id, FrameEmbeddings embeddings)
    {
        CheckDim(embeddings.Frames.Dim, id);
        if (embeddings.Timestamps.Length != embeddings.Frames.Rows || embeddings.Mask.Length != embeddings.Frames.Rows)
        {
            throw VidSearchException.Argument(id, $"{embeddings.Frames.Rows} frames with {embeddings.Timestamps.Length} timestamps and {embeddings.Mask.Length} mask entries");
        }

        videos[id] = embeddings;
        IsDirty = true;
    }

    public void PutText(string text, ReadOnlySpan<float> embedding)
    {
        CheckDim(embedding.Length, "text");
        texts[text] = embedding.ToArray();
        IsDirty = true;
    }

    /// <summary>Writes both files (atomically replacing the previous ones) when anything changed.</summary>
    public void Save()
    {
        if (!IsDirty)
        {
            return;
        }

        var index = new CacheIndex { Version = FormatVersion, ModelId = Key.ModelId, Sampling = Key.Sampling, DatasetHash = Key.DatasetHash, Dim = Dim };
        string dataTemp = DataPath + ".tmp", indexTemp = IndexPath + ".tmp";
        using (var stream = new FileStream(dataTemp, FileMode.Create, FileAccess.Write))
        {
            long row = 0;
            foreach (var (id, e) in videos.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                stream.Write(MemoryMarshal.AsBytes(e.Frames.Data.AsSpan()));
                index.Videos.Add(new CachedVideo { Id = id, Row = row, Rows = e.Frames.Rows, Timestamps = e.Timestamps, Mask = e.Mask });
                row += e.Frames.Rows;
            }

            foreach (var (text, e) in texts.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                stream.Write(MemoryMarshal.AsBytes(e.AsSpan()));
                index.Texts.Add(new CachedText { Text = text, Row = row });
                row++;
            }
        }

        File.WriteAllText(indexTemp, JsonSerializer.Serialize(index));
        File.Move(dataTemp, DataPath, overwrite: true);
        File.Move(indexTemp, IndexPath, overwrite: true);
        IsDirty = false;
    }

    private void CheckDim(int dim, string what)
    {
        if (Dim == 0)
        {
            Dim = dim;
        }
        else if (dim != Dim)
        {
            throw new VidSearchException(ErrorKind.Incompatible, what, $"embedding dimension {dim} differs from the cache's {Dim}");
        }
    }

    private void Read()
    {
        CacheIndex index;
        try
        {
            index = JsonSerializer.Deserialize<CacheIndex>(File.ReadAllText(IndexPath)) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, IndexPath, "corrupt embedding cache index: " + e.Message, e);
        }

        if (index.Version != FormatVersion || index.ModelId != Key.ModelId || index.Sampling != Key.Sampling || index.DatasetHash != Key.DatasetHash)
        {
            throw new VidSearchException(ErrorKind.Incompatible, IndexPath, $"cache was written for model {index.ModelId}, sampling {index.Sampling}, dataset {index.DatasetHash} (format {index.Version})");
        }

        if (!File.Exists(DataPath))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, DataPath, "embedding cache data file is missing");
        }

        var bytes = File.ReadAllBytes(DataPath);
        long expectedRows = index.Videos.Sum(v => (long)v.Rows) + index.Texts.Count;
        if (index.Dim <= 0 || bytes.Length != expectedRows * index.Dim * sizeof(float))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, DataPath, $"truncated or corrupt: {bytes.Length} bytes, the index describes {expectedRows} rows of {index.Dim} floats");
        }

        var floats = MemoryMarshal.Cast<byte, float>(bytes);
        Dim = index.Dim;
        foreach (var v in index.Videos)
        {
            if (v.Timestamps.Length != v.Rows || v.Mask.Length != v.Rows)
            {
                throw new VidSearchException(ErrorKind.InvalidInput, IndexPath, $"video {v.Id}: {v.Rows} rows but {v.Timestamps.Length} timestamps");
            }

            var data = floats.Slice((int)(v.Row * Dim), v.Rows * Dim).ToArray();
            videos[v.Id] = new FrameEmbeddings(new EmbeddingMatrix(data, v.Rows, Dim), v.Timestamps, v.Mask);
        }

        foreach (var t in index.Texts)
        {
            texts[t.Text] = floats.Slice((int)(t.Row * Dim), Dim).ToArray();
        }
    }

    private sealed class CacheIndex
    {
        public int Version { get; set; }

        public string ModelId { get; set; } = string.Empty;

        public string Sampling { get; set; } = string.Empty;

        public string DatasetHash { get; set; } = string.Empty;

        public int Dim { get; set; }

        public List<CachedVideo> Videos { get; set; } = [];

        public List<CachedText> Texts { get; set; } = [];
    }

    private sealed class CachedVideo
    {
        public string Id { get; set; } = string.Empty;

        public long Row { get; set; }

        public int Rows { get; set; }

        public double[] Timestamps { get; set; } = [];

        public bool[] Mask { get; set; } = [];
    }

    private sealed class CachedText
    {
        public string Text { get; set; } = string.Empty;

        public long Row { get; set; }
    }
}
