using VidSearch.Core;
using VidSearch.Synthetic.Manifest;
using VidSearch.TestSupport;

namespace VidSearch.Synthetic.Tests;

public class ManifestTests
{
    [Fact]
    public void Rows_round_trip_in_the_spec_format()
    {
        using var dir = new TempDirectory();
        var row = new ManifestRow
        {
            Id = "s000123",
            Video = "videos/s000123.mp4",
            Split = "test",
            Captions = ["a large red circle moves to the left", "the red circle slides left"],
            Label = "moving left",
            Events = [new ManifestEvent { Label = "moving left", Start = 0.5, End = 2.25, Caption = "a large red circle moves to the left" }],
            Group = "pair-0061",
            Choices = ["a", "b", "c", "d", "e"],
            Answer = 3,
        };
        ManifestWriter.Write(dir.Path, [row, new ManifestRow { Id = "p1", Image = "images/p1.png", Split = "train", Captions = ["a small blue square"] }]);
        string[] lines = File.ReadAllLines(dir.File("manifest.jsonl"));
        Assert.Equal(
            """{"id":"s000123","video":"videos/s000123.mp4","split":"test","captions":["a large red circle moves to the left","the red circle slides left"],"label":"moving left","events":[{"label":"moving left","start":0.5,"end":2.25,"caption":"a large red circle moves to the left"}],"group":"pair-0061","choices":["a","b","c","d","e"],"answer":3}""",
            lines[0]);
        Assert.Equal("""{"id":"p1","image":"images/p1.png","split":"train","captions":["a small blue square"]}""", lines[1]);

        var dataset = ManifestReader.Read(dir.Path);
        Assert.Equal(2, dataset.Rows.Count);
        var back = dataset.Rows[0];
        Assert.Equal(row.Captions, back.Captions);
        Assert.Equal(row.Events, back.Events);
        Assert.Equal((row.Id, row.Video, row.Split, row.Label, row.Group, row.Answer), (back.Id, back.Video, back.Split, back.Label, back.Group, back.Answer));
        Assert.Equal(Path.Combine(dir.Path, "images", "p1.png"), dataset.MediaPath(dataset.Rows[1]));
    }

    [Fact]
    public void Unknown_keys_and_blank_lines_are_ignored()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("manifest.jsonl"), "{\"id\":\"a\",\"video\":\"a.mp4\",\"split\":\"train\",\"fps\":30,\"extra\":{\"x\":1}}\n\n");
        var dataset = ManifestReader.Read(dir.File("manifest.jsonl"));
        Assert.Equal("a", Assert.Single(dataset.Rows).Id);
    }

    [Theory]
    [InlineData("{\"video\":\"a.mp4\",\"split\":\"train\"}", ":1", "id")]
    [InlineData("{\"id\":\"a\",\"split\":\"train\"}", ":1", "neither 'video' nor 'image'")]
    [InlineData("{\"id\":\"a\",\"video\":\"a.mp4\"}", ":1", "split")]
    [InlineData("{\"id\":\"a\",\"video\":\"a.mp4\",\"split\":\"train\"}\n{\"id\":\"a\",\"video\":\"b.mp4\",\"split\":\"test\"}", ":2", "appears twice")]
    [InlineData("{\"id\":\"a\",\"video\":\"a.mp4\",\"split\":\"test\",\"choices\":[\"x\",\"y\"],\"answer\":2}", ":1", "answer")]
    [InlineData("{\"id\":\"a\",\"video\":\"a.mp4\",\"split\":\"test\",\"events\":[{\"label\":\"x\",\"start\":2,\"end\":1}]}", ":1", "start < end")]
    [InlineData("{\"id\":\"a\",\"video\":", ":1", "not a valid manifest row")]
    [InlineData("null", ":1", "null")]
    [InlineData("{\"id\":\"a\",\"video\":\"a.mp4\",\"split\":\"train\",\"frames\":4}", ":1", "'frames'")]
    [InlineData("{\"id\":\"a\",\"image\":\"a.png\",\"split\":\"train\",\"frames\":0}", ":1", "'frames'")]
    public void Bad_rows_name_the_file_line_and_cause(string content, string line, string cause)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("manifest.jsonl"), content + "\n");
        var error = Assert.Throws<VidSearchException>(() => ManifestReader.Read(dir.Path));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.EndsWith("manifest.jsonl" + line, error.Subject);
        Assert.Contains(cause, error.Message);
    }

    [Fact]
    public void Missing_and_empty_manifests_are_clear_errors()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ManifestReader.Read(dir.Path)).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ManifestReader.Read(dir.File("nope.jsonl"))).Kind);
        File.WriteAllText(dir.File("manifest.jsonl"), "\n");
        Assert.Contains("no rows", Assert.Throws<VidSearchException>(() => ManifestReader.Read(dir.Path)).Message);
    }
}
