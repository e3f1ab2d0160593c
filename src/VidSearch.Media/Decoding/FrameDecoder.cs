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
/// Decodes the frames shown at requested timestamps to full-resolution RGB through ffmpeg, streaming: frames come
/// out one at a time, so memory stays bounded whatever the video's length. They come in time order, except frames
/// recovered by a retry (see below), which come last: place frames by <see cref="DecodedFrame.Index"/>.
/// </summary>
/// <remarks>
/// The frame timeline (packet timestamps and keyframes, read without decoding) tells exactly which frame is on
/// screen at each requested time. Requests are grouped into runs; each run is one ffmpeg process that seeks to the
/// keyframe before its first frame (when that is cheaper than decoding on), and whose select filter lets only the
/// wanted frames through to the RGB conversion and the pipe. A run stops as soon as its last frame arrives.
/// Frames that did not come are retried once from the start of the file with a tolerance of one frame (decoders
/// that shift timestamps); those still missing are listed in the <see cref="DecodeReport"/>.
/// </remarks>
public sealed class FrameDecoder
{
    /// <summary>At most this many frames are selected by one ffmpeg process (keeps the select expression short).</summary>
    public const int MaxFramesPerRun = 256;

    private static readonly CompositeFormat Between = CompositeFormat.Parse("between(t,{0:R},{1:R})*lt(t,{1:R})");

    /// <summary>When false, every run decodes from the start of the file (used to measure what seeking gains).</summary>
    public bool UseSeeking { get; init; } = true;

    /// <summary>
    /// What starting one more ffmpeg process costs, in frames decoded; null: estimated from the frame size
    /// (the time to decode about 48 megapixels: on a busy 2-core machine a 720p process start costs ~50 frames).
    /// </summary>
    public int? StartupCostFrames { get; init; }

    public IEnumerable<DecodedFrame> Decode(string path, IReadOnlyList<double> timestamps, CancellationToken ct = default)
        => Decode(path, timestamps, new DecodeReport(), null, ct);

    public IEnumerable<DecodedFrame> Decode(string path, IReadOnlyList<double> timestamps, DecodeReport report, IProgress<WorkProgress>? progress = null, CancellationToken ct = default)
    {
        var (info, timeline) = VideoProbe.ProbeWithTimeline(path, readTimeline: true, ct);
        return Decode(info, timeline!, timestamps, report, progress, ct);
    }

