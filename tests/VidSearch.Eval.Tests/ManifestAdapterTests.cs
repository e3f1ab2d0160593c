using VidSearch.Core;
using VidSearch.Eval.Datasets;
using VidSearch.TestSupport;

namespace VidSearch.Eval.Tests;

public class ManifestAdapterTests
{
    internal static void WriteManifest(TempDirectory dir, params string[] lines)
        => File.WriteAllLines(dir.File(ManifestAdapter.FileName), lines);

    internal static void Touch(TempDirectory dir, string relative)
    {
        string path = Path.Combine(dir.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0]);
    }

    [Fact]
    public void ReadsEveryKeyIgnoresUnknownOnesAndCountsMissingVideos()
    {
        using var dir = new TempDirectory();
        Touch(dir, "videos/a.mp4");
        WriteManifest(dir,
            """{"id": "a", "video": "videos/a.mp4", "split": "test", "captions": ["a red circle moves left", "the red circle slides left"], "label": "moving left", "events": [{"label": "moving left", "start": 0.5, "end": 2.25, "caption": "x"}], "group": "pair-1", "choices": ["c0", "c1", "c2"], "answer": 2, "fonts": {"nested": [1, 2]}}""",
            "",
            """{"id": "b", "video": "videos/b.mp4", "split": "train", "captions": ["a blue square grows"]}""",
            """{"id": "img", "image": "images/i.png", "split": "train", "captions": ["a large red circle"]}""");
        var ds = new ManifestAdapter().Load(dir.Path);
        Assert.Equal(2, ds.Videos.Count);
        var a = ds.Videos[0];
        Assert.True(a.Exists);
        Assert.Equal(Path.Combine(dir.Path, "videos", "a.mp4"), a.Path);
        Assert.Equal("moving left", a.Label);
        Assert.Equal(new TimedEvent("moving left", 0.5, 2.25, "x"), Assert.Single(a.Events));
        Assert.Equal("pair-1", a.Group);
        Assert.Equal(["c0", "c1", "c2"], a.Choices);
        Assert.Equal(2, a.Answer);
        Assert.Equal(3, ds.Captions.Count);
        Assert.Equal(2, ds.CaptionsByVideo["a"].Count());
        Assert.Equal(["b"], ds.MissingVideos);
        Assert.Equal(["test", "train"], ds.Splits);
        Assert.Equal(["moving left"], ds.ClassNames);
        Assert.Single(ds.VideosOf("test"));
        Assert.Empty(ds.VideosOf("train"));
        Assert.Single(ds.VideosOf("train", existingOnly: false));
    }

    [Fact]
    public void HashChangesWithAnnotationsOnly()
    {
        using var one = new TempDirectory();
        using var two = new TempDirectory();
        WriteManifest(one, """{"id": "a", "video": "a.mp4", "split": "test", "captions": ["x"]}""");
        WriteManifest(two, """{"id": "a", "video": "a.mp4", "split": "test", "captions": ["x"], "extra": 1}""");
        string h1 = new ManifestAdapter().Load(one.Path).Hash;
        Assert.Equal(h1, new ManifestAdapter().Load(two.Path).Hash);
        WriteManifest(two, """{"id": "a", "video": "a.mp4", "split": "test", "captions": ["y"]}""");
        Assert.NotEqual(h1, new ManifestAdapter().Load(two.Path).Hash);
    }

    [Theory]
    [InlineData("""{"id": "b", "video": "b.mp4"}""", "line 2", "missing required key \"split\"")]
    [InlineData("""{"id": "b", "split": "test", "video": 3}""", "line 2", "\"video\" must be a non-empty string")]
    [InlineData("""{"id": "b", "video": "b.mp4", "split": "test""", "line 2", "not valid JSON")]
    [InlineData("""[1, 2]""", "line 2", "expected a JSON object")]
    [InlineData("""{"id": "a", "video": "b.mp4", "split": "test"}""", "line 2", "duplicate id \"a\" (first on line 1)")]
    [InlineData("""{"id": "b", "video": "b.mp4", "split": "test", "choices": ["x", "y"], "answer": 2}""", "line 2", "outside the 2 choices")]
    [InlineData("""{"id": "b", "video": "b.mp4", "split": "test", "events": [{"label": "x", "start": 3, "end": 1}]}""", "line 2", "need 0 <= start < end")]
    [InlineData("""{"id": "b", "video": "b.mp4", "split": "test", "captions": "one"}""", "line 2", "\"captions\" must be an array")]
    public void MalformedLinesGiveErrorsNamingTheLine(string line, string where, string cause)
    {
        using var dir = new TempDirectory();
        WriteManifest(dir, """{"id": "a", "video": "a.mp4", "split": "test"}""", line);
        var e = Assert.Throws<VidSearchException>(() => new ManifestAdapter().Load(dir.Path));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.EndsWith(where, e.Subject);
        Assert.Contains(cause, e.Cause);
    }

    [Fact]
    public void EmptyManifestAndAbsentFolderAreClearErrors()
    {
        using var dir = new TempDirectory();
        WriteManifest(dir, "", "  ");
        Assert.Contains("empty", Assert.Throws<VidSearchException>(() => new ManifestAdapter().Load(dir.Path)).Cause);
        var e = Assert.Throws<VidSearchException>(() => new ManifestAdapter().Load(Path.Combine(dir.Path, "nope")));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
        File.Delete(dir.File(ManifestAdapter.FileName));
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => new ManifestAdapter().Load(dir.Path)).Kind);
    }

    [Fact]
    public void FormatIsDetectedAndUnknownFormatsAreNamed()
    {
        using var dir = new TempDirectory();
        WriteManifest(dir, """{"id": "a", "video": "a.mp4", "split": "test"}""");
        Assert.Equal("manifest", DatasetFormats.Detect(dir.Path).Format);
        Assert.Equal("msrvtt-1ka", DatasetFormats.Detect(dir.Path, "MSRVTT-1kA").Format);
        var e = Assert.Throws<VidSearchException>(() => DatasetFormats.Get("kinetics"));
        Assert.Contains("manifest", e.Cause);
        using var empty = new TempDirectory();
        Assert.Contains("--dataset-format", Assert.Throws<VidSearchException>(() => DatasetFormats.Detect(empty.Path)).Cause);
    }
}
