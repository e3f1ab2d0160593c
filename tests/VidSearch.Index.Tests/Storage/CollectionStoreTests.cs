using Microsoft.Data.Sqlite;
using VidSearch.Core;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Storage;

public sealed class CollectionStoreTests
{
    private static readonly CollectionInfo Info = new("clip-b32@abc", PreprocessConfig.Clip(), 8, VectorStorageType.Float32);

    internal static float[] Unit(int dim, int hot) => Enumerable.Range(0, dim).Select(i => i == hot ? 1f : 0f).ToArray();

    [Fact]
    public void Creates_reopens_and_keeps_model_and_preprocessing()
    {
        using var dir = new TempDirectory();
        string path = dir.File("c.db");
        using (CollectionStore.OpenOrCreate(path, Info with { Preprocess = PreprocessConfig.Clip(336) }))
        {
        }

        using var store = CollectionStore.Open(path);
        Assert.Equal("clip-b32@abc", store.Info.ModelId);
        Assert.Equal(336, store.Info.Preprocess.ImageSize);
        Assert.Equal(PreprocessConfig.ClipMean, store.Info.Preprocess.Mean);
        Assert.Equal(8, store.Info.EmbeddingDim);
        using var check = new SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var command = check.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    [Fact]
    public void Refuses_another_model_dimension_or_storage_and_says_to_reindex()
    {
        using var dir = new TempDirectory();
        string path = dir.File("c.db");
        CollectionStore.OpenOrCreate(path, Info).Dispose();
        var e = Assert.Throws<VidSearchException>(() => CollectionStore.OpenOrCreate(path, Info with { ModelId = "other" }));
        Assert.Equal(ErrorKind.Incompatible, e.Kind);
        Assert.Contains("reindex", e.Message);
        Assert.Equal(ErrorKind.Incompatible, Assert.Throws<VidSearchException>(() => CollectionStore.OpenOrCreate(path, Info with { EmbeddingDim = 16 })).Kind);
        Assert.Equal(ErrorKind.Incompatible, Assert.Throws<VidSearchException>(() => CollectionStore.OpenOrCreate(path, Info with { Storage = VectorStorageType.Int8 })).Kind);
        Assert.Equal(ErrorKind.Incompatible, Assert.Throws<VidSearchException>(() => CollectionStore.OpenOrCreate(path, Info with { Preprocess = PreprocessConfig.Clip(336) })).Kind);
        using var store = CollectionStore.Open(path);
        Assert.Equal(ErrorKind.Incompatible, Assert.Throws<VidSearchException>(() => store.EnsureModel("other")).Kind);
    }

    [Fact]
    public void Refuses_a_newer_schema_version()
    {
        using var dir = new TempDirectory();
        string path = dir.File("c.db");
        CollectionStore.OpenOrCreate(path, Info).Dispose();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE schema_version SET version = 99";
            command.ExecuteNonQuery();
        }

        var e = Assert.Throws<VidSearchException>(() => CollectionStore.Open(path));
        Assert.Equal(ErrorKind.Incompatible, e.Kind);
        Assert.Contains("99", e.Message);
    }