    /// <summary>Decodes with a probe and timeline already read (<see cref="VideoProbe.ProbeWithTimeline"/>).</summary>
    public IEnumerable<DecodedFrame> Decode(VideoInfo video, FrameTimeline timeline, IReadOnlyList<double> timestamps, DecodeReport report, IProgress<WorkProgress>? progress = null, CancellationToken ct = default)
    {
        foreach (double t in timestamps)
        {
            if (!double.IsFinite(t) || t < 0)
            {
                throw VidSearchException.Argument("timestamp", $"must be a finite number of seconds >= 0, got {t.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        if (timeline.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, video.Path, "the video stream has no frames");
        }

        return DecodeIterator(video, timeline, timestamps, report, progress, ct);
    }

    private IEnumerable<DecodedFrame> DecodeIterator(VideoInfo video, FrameTimeline timeline, IReadOnlyList<double> timestamps, DecodeReport report, IProgress<WorkProgress>? progress, CancellationToken ct)
    {
        // Which frame is on screen at each requested time; requests sharing a frame get the same image.
        var requestsByFrame = new SortedDictionary<int, List<int>>();
        double readableEnd = timeline.Duration + Math.Max(video.FramePeriod, timeline.LastFrameDuration);
        var beyondEnd = new List<int>();
        for (int i = 0; i < timestamps.Count; i++)
        {
            if (timestamps[i] > readableEnd && video.Duration > readableEnd)
            {
                beyondEnd.Add(i);
                continue;
            }

            int frame = timeline.FrameAt(timeline.Start + timestamps[i]);
            if (!requestsByFrame.TryGetValue(frame, out var list))
            {
                requestsByFrame[frame] = list = [];
            }

            list.Add(i);
        }

        string task = "decode " + Path.GetFileName(video.Path);
        int done = 0;
        progress?.Report(new WorkProgress(task, 0, timestamps.Count, "frames"));
        var missing = new List<int>();
        foreach (var run in PlanRuns(video, timeline, requestsByFrame.Keys.ToList()))
        {
            foreach (var (frame, image) in RunFfmpeg(video, timeline, run, report, missing, ct))
            {
                foreach (int request in requestsByFrame[frame])
                {
                    done++;
                    report.DecodedCount++;
                    yield return new DecodedFrame(image, timestamps[request], request) { FrameTime = timeline.Times[frame] - timeline.Start };
                }

                progress?.Report(new WorkProgress(task, done, timestamps.Count, "frames"));
            }
        }

        if (missing.Count > 0)
        {
            // A seek can land past a wanted frame in files with odd indexes, and some decoders shift timestamps by a
            // frame: try those frames once more from the start, accepting the nearest picture within a frame.
            var retry = new DecodeRun(-1, missing, Widened: true);
            missing = [];
            foreach (var (frame, image) in RunFfmpeg(video, timeline, retry, report, missing, ct))
            {
                foreach (int request in requestsByFrame[frame])
                {
                    done++;
                    report.DecodedCount++;
                    yield return new DecodedFrame(image, timestamps[request], request) { FrameTime = timeline.Times[frame] - timeline.Start };
                }
            }
        }

        string reason = report.DecoderErrors.Count > 0
            ? "damaged stream (" + report.DecoderErrors[^1] + ")"
            : "no decodable frame there (truncated or corrupt)";
        foreach (int request in beyondEnd)
        {
            report.Fail(request, timestamps[request], FormattableString.Invariant($"after the last readable frame ({timeline.Duration:0.###} s of {video.Duration:0.###} s): the file ends early (truncated?)"));
        }

        foreach (int frame in missing)
        {
            foreach (int request in requestsByFrame[frame])
            {
                report.Fail(request, timestamps[request], reason);
            }
        }

        progress?.Report(new WorkProgress(task, done, timestamps.Count, "frames"));
    }

    /// <summary>A set of frames decoded by one ffmpeg process, seeking first to keyframe <see cref="SeekFrame"/> (-1: no seek).</summary>
    internal sealed record DecodeRun(int SeekFrame, List<int> Frames, bool Widened = false);

    /// <summary>
    /// Groups wanted frames (ascending) into runs. A new run (with a seek) starts when decoding from the keyframe
    /// before the next frame, plus the cost of starting ffmpeg, is cheaper than decoding on from the last frame.
    /// </summary>
    internal IEnumerable<DecodeRun> PlanRuns(VideoInfo video, FrameTimeline timeline, List<int> frames)
    {
        int startupFrames = StartupCostFrames ?? Math.Max(8, 48_000_000 / Math.Max(1, video.Width * video.Height));
        DecodeRun? current = null;
        foreach (int frame in frames)
        {
            int keyframe = timeline.KeyframeBefore(frame);
            if (current is null)
            {
                current = new DecodeRun(UseSeeking && keyframe > 0 ? keyframe : -1, [frame]);
                continue;
            }

            int last = current.Frames[^1];
            bool cheaperToSeek = UseSeeking && keyframe > last && (frame - keyframe) + startupFrames < frame - last;
            if (cheaperToSeek || current.Frames.Count >= MaxFramesPerRun)
            {
                yield return current;
                current = new DecodeRun(UseSeeking && keyframe > 0 ? keyframe : -1, [frame]);
            }
            else
            {
                current.Frames.Add(frame);
            }
        }

        if (current is not null)
        {
            yield return current;
        }
    }

    /// <summary>The ffmpeg arguments of one run (public for the benchmark and tests).</summary>
    internal static List<string> Arguments(VideoInfo video, FrameTimeline timeline, DecodeRun run)
    {
        var args = new List<string> { "-nostdin", "-hide_banner", "-nostats", "-v", "info" };
        if (run.SeekFrame > 0)
        {
            // Input seeking lands on the last keyframe at or before the position (ffmpeg adds the start time itself).
            double position = timeline.Times[run.SeekFrame] - timeline.Start + 0.0005;
            args.AddRange(["-noaccurate_seek", "-ss", position.ToString("R", CultureInfo.InvariantCulture)]);
        }

        args.AddRange(["-copyts", "-i", video.Path, "-map", "0:v:0", "-an", "-sn", "-dn"]);
        var terms = new List<string>(run.Frames.Count);
        foreach (int frame in run.Frames)
        {
            var (from, to) = DisplayInterval(timeline, frame, run.Widened);
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

    /// <summary>
    /// When frame <paramref name="frame"/> is on screen: [its time, the next frame's time), both moved 1 ms earlier
    /// (times are printed to the microsecond). Selecting and matching by this interval rather than by exact time keeps
    /// working where the decoder's timestamps drift from the packets' (raw MPEG streams).
    /// </summary>
    /// Widened (for the retry of frames that did not come), the interval grows by one frame on each side: streams
    /// whose decoder delays timestamps by a frame (packed B-frames in AVI) still give their nearest picture.
    private static (double From, double To) DisplayInterval(FrameTimeline timeline, int frame, bool widened = false)
    {
        double time = timeline.Times[frame];
        double next = frame + 1 < timeline.Count ? timeline.Times[frame + 1] : time + Math.Max(timeline.LastFrameDuration, 0.002);
        double margin = Math.Min(0.001, 0.25 * (next - time));
        if (!widened)
        {
            return (time - margin, next - margin);
        }

        double before = frame > 0 ? time - timeline.Times[frame - 1] : next - time;
        return (time - before - margin, next + (next - time) - margin);
    }

    /// <summary>Runs one ffmpeg process and yields (frame index, image) as frames arrive; frames that never came go to <paramref name="missing"/>.</summary>
    private static IEnumerable<(int Frame, RgbImage Image)> RunFfmpeg(VideoInfo video, FrameTimeline timeline, DecodeRun run, DecodeReport report, List<int> missing, CancellationToken ct)
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

                int frame = Nearest(timeline, pending, pts, run.Widened);
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
                foreach (string error in errors)
                {
                    if (report.DecoderErrors.Count < 5 && !report.DecoderErrors.Contains(error))
                    {
                        report.DecoderErrors.Add(error);
                    }
                }
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

    /// <summary>The pending frame whose display interval holds <paramref name="pts"/> (the closest one, for widened intervals), or -1.</summary>
    private static int Nearest(FrameTimeline timeline, SortedSet<int> pending, double pts, bool widened)
    {
        int best = -1;
        double bestDistance = double.MaxValue;
        foreach (int frame in pending)
        {
            var (from, to) = DisplayInterval(timeline, frame, widened);
            double distance = Math.Abs(timeline.Times[frame] - pts);
            if (pts >= from && pts < to && distance < bestDistance)
            {
                best = frame;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>Messages that mean ffmpeg itself refused the command (a bug here or an unsupported ffmpeg), not a bad file.</summary>
    private static readonly string[] FatalMessages = ["Error initializing filter", "Error while parsing expression", "Unrecognized option", "Option not found", "No such filter"];

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
                else if (IsDecoderError(line))
                {
                    lock (errors)
                    {
                        if (errors.Count < 50)
                        {
                            errors.Add(FfmpegProcess.LastErrorLine(line, line));
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

    /// <summary>Lines like "[h264 @ 0x55..] error while decoding MB 3 4" (a codec's complaint, not ffmpeg's own chatter).</summary>
    private static bool IsDecoderError(string line)
        => line.StartsWith('[') && !line.Contains("showinfo", StringComparison.Ordinal) && !line.Contains("Parsed_", StringComparison.Ordinal)
           && (line.Contains("error", StringComparison.OrdinalIgnoreCase) || line.Contains("corrupt", StringComparison.OrdinalIgnoreCase)
               || line.Contains("invalid", StringComparison.OrdinalIgnoreCase) || line.Contains("missing", StringComparison.OrdinalIgnoreCase)
               || line.Contains("truncat", StringComparison.OrdinalIgnoreCase));

    /// <summary>How many decoded frames may wait between the pipe and the caller.</summary>
    private const int FramesReadAhead = 3;

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
