using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Probing;
using VidSearch.Media.Tools;

namespace VidSearch.Media.Decoding;

/// <summary>
/// Decodes each run with one ffmpeg process that seeks to the run's keyframe (input seeking), lets only the wanted
/// frames through its select filter to the RGB conversion, and writes them to a pipe; showinfo tells their times.
/// </summary>
internal sealed class FfmpegDecodeRuns(VideoInfo video, FrameTimeline timeline) : IDecodeRuns
{
    private static readonly CompositeFormat Between = CompositeFormat.Parse("between(t,{0:R},{1:R})*lt(t,{1:R})");

    /// <summary>Messages that mean ffmpeg itself refused the command (a bug here or an unsupported ffmpeg), not a bad file.</summary>
    private static readonly string[] FatalMessages = ["Error initializing filter", "Error while parsing expression", "Unrecognized option", "Option not found", "No such filter"];

    /// <summary>How many decoded frames may wait between the pipe and the caller.</summary>
    private const int FramesReadAhead = 3;

    public void Dispose()
    {
    }

    /// <summary>The ffmpeg arguments of one run.</summary>
    internal static List<string> Arguments(VideoInfo video, FrameTimeline timeline, DecodeRun run)
    {
        var args = new List<string> { "-nostdin", "-hide_banner", "-nostats", "-v", "info" };
        if (run.SeekFrame > 0)
        {
            args.AddRange(["-noaccurate_seek", "-ss", SeekPosition(timeline, run).ToString("R", CultureInfo.InvariantCulture)]);
        }

        args.AddRange(["-copyts", "-i", video.Path, "-map", "0:v:0", "-an", "-sn", "-dn"]);
        var terms = new List<string>(run.Frames.Count);
        foreach (int frame in run.Frames)
        {
            var (from, to) = FrameSelection.DisplayInterval(timeline, frame, run.Widened);
            terms.Add(string.Format(CultureInfo.InvariantCulture, Between, from, to));
        }

        // ffmpeg's expression parser refuses chains of more than 100 additions: nest them as a balanced tree.
        var select = new StringBuilder("select='");
        AppendBalancedSum(select, terms, 0, terms.Count);
        select.Append("',showinfo,");
        select.Append(CultureInfo.InvariantCulture, $"scale={video.DisplayWidth}:{video.DisplayHeight},format=rgb24");
        args.AddRange(["-vf", select.ToString(), "-fps_mode", "passthrough"]);
        if (!run.Widened)
        {
            // Without a frame limit ffmpeg holds the last selected frame back until it has read the rest of the file.
            args.AddRange(["-frames:v", run.Frames.Count.ToString(CultureInfo.InvariantCulture)]);
        }

        args.AddRange(["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]);
        return args;
    }

    /// <summary>
    /// The -ss position of a seeking run, in seconds from the first frame: input seeking lands on the last keyframe
    /// at or before it (ffmpeg adds the start time itself).
    /// </summary>
    internal static double SeekPosition(FrameTimeline timeline, DecodeRun run) => timeline.Times[run.SeekFrame] - timeline.Start + 0.0005;

    private static void AppendBalancedSum(StringBuilder builder, List<string> terms, int start, int count)
    {
        if (count == 1)
        {
            builder.Append(terms[start]);
            return;
        }

        int half = count / 2;
        builder.Append('(');
        AppendBalancedSum(builder, terms, start, half);
        builder.Append('+');
        AppendBalancedSum(builder, terms, start + half, count - half);
        builder.Append(')');
    }

    public IEnumerable<(int Frame, RgbImage Image)> Decode(DecodeRun run, DecodeReport report, List<int> missing, CancellationToken ct)
    {
        var pending = new SortedSet<int>(run.Frames);
        int width = video.DisplayWidth, height = video.DisplayHeight;
        int frameBytes = checked(width * height * 3);
        using var process = FfmpegProcess.Start(FfmpegProcess.FfmpegPath, Arguments(video, timeline, run));
        using var times = new BlockingCollection<double>();
        var errors = new List<string>();
        var fatal = new List<string>();
        int delivered = 0;
        var stderrReader = Task.Run(() => ReadStderr(process, times, errors, fatal));
        // Frames are read from the pipe on another thread, a few ahead, so ffmpeg keeps decoding while the caller
        // works on the previous frame (the pipe alone holds less than one frame).
        using var pictures = new BlockingCollection<byte[]>(FramesReadAhead);
        var pipeReader = Task.Run(() => ReadFrames(process.StandardOutput.BaseStream, frameBytes, pictures));
        using var cancel = ct.Register(() => FfmpegProcess.KillQuietly(process));
        try
        {
            while (pending.Count > 0)
            {
                if (!pictures.TryTake(out var buffer, Timeout.Infinite, CancellationToken.None))
                {
                    break;
                }

                ct.ThrowIfCancellationRequested();
                if (!times.TryTake(out double pts, TimeSpan.FromSeconds(30)))
                {
                    break;
                }

                int frame = FrameSelection.Nearest(timeline, pending, pts, run.Widened);
                if (frame < 0)
                {
                    continue;
                }

                pending.Remove(frame);
                delivered++;
                yield return (frame, new RgbImage(buffer, width, height));
            }
        }
        finally
        {
            // Completing the queue wakes a pipe reader that waits for room; it then stops.
            pictures.CompleteAdding();
            FfmpegProcess.KillQuietly(process);
            process.WaitForExit();
            pipeReader.Wait(TimeSpan.FromSeconds(5));
            stderrReader.Wait(TimeSpan.FromSeconds(5));
            lock (errors)
            {
                FrameSelection.Report(report, errors);
            }
        }

        ct.ThrowIfCancellationRequested();
        lock (fatal)
        {
            if (delivered == 0 && fatal.Count > 0)
            {
                throw new VidSearchException(ErrorKind.External, "ffmpeg", $"refused to decode {video.Path}: {fatal[0]}");
            }
        }

        missing.AddRange(pending);
    }

    private static void ReadStderr(Process process, BlockingCollection<double> times, List<string> errors, List<string> fatal)
    {
        try
        {
            string? line;
            while ((line = process.StandardError.ReadLine()) is not null)
            {
                int at = line.IndexOf(" pts_time:", StringComparison.Ordinal);
                if (at >= 0 && line.Contains("showinfo", StringComparison.Ordinal))
                {
                    int start = at + " pts_time:".Length;
                    int end = line.IndexOf(' ', start);
                    string text = end > start ? line[start..end] : line[start..];
                    // Every frame on the pipe has one such line; keep them paired even when the time is unreadable (NOPTS).
                    times.Add(double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double pts) ? pts : double.NaN);
                }
                else if (FatalMessages.Any(m => line.Contains(m, StringComparison.Ordinal)))
                {
                    lock (fatal)
                    {
                        fatal.Add(FfmpegProcess.LastErrorLine(line, line));
                    }
                }
                else if (FrameSelection.IsDecoderError(line))
                {
                    lock (errors)
                    {
                        if (errors.Count < 50)
                        {
                            errors.Add(line);
                        }
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            times.CompleteAdding();
        }
    }

    /// <summary>Reads whole frames from ffmpeg's stdout into <paramref name="pictures"/> until the pipe closes.</summary>
    private static void ReadFrames(Stream output, int frameBytes, BlockingCollection<byte[]> pictures)
    {
        try
        {
            while (true)
            {
                var buffer = new byte[frameBytes];
                if (!ReadExactly(output, buffer))
                {
                    break;
                }

                pictures.Add(buffer);
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (InvalidOperationException)
        {
            // The caller stopped taking (CompleteAdding): nothing more is wanted.
        }
        finally
        {
            pictures.CompleteAdding();
        }
    }

    private static bool ReadExactly(Stream stream, byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
