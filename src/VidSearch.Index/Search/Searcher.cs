using System.Diagnostics;
using System.Numerics.Tensors;
using VidSearch.Core;
using VidSearch.Index.Storage;

namespace VidSearch.Index.Search;

/// <summary>A ranked video: fused score, its parts, and its best-matching moments.</summary>
public sealed record VideoResult(long VideoId, string Path, double Score, float VisualScore, double? TextScore, IReadOnlyList<Moment> Moments);

public sealed record SearchResults(IReadOnlyList<VideoResult> Videos, string IndexKind, int SegmentsSearched, TimeSpan Elapsed);

/// <summary>How a <see cref="Searcher"/> opens the vector index.</summary>
public sealed record SearcherOptions
{
    public VectorIndexChoice Index { get; init; } = VectorIndexChoice.Auto;

    public IvfBuildOptions? IvfBuild { get; init; }

    public HnswBuildOptions? HnswBuild { get; init; }

    public BinaryBuildOptions? BinaryBuild { get; init; }

    /// <summary>Cache the approximate index in a file beside the collection.</summary>
    public bool CacheAnnIndex { get; init; } = true;

    public IReranker? Reranker { get; init; }
}

/// <summary>
/// Searches one collection: a query embedding (text, image or video, all in the joint space) -> candidate
/// segments from the vector index -> candidate videos (best segment) -> moments -> optional BM25 text fusion ->
/// optional re-ranking -> the top k videos. Holds the collection's segment vectors in memory; reusable across
/// queries, safe for concurrent searches once built.
/// </summary>
public sealed class Searcher
{
    private readonly CollectionStore _store;
    private readonly SearcherOptions _options;
    private readonly SegmentTable _segments;
    private readonly IVectorIndex _index;
    private readonly Dictionary<long, int[]> _rowsByVideo;
    private readonly Dictionary<long, string> _paths;
    private readonly Lazy<SegmentTable> _videoVectors;

