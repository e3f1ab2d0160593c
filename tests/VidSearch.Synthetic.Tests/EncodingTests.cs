using VidSearch.Core;
using VidSearch.Media.Encoding;
using VidSearch.Media.Imaging;
using VidSearch.TestSupport;

namespace VidSearch.Synthetic.Tests;

public class EncodingTests
{
    private static byte[] Solid(int size, byte r, byte g, byte b)
    {
        var frame = new byte[size * size * 3];
        for (int i = 0; i < frame.Length; i += 3)
        {
            (frame[i], frame[i + 1], frame[i + 2]) = (r, g, b);
        }

        return frame;
    }

    [Fact]
    public void Mp4Writer_writes_an_h264_file_under_its_final_name_only_when_complete()
    {
        using var dir = new TempDirectory();
        string path = dir.File("clip.mp4");
        using (var writer = new Mp4Writer(path, 64, 64, 8))
        {
            for (int i = 0; i < 10; i++)
            {
                writer.WriteFrame(Solid(64, (byte)(i * 20), 100, 200));
                Assert.False(File.Exists(path));
            }

            writer.Complete();
        }

        Assert.Equal([path], Directory.GetFiles(dir.Path));
        var rgb = FfmpegDecode.Rgb(path);
        Assert.Equal(10 * 64 * 64 * 3, rgb.Length);
        var (r, g, b) = FfmpegDecode.Pixel(rgb, 64, 9, 32, 32);
        Assert.InRange(r, 170, 190);
        Assert.InRange(g, 90, 110);
        Assert.InRange(b, 190, 210);
    }

    [Fact]
    public void Mp4Writer_disposed_without_complete_leaves_nothing()
    {
        using var dir = new TempDirectory();
        using (var writer = new Mp4Writer(dir.File("clip.mp4"), 32, 32, 8))
        {
            writer.WriteFrame(Solid(32, 1, 2, 3));
        }

        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Mp4Writer_reports_ffmpeg_failures_with_its_message()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<VidSearchException>(() =>
            Mp4Writer.Write(dir.File("clip.mp4"), [Solid(32, 1, 2, 3)], 32, 32, 8, new Mp4WriterOptions { Preset = "no-such-preset" }));
        Assert.Equal(ErrorKind.External, error.Kind);
        Assert.Contains("ffmpeg failed", error.Message);
        Assert.Contains("preset", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));

        var missing = Assert.Throws<VidSearchException>(() => new Mp4Writer(dir.File("x.mp4"), 32, 32, 8, new Mp4WriterOptions { FfmpegPath = "/no/such/ffmpeg" }));
        Assert.Equal(ErrorKind.External, missing.Kind);
    }

    [Fact]
    public void Mp4Writer_rejects_bad_arguments()
    {
        using var dir = new TempDirectory();
        Assert.Throws<VidSearchException>(() => new Mp4Writer(dir.File("a.mp4"), 31, 32, 8));
        Assert.Throws<VidSearchException>(() => new Mp4Writer(dir.File("a.mp4"), 32, 32, 0));
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => new Mp4Writer(dir.File("no/dir/a.mp4"), 32, 32, 8)).Kind);
        using var writer = new Mp4Writer(dir.File("a.mp4"), 32, 32, 8);
        Assert.Throws<VidSearchException>(() => writer.WriteFrame(new byte[10]));
        Assert.Throws<VidSearchException>(writer.Complete);
        Assert.False(File.Exists(dir.File("a.mp4")));
    }

    [Fact]
    public void Mp4BatchWriter_cuts_one_file_per_clip_with_its_own_frames()
    {
        using var dir = new TempDirectory();
        int[] counts = [5, 12, 3];
        byte[][] colors = [[250, 0, 0], [0, 250, 0], [0, 0, 250]];
        var paths = counts.Select((_, i) => dir.File($"c{i}.mp4")).ToList();
        using (var writer = new Mp4BatchWriter(paths, counts, 32, 32, 8))
        {
            for (int c = 0; c < counts.Length; c++)
            {
                for (int f = 0; f < counts[c]; f++)
                {
                    writer.WriteFrame(Solid(32, colors[c][0], colors[c][1], colors[c][2]));
                }
            }

            writer.Complete();
        }

        Assert.Equal(paths.Order(), Directory.GetFileSystemEntries(dir.Path).Order());
        for (int c = 0; c < counts.Length; c++)
        {
            var rgb = FfmpegDecode.Rgb(paths[c]);
            Assert.Equal(counts[c] * 32 * 32 * 3, rgb.Length);
            var (r, g, b) = FfmpegDecode.Pixel(rgb, 32, 0, 16, 16);
            Assert.True(Math.Abs(r - colors[c][0]) < 20 && Math.Abs(g - colors[c][1]) < 20 && Math.Abs(b - colors[c][2]) < 20, $"clip {c}: ({r},{g},{b})");
        }
    }

    [Fact]
    public void Mp4BatchWriter_cuts_exactly_at_odd_frame_rates()
    {
        using var dir = new TempDirectory();
        // At 30 fps, keyframes forced by time land one frame early for some of these cuts (696 among them).
        int[] counts = [77, 132, 168, 162, 157, 68, 92, 75];
        var paths = counts.Select((_, i) => dir.File($"c{i}.mp4")).ToList();
        using (var writer = new Mp4BatchWriter(paths, counts, 16, 16, 30))
        {
            var frame = new byte[16 * 16 * 3];
            for (int f = 0; f < counts.Sum(); f++)
            {
                writer.WriteFrame(frame);
            }

            writer.Complete();
        }

        for (int c = 0; c < counts.Length; c++)
        {
            Assert.Equal(counts[c] * 16 * 16 * 3, FfmpegDecode.Rgb(paths[c]).Length);
        }
    }

    [Fact]
    public void Mp4BatchWriter_with_missing_frames_fails_and_leaves_nothing()
    {
        using var dir = new TempDirectory();
        using var writer = new Mp4BatchWriter([dir.File("a.mp4"), dir.File("b.mp4")], [2, 2], 32, 32, 8);
        writer.WriteFrame(Solid(32, 1, 2, 3));
        Assert.Throws<VidSearchException>(writer.Complete);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void PngWriter_is_lossless()
    {
        using var dir = new TempDirectory();
        var rng = new Random(1);
        var image = new byte[40 * 30 * 3];
        rng.NextBytes(image);
        string path = dir.File("x.png");
        PngWriter.Write(path, image, 40, 30);
        Assert.Equal(image, FfmpegDecode.Rgb(path));
        Assert.Throws<VidSearchException>(() => PngWriter.Write(dir.File("y.png"), image, 41, 30));
    }
}
