using VidSearch.Core;
using VidSearch.Eval.Caching;
using VidSearch.TestSupport;
using static VidSearch.Eval.Tests.Frames;

namespace VidSearch.Eval.Tests;

public class EmbeddingCacheTests
{
    private static readonly CacheKey Key = new("tiny-clip@abc123", "1fps-max12", "0011223344556677");

    [Fact]
    public void RoundTripsFramesTimestampsMasksAndTexts()
    {
        using var dir = new TempDirectory();
        var cache = EmbeddingCache.Open(dir.Path, Key);
        Assert.Equal(0, cache.VideoCount);
        var frames = new FrameEmbeddings(Of([1f, 2f, 3f], [4f, 5f, 6f]).Frames, [0.5, 1.5], [true, false]);
        cache.PutVideo("v1", frames);
        cache.PutText("a red circle", [0.1f, 0.2f, 0.3f]);
        cache.Save();
        Assert.False(cache.IsDirty);

        var reopened = EmbeddingCache.Open(dir.Path, Key);
        Assert.Equal((1, 1, 3), (reopened.VideoCount, reopened.TextCount, reopened.Dim));
        Assert.True(reopened.TryGetVideo("v1", out var back));
        Assert.Equal(frames.Frames.Data, back.Frames.Data);
        Assert.Equal([0.5, 1.5], back.Timestamps);
        Assert.Equal([true, false], back.Mask);
        Assert.True(reopened.TryGetText("a red circle", out var text));
        Assert.Equal([0.1f, 0.2f, 0.3f], text);
        Assert.False(reopened.TryGetText("other", out _));
    }

    [Fact]
    public void DifferentKeysUseDifferentFiles()
    {
        using var dir = new TempDirectory();
        var cache = EmbeddingCache.Open(dir.Path, Key);
        cache.PutText("x", [1f]);
        cache.Save();
        var other = EmbeddingCache.Open(dir.Path, Key with { Sampling = "2fps" });
        Assert.Equal(0, other.TextCount);
        Assert.NotEqual(cache.IndexPath, other.IndexPath);
    }

    [Fact]
    public void TruncatedOrForeignFilesAreClearErrors()
    {
        using var dir = new TempDirectory();
        var cache = EmbeddingCache.Open(dir.Path, Key);
        cache.PutText("x", [1f, 2f]);
        cache.Save();
        File.WriteAllBytes(cache.DataPath, File.ReadAllBytes(cache.DataPath)[..6]);
        var e = Assert.Throws<VidSearchException>(() => EmbeddingCache.Open(dir.Path, Key));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.Contains("truncated", e.Cause);

        File.WriteAllText(cache.IndexPath, File.ReadAllText(cache.IndexPath).Replace("tiny-clip@abc123", "other-model", StringComparison.Ordinal));
        Assert.Equal(ErrorKind.Incompatible, Assert.Throws<VidSearchException>(() => EmbeddingCache.Open(dir.Path, Key)).Kind);

        File.WriteAllText(cache.IndexPath, "{not json");
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => EmbeddingCache.Open(dir.Path, Key)).Kind);
    }

    [Fact]
    public void DimensionMismatchIsRejected()
    {
        using var dir = new TempDirectory();
        var cache = EmbeddingCache.Open(dir.Path, Key);
        cache.PutText("x", [1f, 2f]);
        Assert.Equal(ErrorKind.Incompatible, Assert.Throws<VidSearchException>(() => cache.PutText("y", [1f])).Kind);
        Assert.Throws<VidSearchException>(() => cache.PutVideo("v", new FrameEmbeddings(new EmbeddingMatrix(1, 2), [0, 1], [true])));
    }
}
