using VidSearch.Core;
using VidSearch.Index.Search;
using VidSearch.Index.Storage;
using VidSearch.Index.Tests.Storage;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Search;

public sealed class SearcherTests : IDisposable
{
    private const int Dim = 8;
    private readonly TempDirectory _dir = new();
    private readonly CollectionStore _store;
    private readonly long _beach;
    private readonly long _kitchen;
    private readonly long _street;

    public SearcherTests()
    {
        _store = CollectionStore.OpenOrCreate(_dir.File("c.db"), new CollectionInfo("m", PreprocessConfig.Clip(), Dim, VectorStorageType.Float32));
        // Axis 0 = "dog", 1 = "beach", 2 = "kitchen", 3 = "car". Each video: 2 s segments.
        _beach = Save("/v/beach.mp4", [Mix(1, 0.2f), Mix(0, 1, 1), Mix(0, 1, 1), Mix(1, 0.1f)], "Sunny coast");
        _kitchen = Save("/v/kitchen.mp4", [Mix(2), Mix(2, 0.3f), Mix(0, 0.3f, 2)], "Cooking pasta");
        _street = Save("/v/street.mp4", [Mix(3), Mix(3, 0.2f)], "Dog show downtown");
    }

    private static float[] Mix(int axis, float weight = 1, int other = -1)
    {
        var v = CollectionStoreTests.Unit(Dim, axis);
        for (int i = 0; i < Dim; i++)
        {
            v[i] = i == axis ? weight : i == other ? 1 : 0.01f;
        }

        return VectorMath.Normalized(v);
    }

