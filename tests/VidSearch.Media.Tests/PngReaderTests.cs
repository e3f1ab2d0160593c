using System.Diagnostics;
using VidSearch.Media.Imaging;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

public class PngReaderTests
{
    [Theory]
    [InlineData("rgb24", "mixed")]
    [InlineData("rgb24", "paeth")]
    [InlineData("rgb24", "avg")]
    [InlineData("rgb24", "sub")]
    [InlineData("rgb24", "up")]
    [InlineData("rgba", "mixed")]
    [InlineData("gray", "mixed")]
    [InlineData("ya8", "paeth")]
    public void Pngs_written_by_ffmpeg_decode_to_ffmpegs_own_pixels(string pixelFormat, string prediction)
    {
        using var temp = new TempDirectory();
        var image = PreprocessingTests.Pattern(41, 29, seed: 5);
        string source = temp.File("source.png");
        PngWriter.Write(source, image);
        string png = temp.File("ffmpeg.png");
        Ffmpeg("-v", "error", "-y", "-i", source, "-pix_fmt", pixelFormat, "-pred", prediction, png);
        byte[] expected = FfmpegRaw(png);

        var decoded = PngReader.TryRead(File.ReadAllBytes(png));

        Assert.NotNull(decoded);
        Assert.Equal((41, 29), (decoded.Width, decoded.Height));
        Assert.Equal(expected, decoded.Pixels);
    }

    [Fact]
    public void Unsupported_or_damaged_files_return_null_so_ffmpeg_reads_them()
    {
        var image = PreprocessingTests.Pattern(8, 8, seed: 2);
        byte[] png = PngWriter.Encode(image);
        Assert.Null(PngReader.TryRead(png[..(png.Length / 2)]));
        Assert.Null(PngReader.TryRead([1, 2, 3]));
        byte[] sixteenBit = (byte[])png.Clone();
        sixteenBit[8 + 8 + 8] = 16; // IHDR bit depth
        Assert.Null(PngReader.TryRead(sixteenBit));
    }

    private static void Ffmpeg(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("ffmpeg", args) { RedirectStandardError = true })!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, errors);
    }

    private static byte[] FfmpegRaw(string path)
    {
        var info = new ProcessStartInfo("ffmpeg", ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"])
        {
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(info)!;
        using var buffer = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.WaitForExit();
        return buffer.ToArray();
    }
}
