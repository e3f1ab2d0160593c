using System.Globalization;
using VidSearch.Core;

namespace VidSearch.Media.Encoding;

/// <summary>
/// Encodes many short clips with one ffmpeg process: the frames of all clips are piped as one raw
/// stream, keyframes are forced at every clip start, and ffmpeg's segment muxer cuts one mp4 per clip.
/// For clips of a few dozen frames this avoids paying ffmpeg's start-up once per clip (most of the cost).
/// Segments are written into a temporary folder and moved to their final paths by <see cref="Complete"/>;
/// disposing without completing deletes them.
/// </summary>
public sealed class Mp4BatchWriter : IDisposable
{
    private readonly FfmpegEncoderProcess _ffmpeg;
    private readonly string _tempFolder;
    private readonly IReadOnlyList<string> _paths;
    private readonly long _totalFrames;
    private bool _finished;

    /// <param name="paths">Final path of each clip.</param>
    /// <param name="frameCounts">Frames of each clip, in the order they will be written.</param>
    public Mp4BatchWriter(IReadOnlyList<string> paths, IReadOnlyList<int> frameCounts, int width, int height, double fps, Mp4WriterOptions? options = null)
    {
        options ??= new Mp4WriterOptions();
        if (paths.Count == 0 || paths.Count != frameCounts.Count)
        {
            throw VidSearchException.Argument("clips", $"{paths.Count} paths and {frameCounts.Count} frame counts (need the same positive number)");
        }

        if (frameCounts.Any(c => c <= 0))
        {
            throw VidSearchException.Argument("frame counts", "every clip needs at least one frame");
        }

        if (width <= 0 || height <= 0 || width % 2 != 0 || height % 2 != 0)
        {
            throw VidSearchException.Argument("frame size", $"{width}x{height} is not a positive even size (yuv420p needs even sides)");
        }

        if (!(fps > 0) || fps > 1000)
        {
            throw VidSearchException.Argument("fps", $"{fps} is outside (0, 1000]");
        }

        _paths = paths.Select(Path.GetFullPath).ToList();
        string directory = Path.GetDirectoryName(_paths[0])!;
        if (!Directory.Exists(directory))
        {
            throw new VidSearchException(ErrorKind.NotFound, directory, "output folder does not exist");
        }

        Width = width;
        Height = height;
        _totalFrames = frameCounts.Sum(c => (long)c);
        _tempFolder = Path.Combine(directory, $".batch-{Guid.NewGuid():N}.partial");
        Directory.CreateDirectory(_tempFolder);

        var cuts = new List<long>();
        long at = 0;
        for (int i = 0; i < frameCounts.Count - 1; i++)
        {
            at += frameCounts[i];
            cuts.Add(at);
        }

        string Invariant(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}", "-r", Invariant(fps), "-i", "pipe:0",
            "-c:v", "libx264", "-preset", options.Preset, "-crf", options.Crf.ToString(CultureInfo.InvariantCulture),
            "-threads", options.Threads.ToString(CultureInfo.InvariantCulture), "-pix_fmt", "yuv420p",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
        };
        if (cuts.Count > 0)
        {
            // By frame number: forced times are rounded to the nearest frame and can land one frame early.
            args.AddRange(["-force_key_frames", "expr:eq(n,0)+" + string.Join('+', cuts.Select(c => $"eq(n,{c})"))]);
        }

        args.AddRange(["-f", "segment", "-segment_format", "mp4", "-reset_timestamps", "1"]);
        if (cuts.Count > 0)
        {
            args.AddRange(["-segment_frames", string.Join(',', cuts)]);
        }
        else
        {
            args.AddRange(["-segment_time", "100000000"]);
        }

        args.Add(Path.Combine(_tempFolder, "%06d.mp4"));
        try
        {
            _ffmpeg = new FfmpegEncoderProcess(options.FfmpegPath, args);
        }
        catch (VidSearchException)
        {
            Directory.Delete(_tempFolder, recursive: true);
            throw;
        }
    }

    public int Width { get; }

    public int Height { get; }

    public long FramesWritten { get; private set; }

    /// <summary>Appends the next frame (of the current clip): Width*Height*3 bytes, RGB.</summary>
    public void WriteFrame(ReadOnlySpan<byte> rgb)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (rgb.Length != Width * Height * 3)
        {
            throw VidSearchException.Argument("frame", $"holds {rgb.Length} bytes, expected {Width}x{Height}x3 = {Width * Height * 3}");
        }

        if (FramesWritten == _totalFrames)
        {
            throw VidSearchException.Argument("frame", $"more frames than the {_totalFrames} announced");
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

    /// <summary>Finishes the encode and moves every clip to its final path.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (FramesWritten != _totalFrames)
        {
            var error = VidSearchException.Argument(_paths[0], $"{FramesWritten} frames written, {_totalFrames} announced");
            Abort();
            throw error;
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

        if (exitCode != 0)
        {
            throw Failure(null);
        }

        for (int i = 0; i < _paths.Count; i++)
        {
            string segment = Path.Combine(_tempFolder, $"{i:D6}.mp4");
            if (!File.Exists(segment))
            {
                throw Failure(null, $"segment {i} of {_paths.Count} is missing");
            }
        }

        for (int i = 0; i < _paths.Count; i++)
        {
            File.Move(Path.Combine(_tempFolder, $"{i:D6}.mp4"), _paths[i], overwrite: true);
        }

        _finished = true;
        _ffmpeg.Dispose();
        Directory.Delete(_tempFolder, recursive: true);
    }

    public void Dispose()
    {
        if (!_finished)
        {
            Abort();
        }
    }

    private VidSearchException Failure(Exception? cause, string? detail = null)
    {
        var (status, output) = _ffmpeg.Describe(detail);
        Abort();
        return new VidSearchException(ErrorKind.External, _paths[0], $"ffmpeg failed ({status}): {output}", cause);
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
            Directory.Delete(_tempFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
