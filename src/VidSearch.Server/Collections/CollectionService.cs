using System.Collections.Concurrent;
using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;
using VidSearch.Media.Decoding;
using VidSearch.Media.Imaging;
using VidSearch.Media.Preprocessing;

namespace VidSearch.Server.Collections;

/// <summary>What /api/status reports about the served collection.</summary>
public sealed record CollectionStatus(string Name, string ModelId, int EmbeddingDim, string Storage, int Videos, int Failed, int Segments, string IndexKind, long Generation);

/// <summary>
/// The served collection: the store (one SQLite connection, used under a lock), a <see cref="Searcher"/> that is
/// rebuilt when indexing changes the stored vectors, the query embedder, and moment thumbnails. Every file it hands
/// out is the stored path of a successfully indexed video, looked up by id: a client never names a path.
/// </summary>
public sealed class CollectionService : IDisposable
{
    private const int ThumbnailCacheEntries = 1024;
    private static readonly TimeSpan GenerationCheckInterval = TimeSpan.FromSeconds(2);

    private readonly CollectionStore _store;
    private readonly IQueryEmbedder _embedder;
    private readonly Lock _storeLock = new();
    private readonly SemaphoreSlim _decoders = new(2);
    private readonly ConcurrentDictionary<(long Video, long Tenth), byte[]> _thumbnails = new();
    private readonly BicubicResizer _resizer = new();
    private readonly int _thumbnailWidth;
    private volatile Searcher _searcher;
    private long _generation;
    private long _checkedAt;

    /// <summary>Opens the collection at <paramref name="collectionPath"/> (a .db file) for <paramref name="embedder"/>'s model; takes ownership of the embedder.</summary>
    public CollectionService(string collectionPath, IQueryEmbedder embedder, int thumbnailWidth = 320)
    {
        if (thumbnailWidth is < 16 or > 1920)
        {
            throw VidSearchException.Argument("thumbnail width", $"must be between 16 and 1920, got {thumbnailWidth}");
        }

        _store = CollectionStore.Open(collectionPath);
        try
        {
            _store.EnsureModel(embedder.ModelId);
            _embedder = embedder;
            _thumbnailWidth = thumbnailWidth;
            _generation = _store.VectorsGeneration;
            _searcher = new Searcher(_store);
            _checkedAt = Environment.TickCount64;
        }
        catch
        {
            _store.Dispose();
            throw;
        }
    }

    public string Path => _store.Path;

    public string Name => System.IO.Path.GetFileNameWithoutExtension(_store.Path);

    public IQueryEmbedder Embedder => _embedder;

    public SearchResults SearchText(string text, SearchOptions options)
    {
        var embedding = _embedder.EmbedText(text);
        var searcher = CurrentSearcher();
        if (!options.Fusion.Enabled)
        {
            return searcher.Search(embedding, options);
        }

        lock (_storeLock)
        {
            return searcher.Search(embedding, options, text);
        }
    }

    public SearchResults SearchImage(string imagePath, SearchOptions options, CancellationToken cancellationToken)
        => CurrentSearcher().Search(_embedder.EmbedImage(imagePath, cancellationToken), options);

    /// <summary>Videos like video <paramref name="videoId"/> of the collection (itself left out).</summary>
    public SearchResults SearchSimilar(long videoId, SearchOptions options)
    {
        Video(videoId);
        var searcher = CurrentSearcher();
        lock (_storeLock)
        {
            return searcher.SearchSimilar(videoId, options);
        }
    }

    /// <summary>The video with this id, or <see cref="ErrorKind.NotFound"/>.</summary>
    public StoredVideo Video(long videoId)
    {
        lock (_storeLock)
        {
            return _store.FindVideo(videoId) ?? throw new VidSearchException(ErrorKind.NotFound, $"video {videoId}", "not in the collection");
        }
    }

