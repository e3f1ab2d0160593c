using VidSearch.Core;
using VidSearch.Index.CrashHelper;
using VidSearch.Index.Indexing;
using VidSearch.Index.Storage;
using VidSearch.Index.Vectors;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.Indexing;

public sealed class IndexerTests
{
    private const int Dim = 16;
    private static readonly CollectionInfo Info = new("fake-model", PreprocessConfig.Clip(), Dim, VectorStorageType.Float32);

    private static void WriteVideos(string folder, int count, string prefix = "v")
    {
        Directory.CreateDirectory(folder);
        for (int i = 0; i < count; i++)
        {
            File.WriteAllText(Path.Combine(folder, $"{prefix}{i:D2}.mp4"), $"video {prefix} {i}");
        }
    }

    [Fact]
    public void First_run_indexes_all_then_second_run_does_nothing()
    {
        using var dir = new TempDirectory();
        string videos = Path.Combine(dir.Path, "videos");
        WriteVideos(videos, 5);
        File.WriteAllText(Path.Combine(videos, "broken.mp4"), "BAD data");
        File.WriteAllText(Path.Combine(videos, "notes.txt"), "not a video");
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        var embedder = new FakeVideoEmbedder(Dim);
        var progress = new List<WorkProgress>();
        var report = new Indexer(store, embedder).Run([videos], new SyncProgress(progress.Add));

        Assert.Equal((6, 5, 0, 1), (report.Found, report.Added, report.Unchanged, report.Failures.Count));
        Assert.EndsWith("broken.mp4", report.Failures[0].Path);
        Assert.Contains("not a video", report.Failures[0].Reason);
        Assert.Equal(VideoStatus.Failed, store.FindVideo(Path.Combine(videos, "broken.mp4"))!.Status);
        Assert.Equal(5, store.SegmentCount(SegmentKind.Video));
        Assert.True(store.SegmentCount(SegmentKind.Frame) == 2 * store.SegmentCount(SegmentKind.Segment));
        Assert.Contains(progress, p => p.Task == "index" && p.Done == 6 && p.Total == 6 && p.Unit == "videos");
        Assert.Contains(progress, p => p.Task == "encode" && p.Unit == "frames" && p.Done == report.FramesEncoded && p.Done > 0);
        Assert.Empty(store.CheckConsistency());

        var again = new Indexer(store, embedder).Run([videos]);
        Assert.Equal((0, 5, 1), (again.Added, again.Unchanged, again.SkippedFailed));
        Assert.Equal(6, embedder.Calls);

        var retry = new Indexer(store, embedder, new IndexOptions { RetryFailed = true }).Run([videos]);
        Assert.Single(retry.Failures);
        Assert.Equal(7, embedder.Calls);
    }

    [Fact]
    public void Changed_touched_and_deleted_files_are_handled_incrementally()
    {
        using var dir = new TempDirectory();
        string videos = Path.Combine(dir.Path, "videos");
        string other = Path.Combine(dir.Path, "other");
        WriteVideos(videos, 4);
        WriteVideos(other, 2, "o");
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        var embedder = new FakeVideoEmbedder(Dim);
        new Indexer(store, embedder).Run([videos, other]);
        Assert.Equal(6, embedder.Calls);

        string changed = Path.Combine(videos, "v01.mp4");
        string touched = Path.Combine(videos, "v02.mp4");
        File.WriteAllText(changed, "new content");
        File.SetLastWriteTimeUtc(touched, DateTime.UtcNow.AddMinutes(5));
        File.Delete(Path.Combine(videos, "v03.mp4"));
        string oldHash = store.FindVideo(changed)!.ContentHash!;

        var report = new Indexer(store, embedder).Run([videos]);
        Assert.Equal((1, 2, 1), (report.Updated, report.Unchanged, report.Removed));
        Assert.Equal(7, embedder.Calls);
        Assert.NotEqual(oldHash, store.FindVideo(changed)!.ContentHash);
        Assert.Equal(new FileInfo(touched).LastWriteTimeUtc.Ticks, store.FindVideo(touched)!.ModifiedTicks);
        Assert.Null(store.FindVideo(Path.Combine(videos, "v03.mp4")));
        Assert.NotNull(store.FindVideo(Path.Combine(other, "o00.mp4")));
        Assert.Equal(5, store.Videos().Count);
        Assert.Empty(store.CheckConsistency());
    }

    [Fact]
    public void Cancelled_run_resumes_without_redoing_finished_videos()
    {
        using var dir = new TempDirectory();
        WriteVideos(dir.Path, 8);
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        var embedder = new FakeVideoEmbedder(Dim);
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Task == "index" && p.Done == 3)
            {
                cancel.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => new Indexer(store, embedder).Run([dir.Path], progress, cancel.Token));
        Assert.Equal(3, store.Videos().Count);
        Assert.Empty(store.CheckConsistency());

