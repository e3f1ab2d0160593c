using VidSearch.Core;

namespace VidSearch.Media.Encoding;

/// <summary>Settings of an H.264 encode through ffmpeg.</summary>
public sealed record Mp4WriterOptions
{
    /// <summary>x264 preset: ultrafast keeps encoding far cheaper than rendering.</summary>
    public string Preset { get; init; } = "ultrafast";

    /// <summary>Constant rate factor (0 lossless .. 51 worst).</summary>
    public int Crf { get; init; } = 18;

    /// <summary>Encoder threads; 1 makes the output bytes reproducible and lets several encodes run side by side.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>The ffmpeg executable (a name on PATH or a full path).</summary>
    public string FfmpegPath { get; init; } = "ffmpeg";
}

/// <summary>
/// Writes RGB24 frames to an H.264 (yuv420p) mp4 by piping raw video into one ffmpeg process.
/// The file is written under a temporary name and renamed by <see cref="Complete"/>, so the final
/// path never holds a half-written video; disposing without completing deletes the temporary file.
/// </summary>
public sealed class Mp4Writer : IDisposable
{
    private readonly FfmpegEncoderProcess _ffmpeg;
    private readonly string _tempPath;
    private bool _finished;

    public Mp4Writer(string path, int width, int height, double fps, Mp4WriterOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new Mp4WriterOptions();
        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
        {
            throw VidSearchException.Argument("frame size", $"{width}x{height} is not a positive even size (yuv420p needs even sides)");
        }

        if (!(fps > 0) || fps > 1000)
        {
            throw VidSearchException.Argument("fps", $"{fps} is outside (0, 1000]");
        }

        if (options.Crf is < 0 or > 51)
        {
            throw VidSearchException.Argument("crf", $"{options.Crf} is outside [0, 51]");
        }

        Path = System.IO.Path.GetFullPath(path);
        Width = width;
        Height = height;
        string directory = System.IO.Path.GetDirectoryName(Path)!;
        if (!Directory.Exists(directory))
        {
            throw new VidSearchException(ErrorKind.NotFound, directory, "output folder does not exist");
        }

        _tempPath = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.partial");
        _ffmpeg = new FfmpegEncoderProcess(options.FfmpegPath, new[]
        {
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}",
            "-r", fps.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "-i", "pipe:0",
            "-c:v", "libx264", "-preset", options.Preset, "-crf", options.Crf.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-threads", options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-pix_fmt", "yuv420p", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
            "-movflags", "+faststart", "-f", "mp4", _tempPath,
        });
    }

    /// <summary>The final path of the video.</summary>
    public string Path { get; }

    public int Width { get; }

    public int Height { get; }

    public int FramesWritten { get; private set; }

    /// <summary>Appends one frame: Width*Height*3 bytes, RGB, rows top to bottom.</summary>
    public void WriteFrame(ReadOnlySpan<byte> rgb)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (rgb.Length != Width * Height * 3)
        {
            throw VidSearchException.Argument("frame", $"holds {rgb.Length} bytes, expected {Width}x{Height}x3 = {Width * Height * 3}");
        }

        try
        {
            _ffmpeg.Write(rgb);
        }
        catch (IOException e)
        {
            throw Failure(e);
        }

        FramesWritten++;
    }

    /// <summary>Finishes the encode and moves the video to its final path.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (FramesWritten == 0)
        {
            Abort();
            throw VidSearchException.Argument(Path, "no frames were written");
        }

        int exitCode;
        try
        {
            exitCode = _ffmpeg.Finish();
        }
        catch (IOException e)
        {
            throw Failure(e);
        }

        if (exitCode != 0 || !File.Exists(_tempPath))
        {
            throw Failure(null);
        }

        File.Move(_tempPath, Path, overwrite: true);
        _finished = true;
        _ffmpeg.Dispose();
    }

    /// <summary>Writes all frames to a new mp4 at <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<byte[]> frames, int width, int height, double fps, Mp4WriterOptions? options = null)
    {
        using var writer = new Mp4Writer(path, width, height, fps, options);
        foreach (var frame in frames)
        {
            writer.WriteFrame(frame);
        }

        writer.Complete();
    }

    public void Dispose()
    {
        if (!_finished)
        {
            Abort();
        }
    }

    private VidSearchException Failure(Exception? cause)
    {
        var (status, output) = _ffmpeg.Describe();
        Abort();
        return new VidSearchException(ErrorKind.External, Path, $"ffmpeg failed ({status}): {output}", cause);
    }

    private void Abort()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        _ffmpeg.Dispose();
        try
        {
            File.Delete(_tempPath);
        }
        catch (IOException)
        {
        }
    }
}
