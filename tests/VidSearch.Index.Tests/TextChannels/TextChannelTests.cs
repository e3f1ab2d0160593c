using VidSearch.Core;
using VidSearch.Index.Storage;
using VidSearch.Index.TextChannels;
using VidSearch.TestSupport;

namespace VidSearch.Index.Tests.TextChannels;

public sealed class TextChannelTests
{
    [Fact]
    public void Parses_srt_with_markup_and_multiline_cues()
    {
        const string srt = "\uFEFF1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hello</i> there\r\nworld\r\n\r\n2\r\n00:01:02,040 --> 00:01:03,000\r\n{\\an8}Second &amp; last\r\n";
        var cues = SubtitleParser.Parse(srt, "a.srt", webVtt: false);
        Assert.Equal(2, cues.Count);
        Assert.Equal(new SubtitleCue(1.0, 2.5, "Hello there world"), cues[0]);
        Assert.Equal(62.04, cues[1].Start, 6);
        Assert.Equal("Second & last", cues[1].Text);
    }

    [Fact]
    public void Parses_vtt_with_header_notes_identifiers_and_settings()
    {
        const string vtt = "WEBVTT - title\n\nNOTE a comment\nspanning lines\n\nintro\n00:01.000 --> 00:04.000 align:start\n<v Roger>Never drink <b>liquid</b> nitrogen.\n\n01:00:00.500 --> 01:00:01.000\nLate\n";
        var cues = SubtitleParser.Parse(vtt, "a.vtt", webVtt: true);
        Assert.Equal(2, cues.Count);
        Assert.Equal("Never drink liquid nitrogen.", cues[0].Text);
        Assert.Equal(3600.5, cues[1].Start, 6);
    }

    [Theory]
    [InlineData("1\n00:00:01,000 -> 00:00:02,000\nx\n", false)]
    [InlineData("1\n00:00:03,000 --> 00:00:02,000\nx\n", false)]
    [InlineData("1\n00:99:01,000 --> 00:99:02,000\nx\n", false)]
    [InlineData("00:01.000 --> 00:02.000\nx\n", true)]
    public void Malformed_subtitles_are_clear_errors(string text, bool webVtt)
    {
        var e = Assert.Throws<VidSearchException>(() => SubtitleParser.Parse(text, "bad.sub", webVtt));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.StartsWith("bad.sub: ", e.Message);
    }

    [Fact]
    public void Sidecar_json_gives_title_tags_and_description()
    {
        var entries = VideoTextReader.ParseSidecar("""{"title": "Surfing in Bali", "tags": ["surf", "ocean"], "description": "waves", "other": 3}""", "v.json");
        Assert.Contains(new TextEntry(TextChannel.Title, "Surfing in Bali"), entries);
        Assert.Contains(new TextEntry(TextChannel.Tags, "surf, ocean"), entries);
        Assert.Contains(new TextEntry(TextChannel.Description, "waves"), entries);
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => VideoTextReader.ParseSidecar("{\"title\": ", "v.json")).Kind);
        Assert.Throws<VidSearchException>(() => VideoTextReader.ParseSidecar("[1]", "v.json"));
        Assert.Throws<VidSearchException>(() => VideoTextReader.ParseSidecar("{\"title\": 5}", "v.json"));
    }

    [Fact]
    public void Reads_every_channel_beside_a_video_and_reports_bad_files_as_warnings()
    {
        using var dir = new TempDirectory();
        string video = dir.File("my_holiday-2019.mp4");
        File.WriteAllText(video, "x");
        File.WriteAllText(dir.File("my_holiday-2019.json"), """{"title": "Holiday", "tags": "beach, sun"}""");
        File.WriteAllText(dir.File("my_holiday-2019.en.srt"), "1\n00:00:01,000 --> 00:00:02,000\nLook at the waves\n");
        File.WriteAllText(dir.File("my_holiday-2019.vtt"), "not webvtt");
        File.WriteAllText(dir.File("my_holiday-2019.extra.en.srt"), "ignored: another stem");
        var text = VideoTextReader.Read(video);
        Assert.Contains(new TextEntry(TextChannel.FileName, "my holiday 2019"), text.Entries);
        Assert.Contains(new TextEntry(TextChannel.Title, "Holiday"), text.Entries);
        Assert.Contains(new TextEntry(TextChannel.Tags, "beach, sun"), text.Entries);
        Assert.Contains(new TextEntry(TextChannel.Subtitles, "Look at the waves"), text.Entries);
        Assert.Single(text.Warnings);
        Assert.Contains("WEBVTT", text.Warnings[0]);
    }
}