        var report = new Indexer(store, embedder).Run([dir.Path]);
        Assert.Equal((5, 3), (report.Added, report.Unchanged));
        Assert.Equal(8, embedder.Calls);
    }

    [Fact]
    public void Concurrent_embedding_stores_the_same_collection()
    {
        using var dir = new TempDirectory();
        WriteVideos(dir.Path, 12);
        using var sequential = CollectionStore.OpenOrCreate(dir.File("a.db"), Info);
        using var parallel = CollectionStore.OpenOrCreate(dir.File("b.db"), Info);
        new Indexer(sequential, new FakeVideoEmbedder(Dim)).Run([dir.Path]);
        var report = new Indexer(parallel, new FakeVideoEmbedder(Dim, TimeSpan.FromMilliseconds(5)), new IndexOptions { EmbedConcurrency = 3 }).Run([dir.Path]);
        Assert.Equal(12, report.Added);
        foreach (var video in sequential.Videos())
        {
            var a = sequential.LoadSegments(SegmentKind.Segment, video.Id);
            var b = parallel.LoadSegments(SegmentKind.Segment, parallel.FindVideo(video.Path)!.Id);
            Assert.Equal(a.Starts, b.Starts);
            Assert.Equal(a.Vectors.Get(0), b.Vectors.Get(0));
        }
    }

    [Fact]
    public void Text_channels_and_embedder_mistakes_are_stored_or_reported()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("surf.mp4"), "surf");
        File.WriteAllText(dir.File("surf.json"), """{"title": "Big wave surfing"}""");
        File.WriteAllText(dir.File("odd.mp4"), "odd");
        File.WriteAllText(dir.File("odd.json"), "{broken");
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        var report = new Indexer(store, new FakeVideoEmbedder(Dim)).Run([dir.Path]);
        Assert.Equal(2, report.Added);
        Assert.Single(report.Warnings);
        Assert.Contains("odd.json", report.Warnings[0]);
        var hit = Assert.Single(store.SearchText("wave", 5));
        Assert.Equal(store.FindVideo(dir.File("surf.mp4"))!.Id, hit.VideoId);

        using var other = CollectionStore.OpenOrCreate(dir.File("d.db"), Info with { EmbeddingDim = 8 });
        var wrong = new Indexer(other, new FakeVideoEmbedder(Dim)).Run([dir.File("surf.mp4")]);
        Assert.Contains("dimensions", Assert.Single(wrong.Failures).Reason);
    }

    [Fact]
    public void Bad_inputs_and_options_are_clear_errors()
    {
        using var dir = new TempDirectory();
        using var store = CollectionStore.OpenOrCreate(dir.File("c.db"), Info);
        var indexer = new Indexer(store, new FakeVideoEmbedder(Dim));
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => indexer.Run([dir.File("missing")])).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => indexer.Run([])).Kind);
        Assert.Throws<VidSearchException>(() => new Indexer(store, new FakeVideoEmbedder(Dim), new IndexOptions { EmbedConcurrency = 0 }).Run([dir.Path]));
    }

    internal sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }

    [Fact]
    public void New_files_are_hashed_by_the_embedding_workers_and_their_hashes_stored()
    {
        using var dir = new TempDirectory();
        WriteVideos(dir.Path, 4);
        string first = dir.File("v00.mp4"), second = dir.File("v01.mp4");

        // One job: the files go in path order. Embedding v00 rewrites v01; its stored hash is that of the new
        // content only if v01 is hashed when its turn comes, not by the check of every file before the first embedding.
        var rewriting = new CallbackEmbedder(new FakeVideoEmbedder(Dim), path =>
        {
            if (path == first)
            {
                File.WriteAllText(second, "rewritten while v00 was embedded");
            }
        });
        using var store = CollectionStore.OpenOrCreate(dir.File("a.db"), Info);
        Assert.Equal(4, new Indexer(store, rewriting).Run([dir.Path]).Added);
        Assert.All(Directory.GetFiles(dir.Path, "*.mp4"), f => Assert.Equal(Sha256(f), store.FindVideo(f)!.ContentHash));
        Assert.Equal(4, new Indexer(store, rewriting).Run([dir.Path]).Unchanged);

        // Several jobs, and a failure: hashes stored for the embedded and the failed file alike.
        File.WriteAllText(dir.File("v04.mp4"), "BAD video");
        using var parallel = CollectionStore.OpenOrCreate(dir.File("b.db"), Info);
        var report = new Indexer(parallel, new FakeVideoEmbedder(Dim, TimeSpan.FromMilliseconds(5)), new IndexOptions { EmbedConcurrency = 3 }).Run([dir.Path]);
        Assert.Equal((4, 1), (report.Added, report.Failures.Count));
        Assert.All(Directory.GetFiles(dir.Path, "*.mp4"), f => Assert.Equal(Sha256(f), parallel.FindVideo(f)!.ContentHash));
        Assert.Empty(parallel.CheckConsistency());
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Runs a callback with the path before each embedding.</summary>
    private sealed class CallbackEmbedder(IVideoEmbedder inner, Action<string> before) : IVideoEmbedder
    {
        public VideoEmbedding Embed(string path, CancellationToken cancellationToken)
        {
            before(path);
            return inner.Embed(path, cancellationToken);
        }
    }
}