    private long Save(string path, float[][] segments, string title)
        => _store.SaveVideo(path, new FileIdentity(1, 1, path), segments.Length * 2,
            [.. segments.Select((v, i) => new SegmentRecord(2 * i, 2 * i + 2, SegmentKind.Segment, v))],
            [new TextEntry(TextChannel.Title, title)]);

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void Ranking_by_video_vector_uses_the_stored_pooled_vector_else_the_mean_of_the_segments()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("v.db"), new CollectionInfo("m", PreprocessConfig.Clip(), 2, VectorStorageType.Float32));
        float[] e0 = [1, 0], e1 = [0, 1], near = VectorMath.Normalized([0.9f, 0.436f]);
        SegmentRecord Segment(int i, float[] v) => new(i, i + 1, SegmentKind.Segment, v);
        // A: one segment on the query, three off it (best segment 1, mean 0.32); B: every segment at 0.9.
        long a = store.SaveVideo("/v/a.mp4", new FileIdentity(1, 1, "a"), 4, [Segment(0, e0), Segment(1, e1), Segment(2, e1), Segment(3, e1)], []);
        long b = store.SaveVideo("/v/b.mp4", new FileIdentity(1, 1, "b"), 2, [Segment(0, near), Segment(1, near)], []);
        var searcher = new Searcher(store);
        var bySegment = searcher.Search(e0, new SearchOptions { K = 2 });
        Assert.Equal([a, b], bySegment.Videos.Select(v => v.VideoId));
        var byVideo = searcher.Search(e0, new SearchOptions { K = 2, Ranking = VideoRanking.VideoVector });
        Assert.Equal([b, a], byVideo.Videos.Select(v => v.VideoId));
        Assert.Equal(1 / MathF.Sqrt(10), byVideo.Videos[1].Score, 4);
        Assert.NotEmpty(byVideo.Videos[1].Moments);

        // A stored video-level vector (what indexing writes) is the score, not the segments' mean.
        long c = store.SaveVideo("/v/c.mp4", new FileIdentity(1, 1, "c"), 2,
            [Segment(0, e1), Segment(1, e1), new SegmentRecord(0, 2, SegmentKind.Video, e0)], []);
        var withStored = new Searcher(store).Search(e0, new SearchOptions { K = 3, Ranking = VideoRanking.VideoVector });
        Assert.Equal(c, withStored.Videos[0].VideoId);
        Assert.Equal(1f, withStored.Videos[0].VisualScore, 5);

        Assert.Equal(VideoRanking.VideoVector, SearchOptions.ParseRanking("video"));
        Assert.Equal(VideoRanking.BestSegment, SearchOptions.ParseRanking("segment"));
        Assert.Throws<VidSearchException>(() => SearchOptions.ParseRanking("frames"));
    }

    [Fact]
    public void Ranks_videos_by_best_segment_and_reports_the_moment()
    {
        var searcher = new Searcher(_store);
        Assert.Equal("exact", searcher.IndexKind);
        var results = searcher.Search(Mix(0, 1, 1), new SearchOptions { K = 2 });
        Assert.Equal([_beach, _kitchen], results.Videos.Select(v => v.VideoId));
        var best = results.Videos[0];
        Assert.Equal("/v/beach.mp4", best.Path);
        Assert.Equal(new Moment(2, 6, best.VisualScore), best.Moments[0]);
        Assert.Equal(1f, best.VisualScore, 4);
        Assert.Null(best.TextScore);
        Assert.Equal(9, results.SegmentsSearched);
    }

    [Fact]
    public void Text_fusion_is_off_by_default_and_lifts_text_matches_when_weighted()
    {
        var searcher = new Searcher(_store);
        float[] dogQuery = Mix(0);
        Assert.NotEqual(_street, searcher.Search(dogQuery, new SearchOptions { K = 1 }, queryText: "dog").Videos[0].VideoId);
        var fused = searcher.Search(dogQuery, new SearchOptions { K = 3, Fusion = new TextFusionOptions { TextWeight = 1 } }, queryText: "dog");
        Assert.Equal(_street, fused.Videos[0].VideoId);
        Assert.Equal(1.0, fused.Videos[0].TextScore);
        Assert.Equal(0.0, fused.Videos[1].TextScore);
        Assert.Throws<VidSearchException>(() => searcher.Search(dogQuery, new SearchOptions { Fusion = new TextFusionOptions { VisualWeight = 0, TextWeight = 0 } }));
    }

    [Fact]
    public void Reranker_rescores_the_top_candidates_with_their_embeddings()
    {
        var reranker = new ReverseReranker();
        var searcher = new Searcher(_store, new SearcherOptions { Reranker = reranker });
        var results = searcher.Search(Mix(0, 1, 1), new SearchOptions { K = 3, RerankTop = 2 });
        Assert.Equal([_kitchen, _beach, _street], results.Videos.Select(v => v.VideoId));
        Assert.Equal(2, reranker.Seen.Count);
        Assert.Equal(4, reranker.Seen[0].Segments.Rows);
        Assert.Equal([0.0, 2, 4, 6], reranker.Seen[0].SegmentStarts);
    }

    [Fact]
    public void Video_to_video_excludes_the_query_video_and_approximate_index_agrees()
    {
        var exact = new Searcher(_store);
        var similar = exact.SearchSimilar(_beach, new SearchOptions { K = 5 });
        Assert.DoesNotContain(similar.Videos, v => v.VideoId == _beach);
        Assert.Equal(2, similar.Videos.Count);
        Assert.Throws<VidSearchException>(() => exact.VideoVector(999));

        var ivf = new Searcher(_store, new SearcherOptions { Index = VectorIndexChoice.Ivf });
        Assert.Equal("ivf", ivf.IndexKind);
        Assert.True(File.Exists(_store.AnnIndexPath));
        var hnsw = new Searcher(_store, new SearcherOptions { Index = VectorIndexChoice.Hnsw });
        Assert.Equal("hnsw", hnsw.IndexKind);
        Assert.True(File.Exists(VectorIndexFactory.CachePath(_store.AnnIndexPath, "hnsw")));
        var query = Mix(2);
        var expected = exact.Search(query).Videos.Select(v => v.VideoId).ToList();
        Assert.Equal(expected, ivf.Search(query, new SearchOptions { Vector = new VectorSearchOptions { Nprobe = 1000 } }).Videos.Select(v => v.VideoId));
        Assert.Equal(expected, hnsw.Search(query, new SearchOptions { Vector = new VectorSearchOptions { Ef = 1000 } }).Videos.Select(v => v.VideoId));
    }

    [Fact]
    public void Bad_queries_and_options_are_clear_errors()
    {
        var searcher = new Searcher(_store);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => searcher.Search(new float[4])).Kind);
        Assert.Throws<VidSearchException>(() => searcher.Search(new float[Dim]));
        Assert.Throws<VidSearchException>(() => searcher.Search(Mix(0), new SearchOptions { K = 0 }));
        var nan = Mix(0);
        nan[1] = float.NaN;
        Assert.Throws<VidSearchException>(() => searcher.Search(nan));
    }

    [Fact]
    public void Empty_collection_answers_with_no_results()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("e.db"), new CollectionInfo("m", PreprocessConfig.Clip(), Dim, VectorStorageType.Int8));
        Assert.Empty(new Searcher(store).Search(Mix(0)).Videos);
    }

    [Fact]
    public void Caption_bank_ranks_captions_for_a_video_vector()
    {
        var bank = new CaptionBank(["a dog", "a kitchen", "a car"], new EmbeddingMatrix([.. Mix(0), .. Mix(2), .. Mix(3)], 3, Dim));
        var searcher = new Searcher(_store);
        var top = bank.Rank(searcher.VideoVector(_kitchen), 2);
        Assert.Equal("a kitchen", top[0].Text);
        Assert.Throws<VidSearchException>(() => new CaptionBank(["x"], new EmbeddingMatrix(2, Dim)));
        Assert.Throws<VidSearchException>(() => new CaptionBank([], new EmbeddingMatrix(0, Dim)));
    }

    private sealed class ReverseReranker : IReranker
    {
        public List<RerankCandidate> Seen { get; } = [];

        public IReadOnlyList<double> Rescore(ReadOnlySpan<float> query, IReadOnlyList<RerankCandidate> candidates)
        {
            Seen.AddRange(candidates);
            return candidates.Select((c, i) => (double)i).ToList();
        }
    }
}
