using VidSearch.Core;
using VidSearch.Media.Tools;

namespace VidSearch.Media.Imaging;

/// <summary>Reads still images (PNG, JPEG, BMP, WebP... whatever ffmpeg decodes) to RGB through ffmpeg.</summary>
public static class ImageFile
{
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"];

    public static RgbImage Read(string path, CancellationToken ct = default)
    {
        Probing.VideoProbe.CheckFile(path);
        if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && PngReader.TryRead(File.ReadAllBytes(path)) is { } png)
        {
            return png;
        }

        var (exit, stdout, stderr) = FfmpegProcess.Run(
            FfmpegProcess.FfprobePath,
            ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0:s=x", path],
            ct);
        var size = stdout.Trim().Split('\n')[0].Split('x');
        if (exit != 0 || size.Length < 2 || !int.TryParse(size[0], out int width) || !int.TryParse(size[1], out int height) || width <= 0 || height <= 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "not a readable image: " + FfmpegProcess.LastErrorLine(stderr, "no picture found", path));
        }

        using var process = FfmpegProcess.Start(
            FfmpegProcess.FfmpegPath,
            ["-nostdin", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        var errors = process.StandardError.ReadToEndAsync(ct);
        var pixels = new byte[checked(width * height * 3)];
        int read = 0;
        try
        {
            var output = process.StandardOutput.BaseStream;
            while (read < pixels.Length)
            {
                int n = output.Read(pixels, read, pixels.Length - read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            process.WaitForExit();
        }
        finally
        {
            FfmpegProcess.KillQuietly(process);
        }

        if (read != pixels.Length)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, path, "image could not be decoded: " + FfmpegProcess.LastErrorLine(errors.GetAwaiter().GetResult(), "truncated or corrupt", path));
        }

        return new RgbImage(pixels, width, height);
    }
}
