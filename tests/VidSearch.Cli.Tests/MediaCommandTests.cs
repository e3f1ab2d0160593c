using System.Text.Json;
using VidSearch.TestSupport;

namespace VidSearch.Cli.Tests;

public class MediaCommandTests
{
    private static string Msrvtt => SharedData.Real("msrvtt", "video9770.mp4");

    [Fact]
    public void Probe_prints_a_table_for_a_file()
    {
        var (code, stdout, stderr) = CliRunner.Run("probe", Msrvtt);
        Assert.True(code == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("file", lines[0]);
        Assert.Contains("11.000 s", lines[1]);
        Assert.Contains("320x240", lines[1]);
        Assert.Contains("h264", lines[1]);
    }

    [Fact]
    public void Probe_json_over_a_folder_lists_videos_and_failures_and_exits_1()
    {
        using var temp = new TempDirectory();
        File.Copy(Msrvtt, temp.File("good.mp4"));
        File.WriteAllBytes(temp.File("empty.mp4"), []);
        File.WriteAllBytes(temp.File("random.avi"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        File.WriteAllText(temp.File("notes.txt"), "not a video, and not picked up by extension");

        var (code, stdout, stderr) = CliRunner.Run("probe", temp.Path, "--json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(stdout);
        var video = Assert.Single(doc.RootElement.GetProperty("videos").EnumerateArray());
        Assert.Equal(11.0, video.GetProperty("duration").GetDouble(), 3);
        Assert.Equal(320, video.GetProperty("width").GetInt32());
        Assert.True(video.GetProperty("hasAudio").GetBoolean());
        var failures = doc.RootElement.GetProperty("failures").EnumerateArray().ToList();
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Equal("invalid_input", f.GetProperty("code").GetString()));
        Assert.Contains("2 of 3 files failed", stderr);
        Assert.Contains("empty.mp4: empty file", stderr);
        Assert.Contains("random.avi: not a readable video", stderr);
    }

    [Fact]
    public void Bench_media_probes_with_the_engine_asked_for_and_says_which()
    {
        using var temp = new TempDirectory();
        File.Copy(Msrvtt, temp.File("clip.mp4"));
        foreach (var (name, expected) in new[] { ("ffprobe", "ffprobe"), ("libavformat", "libavformat 59.") })
        {
            var (code, stdout, stderr) = CliRunner.Run("bench", "media", "--clips", temp.Path, "--minutes", "0", "--strategy", "uniform:2", "--passes", "1", "--probe", name, "--json");
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            Assert.StartsWith(expected, doc.RootElement.GetProperty("probe").GetString());
            Assert.Equal(2, Assert.Single(doc.RootElement.GetProperty("rows").EnumerateArray()).GetProperty("frames").GetInt32());
        }

        var bad = CliRunner.Run("bench", "media", "--clips", temp.Path, "--minutes", "0", "--probe", "gstreamer");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--probe: must be auto, libavformat or ffprobe, got 'gstreamer'", bad.Stderr);
    }

    [Fact]
    public void Bench_media_decodes_with_the_engine_asked_for_and_says_which()
    {
        using var temp = new TempDirectory();
        File.Copy(Msrvtt, temp.File("clip.mp4"));
        foreach (var (name, expected) in new[] { ("ffmpeg", "ffmpeg"), ("libav", "libavcodec 59.") })
        {
            var (code, stdout, stderr) = CliRunner.Run("bench", "media", "--clips", temp.Path, "--minutes", "0", "--strategy", "uniform:2", "--passes", "1", "--decode", name, "--json");
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            Assert.StartsWith(expected, doc.RootElement.GetProperty("decode").GetString());
            Assert.Equal(2, Assert.Single(doc.RootElement.GetProperty("rows").EnumerateArray()).GetProperty("frames").GetInt32());
        }

        var bad = CliRunner.Run("bench", "media", "--clips", temp.Path, "--minutes", "0", "--decode", "gstreamer");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--decode: must be auto, libav or ffmpeg, got 'gstreamer'", bad.Stderr);
    }

    [Fact]
    public void Probe_of_a_bad_file_is_one_line_naming_it_with_exit_3()
    {
        using var temp = new TempDirectory();
        string bad = temp.File("broken.mp4");
        File.WriteAllBytes(bad, File.ReadAllBytes(Msrvtt)[..1000]);
        var (code, stdout, stderr) = CliRunner.Run("probe", bad);
        Assert.Equal(3, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Trim().Split('\n'));
        Assert.StartsWith($"error: {bad}: not a readable video", line);

        var missing = CliRunner.Run("probe", temp.File("missing.mp4"));
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("missing.mp4: no such file", missing.Stderr);
    }

    [Fact]
    public void Frames_writes_pngs_and_a_contact_sheet()
    {
        using var temp = new TempDirectory();
        string outDir = temp.File("out");
        var (code, stdout, stderr) = CliRunner.Run("frames", Msrvtt, "--strategy", "uniform:4", "--out", outDir, "--json");
        Assert.True(code == 0, stderr);
        var pngs = Directory.GetFiles(Path.Combine(outDir, "video9770"), "*.png").Order().ToArray();
        Assert.Equal(4, pngs.Length);
        Assert.EndsWith("frame_000_1.375s.png", pngs[0]);
        Assert.True(File.Exists(Path.Combine(outDir, "video9770_sheet.png")));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(pngs[0])[..4]);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("uniform:4", doc.RootElement.GetProperty("strategy").GetString());
        Assert.Equal(4, doc.RootElement.GetProperty("videos")[0].GetProperty("frames").GetArrayLength());
    }

    [Fact]
    public void Frames_sheet_only_over_a_folder_with_a_bad_file()
    {
        using var temp = new TempDirectory();
        string input = temp.File("in");
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        File.Copy(SharedData.Real("tgif", "tumblr_mevmyaKtDf1rgvhr8o1_500.gif"), Path.Combine(input, "sub", "a.gif"));
        File.WriteAllText(Path.Combine(input, "fake.mp4"), "text pretending to be a video");
        string outDir = temp.File("out");
        var (code, _, stderr) = CliRunner.Run("frames", input, "--strategy", "fps:2", "--write", "sheet", "--out", outDir);
        Assert.Equal(1, code);
        Assert.True(File.Exists(Path.Combine(outDir, "sub_a_sheet.png")), stderr);
        Assert.False(Directory.Exists(Path.Combine(outDir, "sub_a")));
        Assert.Contains("1 of 2 files failed", stderr);
        Assert.Contains("fake.mp4", stderr);
    }

    [Fact]
    public void Frames_refuses_bad_strategies_with_a_usage_error()
    {
        using var temp = new TempDirectory();
        var (code, _, stderr) = CliRunner.Run("frames", Msrvtt, "--strategy", "uniform:0", "--out", temp.Path);
        Assert.Equal(2, code);
        Assert.StartsWith("error: --strategy:", stderr.Trim());
        Assert.NotEqual(0, CliRunner.Run("frames", Msrvtt, "--out", temp.Path, "--write", "movie").ExitCode);
    }
}