    public Searcher(CollectionStore store, SearcherOptions? options = null, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        _store = store;
        _options = options ?? new SearcherOptions();
        _segments = store.LoadSegments(SegmentKind.Segment);
        _index = VectorIndexFactory.Open(_segments.Vectors, _options.Index, _options.CacheAnnIndex ? store.AnnIndexPath : null,
            store.VectorsGeneration, _options.IvfBuild, _options.HnswBuild, _options.BinaryBuild, progress, TuningVectors(store), cancellationToken);
        _rowsByVideo = Enumerable.Range(0, _segments.Count)
            .GroupBy(i => _segments.VideoIds[i])
            .ToDictionary(g => g.Key, g => g.OrderBy(i => _segments.Starts[i]).ToArray());
        _paths = store.Videos().Where(v => v.Status == VideoStatus.Done).ToDictionary(v => v.Id, v => v.Path);
        _videoVectors = new Lazy<SegmentTable>(() => store.LoadSegments(SegmentKind.Video), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string IndexKind => _index.Kind;

    /// <summary>The vector index's default setting and what its tuning measured there (<see cref="VectorIndexFactory.SettingOf"/>).</summary>
    public (string Setting, TuningMeasurement? Measured) IndexTuning => VectorIndexFactory.SettingOf(_index);

    /// <summary>
    /// Builds and caches the approximate index (IVF, and the binary codes when the data calls for them) when the
    /// collection is large enough for Auto to use it and the cache is missing or stale; returns whether it did.
    /// </summary>
    public static bool PrepareIndex(CollectionStore store, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (VectorIndexFactory.KindFor(VectorIndexChoice.Auto, store.SegmentCount(SegmentKind.Segment)) == "exact")
        {
            return false;
        }

        var segments = store.LoadSegments(SegmentKind.Segment);
        VectorIndexFactory.Open(segments.Vectors, VectorIndexChoice.Auto, store.AnnIndexPath, store.VectorsGeneration, TuningVectors(store), progress, cancellationToken, out bool built);
        return built;
    }

    /// <summary>The collection's tuning queries (<see cref="Indexing.TuningQueries"/>) as vectors; null when it has none.</summary>
    private static IReadOnlyList<float[]>? TuningVectors(CollectionStore store)
        => store.TuningQueries() is { Count: > 0 } queries ? queries.Select(q => q.Vector).ToArray() : null;

    public int SegmentCount => _segments.Count;

    public int VideoCount => _rowsByVideo.Count;

    /// <summary>
    /// Ranks videos for a query embedding. <paramref name="queryText"/> (the words typed) is used only for text
    /// fusion; <paramref name="exclude"/> leaves a video out (video -> video search).
    /// </summary>
    public SearchResults Search(ReadOnlySpan<float> queryEmbedding, SearchOptions? options = null, string? queryText = null, long? exclude = null)
    {
        options ??= new SearchOptions();
        options.Validate();
        if (queryEmbedding.Length != _store.Info.EmbeddingDim)
        {
            throw VidSearchException.Argument("query", $"embedding has {queryEmbedding.Length} dimensions, the collection holds {_store.Info.EmbeddingDim} (model '{_store.Info.ModelId}')");
        }

        if (!TensorPrimitives.IsFiniteAll(queryEmbedding) || TensorPrimitives.Norm(queryEmbedding) == 0)
        {
            throw VidSearchException.Argument("query", "embedding is zero or not finite");
        }

        var clock = Stopwatch.StartNew();
        var query = VectorMath.Normalized(queryEmbedding);
        var candidates = new List<long>();
        var seen = new HashSet<long>();
        Dictionary<long, float>? videoScores = null;
        if (options.Ranking == VideoRanking.VideoVector)
        {
            videoScores = ScoreVideoVectors(query, exclude);
            int fetch = Math.Min(videoScores.Count, options.CandidateSegments ?? Math.Max(200, 20 * options.K));
            foreach (var (video, _) in videoScores.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Take(fetch))
            {
                seen.Add(video);
                candidates.Add(video);
            }
        }
        else if (_segments.Count > 0)
        {
            int fetch = Math.Min(_segments.Count, options.CandidateSegments ?? Math.Max(200, 20 * options.K));
            foreach (var hit in _index.Search(query, fetch, options.Vector))
            {
                long video = _segments.VideoIds[hit.Position];
                if (video != exclude && seen.Add(video))
                {
                    candidates.Add(video);
                }
            }
        }

        var textScores = new Dictionary<long, double>();
        if (options.Fusion.Enabled && !string.IsNullOrWhiteSpace(queryText))
        {
            foreach (var match in _store.SearchText(queryText, options.Fusion.TextCandidates))
            {
                if (!_rowsByVideo.ContainsKey(match.VideoId) || match.VideoId == exclude)
                {
                    continue;
                }

                double weight = options.Fusion.ChannelWeights.GetValueOrDefault(match.Channel, 1.0);
                textScores[match.VideoId] = textScores.GetValueOrDefault(match.VideoId) + weight * match.Score;
                if (seen.Add(match.VideoId))
                {
                    candidates.Add(match.VideoId);
                }
            }
        }

        double bestText = textScores.Count == 0 ? 0 : textScores.Values.Max();
        var results = new List<VideoResult>(candidates.Count);
        foreach (long video in candidates)
        {
            var rows = _rowsByVideo[video];
            var scores = new float[rows.Length];
            var starts = new double[rows.Length];
            var ends = new double[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                scores[i] = _segments.Vectors.Score(query, rows[i]);
                starts[i] = _segments.Starts[rows[i]];
                ends[i] = _segments.Ends[rows[i]];
            }

            float visual = videoScores is null ? TensorPrimitives.Max<float>(scores) : videoScores[video];
            double? text = options.Fusion.Enabled ? (bestText > 0 ? textScores.GetValueOrDefault(video) / bestText : 0) : null;
            double fused = options.Fusion.Enabled ? options.Fusion.VisualWeight * visual + options.Fusion.TextWeight * text!.Value : visual;
            results.Add(new VideoResult(video, _paths.GetValueOrDefault(video, "?"), fused, visual, text, MomentFinder.Find(starts, ends, scores, options.Moments)));
        }

        results.Sort(ByScore);
        if (_options.Reranker is { } reranker && options.RerankTop > 0 && results.Count > 0)
        {
            Rerank(reranker, query, results, Math.Min(options.RerankTop, results.Count));
        }

        return new SearchResults(results.Take(options.K).ToList(), _index.Kind, _segments.Count, clock.Elapsed);
    }

    /// <summary>Cosine of the query with every video-level vector (computed from the segments where none is stored).</summary>
    private Dictionary<long, float> ScoreVideoVectors(float[] query, long? exclude)
    {
        var table = _videoVectors.Value;
        var scores = new Dictionary<long, float>(_rowsByVideo.Count);
        for (int i = 0; i < table.Count; i++)
        {
            long video = table.VideoIds[i];
            if (video != exclude && _rowsByVideo.ContainsKey(video))
            {
                scores[video] = table.Vectors.Score(query, i);
            }
        }

        foreach (long video in _rowsByVideo.Keys)
        {
            if (video != exclude && !scores.ContainsKey(video))
            {
                scores[video] = TensorPrimitives.Dot(query, VideoVector(video));
            }
        }

        return scores;
    }

    /// <summary>Videos most similar to a stored video (by its video-level vector), itself excluded.</summary>
    public SearchResults SearchSimilar(long videoId, SearchOptions? options = null)
        => Search(VideoVector(videoId), options, exclude: videoId);

    /// <summary>The stored video-level vector of a video (the normalised mean of its segments when indexing gave none).</summary>
    public float[] VideoVector(long videoId)
    {
        var table = _store.LoadSegments(SegmentKind.Video, videoId);
        if (table.Count > 0)
        {
            return table.Vectors.Get(0);
        }

        if (!_rowsByVideo.TryGetValue(videoId, out var rows))
        {
            throw new VidSearchException(ErrorKind.NotFound, $"video {videoId}", "not in the collection (or not indexed successfully)");
        }

        var matrix = new EmbeddingMatrix(rows.Length, _segments.Vectors.Dim);
        for (int i = 0; i < rows.Length; i++)
        {
            _segments.Vectors.CopyTo(rows[i], matrix.Row(i));
        }

        return VectorMath.MeanNormalized(matrix);
    }

    private void Rerank(IReranker reranker, float[] query, List<VideoResult> results, int top)
    {
        var candidates = new List<RerankCandidate>(top);
        for (int i = 0; i < top; i++)
        {
            var video = results[i];
            var rows = _rowsByVideo[video.VideoId];
            var segments = new EmbeddingMatrix(rows.Length, _segments.Vectors.Dim);
            for (int j = 0; j < rows.Length; j++)
            {
                _segments.Vectors.CopyTo(rows[j], segments.Row(j));
            }

            var frameTable = _store.LoadSegments(SegmentKind.Frame, video.VideoId);
            var frames = new EmbeddingMatrix(frameTable.Count, _segments.Vectors.Dim);
            for (int j = 0; j < frameTable.Count; j++)
            {
                frameTable.Vectors.CopyTo(j, frames.Row(j));
            }

            candidates.Add(new RerankCandidate(video.VideoId, video.Path, video.Score, segments, rows.Select(r => _segments.Starts[r]).ToArray(),
                new FrameEmbeddings(frames, frameTable.Starts, Enumerable.Repeat(true, frameTable.Count).ToArray())));
        }

        var scores = reranker.Rescore(query, candidates);
        if (scores.Count != top || scores.Any(s => !double.IsFinite(s)))
        {
            throw new VidSearchException(ErrorKind.InvalidInput, "reranker", $"returned {scores.Count} scores for {top} candidates (or a non-finite score)");
        }

        for (int i = 0; i < top; i++)
        {
            results[i] = results[i] with { Score = scores[i] };
        }

        results.Sort(0, top, Comparer<VideoResult>.Create(ByScore));
    }

    private static int ByScore(VideoResult a, VideoResult b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.VideoId.CompareTo(b.VideoId);
}
