using VidSearch.Media.Probing;
using VidSearch.Media.Tools;

namespace VidSearch.Media.Decoding;

/// <summary>
/// Which decoded picture stands for which wanted frame, the same for both decode engines: a picture is selected
/// when its time falls in a wanted frame's display interval (ffmpeg's select filter), and goes to the pending
/// frame whose interval holds its time as ffmpeg's showinfo prints it.
/// </summary>
internal static class FrameSelection
{
    /// <summary>
    /// When frame <paramref name="frame"/> is on screen: [its time, the next frame's time), both moved 1 ms earlier
    /// (times are printed to the microsecond). Selecting and matching by this interval rather than by exact time keeps
    /// working where the decoder's timestamps drift from the packets' (raw MPEG streams).
    /// </summary>
    /// Widened (for the retry of frames that did not come), the interval grows by one frame on each side: streams
    /// whose decoder delays timestamps by a frame (packed B-frames in AVI) still give their nearest picture.
    public static (double From, double To) DisplayInterval(FrameTimeline timeline, int frame, bool widened = false)
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

    /// <summary>Whether the select expression of <paramref name="run"/> lets a picture at <paramref name="time"/> through (a NaN time never passes).</summary>
    public static bool IsSelected(FrameTimeline timeline, DecodeRun run, double time)
    {
        foreach (int frame in run.Frames)
        {
            var (from, to) = DisplayInterval(timeline, frame, run.Widened);
            if (time >= from && time < to)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a picture presented at <paramref name="time"/> may be one <paramref name="run"/> wants: the frame on
    /// screen then, or either neighbour (a frame of slack for decoders whose timestamps drift from the packets'), is
    /// among the run's frames. Pictures for which this is false may be left undecoded.
    /// </summary>
    public static bool MayBeWanted(FrameTimeline timeline, DecodeRun run, double time)
    {
        int frame = timeline.FrameAt(time);
        int at = run.Frames.BinarySearch(frame - 1);
        if (at < 0)
        {
            at = ~at;
        }

        return at < run.Frames.Count && run.Frames[at] <= frame + 1;
    }

    /// <summary>The pending frame whose display interval holds <paramref name="pts"/> (the closest one, for widened intervals), or -1.</summary>
    public static int Nearest(FrameTimeline timeline, SortedSet<int> pending, double pts, bool widened)
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

    /// <summary>Lines like "[h264 @ 0x55..] error while decoding MB 3 4" (a codec's complaint, not ffmpeg's own chatter).</summary>
    public static bool IsDecoderError(string line)
        => line.StartsWith('[') && !line.Contains("showinfo", StringComparison.Ordinal) && !line.Contains("Parsed_", StringComparison.Ordinal)
           && (line.Contains("error", StringComparison.OrdinalIgnoreCase) || line.Contains("corrupt", StringComparison.OrdinalIgnoreCase)
               || line.Contains("invalid", StringComparison.OrdinalIgnoreCase) || line.Contains("missing", StringComparison.OrdinalIgnoreCase)
               || line.Contains("truncat", StringComparison.OrdinalIgnoreCase));

    /// <summary>Adds decoder complaints (as <see cref="IsDecoderError"/> picked them) to the report: at most 5, each once, without the "[h264 @ 0x..]" prefix.</summary>
    public static void Report(DecodeReport report, IEnumerable<string> errorLines)
    {
        foreach (string line in errorLines)
        {
            string error = FfmpegProcess.LastErrorLine(line, line);
            if (report.DecoderErrors.Count < 5 && !report.DecoderErrors.Contains(error))
            {
                report.DecoderErrors.Add(error);
            }
        }
    }
}
