using System.Globalization;
using VidSearch.Core;
using VidSearch.Media.Decoding.Native;
using VidSearch.Media.Probing;

namespace VidSearch.Media.Decoding;

/// <summary>
/// Decodes the frames shown at requested timestamps to full-resolution RGB, in-process through libavcodec or with
/// ffmpeg processes (<see cref="DecodeEngines"/>), streaming: frames come out one at a time, so memory stays bounded
/// whatever the video's length. They come in time order, except frames recovered by a retry (see below), which
/// come last: place frames by <see cref="DecodedFrame.Index"/>.
/// </summary>
/// <remarks>
/// The frame timeline (packet timestamps and keyframes, read without decoding) tells exactly which frame is on
/// screen at each requested time. Requests are grouped into runs; each run seeks to the keyframe before its first
/// frame (when that is cheaper than decoding on) and lets only the wanted frames through to the RGB conversion
/// (<see cref="FrameSelection"/>). A run stops as soon as its last frame arrives. Frames that did not come are
/// retried once from the start of the file with a tolerance of one frame (decoders that shift timestamps); those
/// still missing are listed in the <see cref="DecodeReport"/>.
/// </remarks>
public sealed class FrameDecoder
{
    /// <summary>At most this many frames are selected by one run (keeps ffmpeg's select expression short).</summary>
    public const int MaxFramesPerRun = 256;

    /// <summary>When false, every run decodes from the start of the file (used to measure what seeking gains).</summary>
    public bool UseSeeking { get; init; } = true;

    /// <summary>
    /// When false, the in-process decoder decodes every picture, also those no wanted frame needs (used to measure
    /// what skipping them gains; the wanted frames are the same either way).
    /// </summary>
    public bool SkipUnwantedPictures { get; init; } = true;

    /// <summary>
    /// What starting one more run costs, in frames decoded; null: for ffmpeg processes, estimated from the frame size
    /// (the time to decode about 48 megapixels: on a busy 2-core machine a 720p process start costs ~50 frames); in
    /// process, a seek and a fresh decoder, whose frame threads must fill again (a few frames).
    /// </summary>
    public int? StartupCostFrames { get; init; }

    /// <summary>How videos are decoded; null: as VIDSEARCH_DECODE says (see <see cref="DecodeEngines"/>).</summary>
    public DecodeEngine? Engine { get; init; }

    /// <summary>What a new in-process run costs by default, in frames.</summary>
    private const int InProcessStartupFrames = 4;

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

        var inProcess = DecodeEngines.InProcess(Engine ?? DecodeEngines.Requested);
        return DecodeIterator(video, timeline, timestamps, report, progress, inProcess, ct);
    }

    private IEnumerable<DecodedFrame> DecodeIterator(
        VideoInfo video, FrameTimeline timeline, IReadOnlyList<double> timestamps, DecodeReport report, IProgress<WorkProgress>? progress, LibavDecodeLibrary? inProcess, CancellationToken ct)
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
        using IDecodeRuns runs = inProcess is null ? new FfmpegDecodeRuns(video, timeline) : new LibavDecodeRuns(inProcess, video, timeline) { SkipUnwantedPictures = SkipUnwantedPictures };
        foreach (var run in PlanRuns(video, timeline, requestsByFrame.Keys.ToList(), inProcess is not null))
        {
            foreach (var (frame, image) in runs.Decode(run, report, missing, ct))
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
            foreach (var (frame, image) in runs.Decode(retry, report, missing, ct))
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

    /// <summary>
    /// Groups wanted frames (ascending) into runs. A new run (with a seek) starts when decoding from the keyframe
    /// before the next frame, plus the cost of starting a run, is cheaper than decoding on from the last frame.
    /// </summary>
    internal IEnumerable<DecodeRun> PlanRuns(VideoInfo video, FrameTimeline timeline, List<int> frames, bool inProcess = false)
    {
        int startupFrames = StartupCostFrames ?? (inProcess ? InProcessStartupFrames : Math.Max(8, 48_000_000 / Math.Max(1, video.Width * video.Height)));
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
}
