using System.Diagnostics;

namespace VidSearch.Synthetic.Tests;

/// <summary>Decodes a video or image to raw RGB24 frames with ffmpeg (test oracle, independent of the writers).</summary>
internal static class FfmpegDecode
{
    public static byte[] Rgb(string path)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        using var buffer = new MemoryStream();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(buffer);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr.Result);
        return buffer.ToArray();
    }

    public static (byte R, byte G, byte B) Pixel(byte[] rgb, int width, int frame, int x, int y)
    {
        int i = (frame * width * width * 3) + (((y * width) + x) * 3);
        return (rgb[i], rgb[i + 1], rgb[i + 2]);
    }
}
