using VidSearch.Retrieval.Video;
using VidSearch.TestSupport;

namespace VidSearch.Retrieval.Tests;

public sealed class FrameCacheTests
{
    [Fact]
    public void Frames_round_trip_and_a_changed_video_or_setting_is_a_miss()
    {
        using var dir = new TempDirectory();
        string video = Path.Combine(dir.Path, "clip.mp4");
        File.WriteAllBytes(video, [1, 2, 3]);
        var cache = new FrameCache(Path.Combine(dir.Path, "cache"), "uniform:4|32");
        Assert.Null(cache.TryRead(video, 6));

        float[] pixels = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        bool[] mask = [true, false];
        cache.Write(video, pixels, mask);
        var hit = cache.TryRead(video, 6);
        Assert.NotNull(hit);
        Assert.Equal(pixels, hit.Value.Pixels);
        Assert.Equal(mask, hit.Value.Mask);
        Assert.Null(cache.TryRead(video, 12)); // another image size
        Assert.Null(new FrameCache(Path.Combine(dir.Path, "cache"), "uniform:8|32").TryRead(video, 6));

        File.WriteAllBytes(video, [1, 2, 3, 4]); // the video changed
        Assert.Null(cache.TryRead(video, 6));
    }

    [Fact]
    public void A_truncated_or_foreign_cache_file_is_ignored()
    {
        using var dir = new TempDirectory();
        string video = Path.Combine(dir.Path, "clip.mp4");
        File.WriteAllBytes(video, [1]);
        var cache = new FrameCache(Path.Combine(dir.Path, "cache"), "s");
        cache.Write(video, [1, 2, 3, 4], [true]);
        string file = cache.PathFor(video);
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..^3]);
        Assert.Null(cache.TryRead(video, 4));
        File.WriteAllText(file, "not a cache file at all");
        Assert.Null(cache.TryRead(video, 4));
    }
}