    [Fact]
    public void Missing_garbage_and_foreign_databases_are_clear_errors()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => CollectionStore.Open(dir.File("none.db"))).Kind);
        File.WriteAllText(dir.File("garbage.db"), "this is not a database, just some text that is long enough to look like a header");
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => CollectionStore.Open(dir.File("garbage.db"))).Kind);
        using (var connection = new SqliteConnection($"Data Source={dir.File("other.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE t(x)";
            command.ExecuteNonQuery();
        }

        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => CollectionStore.Open(dir.File("other.db"))).Kind);
        Assert.Throws<VidSearchException>(() => CollectionStore.OpenOrCreate(dir.File("x.db"), Info with { ModelId = " " }));
    }

    [Fact]
    public void Saves_replaces_and_deletes_videos_with_segments_and_text()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        long generation = store.VectorsGeneration;
        var identity = new FileIdentity(10, 20, "h1");
        long id = store.SaveVideo("/v/a.mp4", identity, 4.0,
            [new SegmentRecord(0, 2, SegmentKind.Segment, Unit(8, 0)), new SegmentRecord(2, 4, SegmentKind.Segment, Unit(8, 1)), new SegmentRecord(0, 4, SegmentKind.Video, Unit(8, 2))],
            [new TextEntry(TextChannel.Title, "A dog on the beach"), new TextEntry(TextChannel.FileName, "a")]);
        Assert.True(store.VectorsGeneration > generation);
        Assert.Equal(2, store.SegmentCount(SegmentKind.Segment));
        var video = store.FindVideo("/v/a.mp4")!;
        Assert.Equal((id, "h1", VideoStatus.Done, 4.0), (video.Id, video.ContentHash, video.Status, video.Duration));
        var table = store.LoadSegments(SegmentKind.Segment);
        Assert.Equal([0.0, 2.0], table.Starts);
        Assert.Equal(Unit(8, 1), table.Vectors.Get(1));
        Assert.Equal("A dog on the beach", store.TextOf(id)[TextChannel.Title]);
        Assert.Single(store.SearchText("dog", 10));

        long id2 = store.SaveVideo("/v/a.mp4", identity with { ContentHash = "h2" }, 2.0, [new SegmentRecord(0, 2, SegmentKind.Segment, Unit(8, 3))], []);
        Assert.Single(store.Videos());
        Assert.Equal(1, store.SegmentCount());
        Assert.Empty(store.SearchText("dog", 10));
        Assert.Empty(store.CheckConsistency());

        store.SaveFailure("/v/a.mp4", identity, "corrupt");
        Assert.Equal(VideoStatus.Failed, store.FindVideo("/v/a.mp4")!.Status);
        Assert.Equal(0, store.SegmentCount());
        Assert.True(store.DeleteVideo("/v/a.mp4"));
        Assert.False(store.DeleteVideo("/v/a.mp4"));
        Assert.Empty(store.Videos());
        Assert.Empty(store.CheckConsistency());
        Assert.NotEqual(id, id2 + 1000);
    }

    [Fact]
    public void Rejects_vectors_of_the_wrong_dimension_and_bad_time_ranges()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        var identity = new FileIdentity(1, 1, "h");
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => store.SaveVideo("/a", identity, 1, [new SegmentRecord(0, 1, SegmentKind.Segment, new float[4])], [])).Kind);
        Assert.Throws<VidSearchException>(() => store.SaveVideo("/a", identity, 1, [new SegmentRecord(2, 1, SegmentKind.Segment, Unit(8, 0))], []));
        Assert.Empty(store.Videos());
    }

    [Theory]
    [InlineData(VectorStorageType.Float16)]
    [InlineData(VectorStorageType.Int8)]
    public void Compact_storage_types_round_trip_through_the_database(VectorStorageType type)
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info with { Storage = type });
        var v = VectorMath.Normalized([0.1f, -0.5f, 0.3f, 0.2f, 0.9f, -0.1f, 0f, 0.4f]);
        store.SaveVideo("/a", new FileIdentity(1, 1, "h"), 1, [new SegmentRecord(0, 1, SegmentKind.Segment, v)], []);
        var back = store.LoadSegments(SegmentKind.Segment).Vectors.Get(0);
        for (int i = 0; i < 8; i++)
        {
            Assert.InRange(back[i] - v[i], -0.01, 0.01);
        }
    }

    [Fact]
    public void Text_search_treats_fts_syntax_as_words_and_ranks_by_bm25()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        var identity = new FileIdentity(1, 1, "h");
        long a = store.SaveVideo("/a", identity, 1, [new SegmentRecord(0, 1, SegmentKind.Segment, Unit(8, 0))], [new TextEntry(TextChannel.Subtitles, "the cat sat on the cat mat with another cat")]);
        long b = store.SaveVideo("/b", identity, 1, [new SegmentRecord(0, 1, SegmentKind.Segment, Unit(8, 0))], [new TextEntry(TextChannel.Subtitles, "a dog and a cat and a long list of many other unrelated words here")]);
        var hits = store.SearchText("cat\" OR NEAR(", 10);
        Assert.Equal([a, b], hits.Select(h => h.VideoId));
        Assert.True(hits[0].Score > hits[1].Score);
        Assert.Empty(store.SearchText("  ?! ", 10));
        Assert.Equal("\"a\" OR \"b\"", FtsQuery.FromPlainText("a* b:"));
    }
}