    public IReadOnlyDictionary<TextChannel, string> Text(long videoId)
    {
        lock (_storeLock)
        {
            return _store.TextOf(videoId);
        }
    }

    /// <summary>The file of an indexed video: its stored path, which must still exist.</summary>
    public string VideoFile(long videoId)
    {
        var video = Video(videoId);
        if (video.Status != VideoStatus.Done)
        {
            throw new VidSearchException(ErrorKind.NotFound, $"video {videoId}", "was not indexed successfully; it has no playable file");
        }

        if (!File.Exists(video.Path))
        {
            throw new VidSearchException(ErrorKind.NotFound, $"video {videoId}", "its file is gone from the disk; re-index the collection");
        }

        return video.Path;
    }

    /// <summary>A PNG of video <paramref name="videoId"/> at <paramref name="seconds"/> (cached per tenth of a second).</summary>
    public async Task<byte[]> ThumbnailAsync(long videoId, double seconds, CancellationToken cancellationToken)
    {
        var video = Video(videoId);
        if (!double.IsFinite(seconds) || seconds < 0 || (video.Duration > 0 && seconds > video.Duration + 0.5))
        {
            throw VidSearchException.Argument("t", $"must be a time within the video (0 to {video.Duration:0.##} s), got {seconds}");
        }

        long tenth = (long)Math.Round(seconds * 10);
        if (_thumbnails.TryGetValue((videoId, tenth), out var cached))
        {
            return cached;
        }

        string path = VideoFile(videoId);
        double time = video.Duration > 0 ? Math.Min(tenth / 10.0, Math.Max(0, video.Duration - 0.05)) : tenth / 10.0;
        await _decoders.WaitAsync(cancellationToken);
        byte[] png;
        try
        {
            png = await Task.Run(() =>
            {
                var frame = new FrameDecoder().Decode(path, [time], cancellationToken).FirstOrDefault()
                    ?? throw new VidSearchException(ErrorKind.InvalidInput, $"video {videoId}", $"no frame could be decoded at {time:0.##} s");
                var image = frame.Image;
                if (image.Width > _thumbnailWidth)
                {
                    int height = Math.Max(1, (int)Math.Round(image.Height * (double)_thumbnailWidth / image.Width));
                    image = _resizer.Resize(image, _thumbnailWidth, height);
                }

                return PngWriter.Encode(image);
            }, cancellationToken);
        }
        finally
        {
            _decoders.Release();
        }

        if (_thumbnails.Count >= ThumbnailCacheEntries)
        {
            _thumbnails.Clear();
        }

        _thumbnails[(videoId, tenth)] = png;
        return png;
    }

    public CollectionStatus Status()
    {
        var searcher = CurrentSearcher();
        lock (_storeLock)
        {
            var videos = _store.Videos();
            return new CollectionStatus(Name, _store.Info.ModelId, _store.Info.EmbeddingDim, _store.Info.Storage.Name(),
                videos.Count(v => v.Status == VideoStatus.Done), videos.Count(v => v.Status == VideoStatus.Failed),
                searcher.SegmentCount, searcher.IndexKind, _generation);
        }
    }

    public void Dispose()
    {
        lock (_storeLock)
        {
            _store.Dispose();
        }

        _embedder.Dispose();
        _decoders.Dispose();
    }

    /// <summary>The searcher over the current vectors: rebuilt when `vidsearch index` changed them (checked every 2 s).</summary>
    private Searcher CurrentSearcher()
    {
        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _checkedAt) < GenerationCheckInterval.TotalMilliseconds)
        {
            return _searcher;
        }

        lock (_storeLock)
        {
            if (now - _checkedAt >= GenerationCheckInterval.TotalMilliseconds)
            {
                _checkedAt = now;
                long generation = _store.VectorsGeneration;
                if (generation != _generation)
                {
                    _searcher = new Searcher(_store);
                    _generation = generation;
                    _thumbnails.Clear();
                }
            }

            return _searcher;
        }
    }
}
