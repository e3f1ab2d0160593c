using System.Globalization;
using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Probing;
using VidSearch.Media.Probing.Native;

namespace VidSearch.Media.Decoding.Native;

/// <summary>
/// Decodes the runs of one video in-process, doing what the ffmpeg engine's command does, step for step: the
/// first run and the retry read the file from its start as a fresh ffmpeg would (the retry on a reopened file), a
/// seeking run seeks as "-noaccurate_seek -ss" and starts a fresh decoder; pictures pass when their time falls in
/// a wanted frame's interval (the select filter), are matched by their time as showinfo prints it (six
/// significant digits), and a run stops after as many selected pictures as it wants frames ("-frames:v").
/// </summary>
internal sealed class LibavDecodeRuns(LibavDecodeLibrary av, VideoInfo video, FrameTimeline timeline) : IDecodeRuns
{
    private readonly LibavLog.Sink log = new(LibavDecodeAbi.LogInfo, withPrefix: true);
    private LibavVideoDecoder? decoder;
    private LibavRgbConverter? converter;
    private bool atStart;

    /// <summary>Whether pictures no wanted frame needs are left undecoded where the codec allows (see <see cref="LibavVideoDecoder.IsWanted"/>).</summary>
    public bool SkipUnwantedPictures { get; init; } = true;

    public IEnumerable<(int Frame, RgbImage Image)> Decode(DecodeRun run, DecodeReport report, List<int> missing, CancellationToken ct)
    {
        var pending = new SortedSet<int>(run.Frames);
        LibavVideoDecoder? source = null;
        int picturesBefore = 0;
        try
        {
            source = Position(run);
            atStart = false;
            if (source is not null)
            {
                // The retry (widened) decodes every picture: it is there for streams whose times do not add up.
                source.IsWanted = run.Widened || !SkipUnwantedPictures ? null : time => FrameSelection.MayBeWanted(timeline, run, time);
                picturesBefore = source.Pictures;
                int limit = run.Widened ? int.MaxValue : run.Frames.Count;
                int selected = 0;
                while (pending.Count > 0 && selected < limit && source.Next(ct))
                {
                    ct.ThrowIfCancellationRequested();
                    long timestamp = source.FrameTimestamp;
                    double scale = (double)source.TimeBaseNum / source.TimeBaseDen;
                    double time = timestamp == LibavAbi.NoTimestamp ? double.NaN : scale * timestamp;
                    if (!FrameSelection.IsSelected(timeline, run, time))
                    {
                        continue;
                    }

                    selected++;
                    int frame = FrameSelection.Nearest(timeline, pending, ShowinfoTime(time), run.Widened);
                    if (frame < 0)
                    {
                        continue;
                    }

                    var image = Converter(source).Convert(source.Frame, source.TimeBaseNum, source.TimeBaseDen);
                    pending.Remove(frame);
                    yield return (frame, image);
                }
            }
        }
        finally
        {
            report.PicturesDecoded += (source?.Pictures ?? 0) - picturesBefore;
            FrameSelection.Report(report, log.TakeLines().Where(FrameSelection.IsDecoderError));
        }

        ct.ThrowIfCancellationRequested();
        missing.AddRange(pending);
    }

    public void Dispose()
    {
        converter?.Dispose();
        decoder?.Dispose();
    }

    /// <summary>
    /// The time as showinfo prints it ("%.6g"), which is what the ffmpeg engine reads back: 123.456789 becomes 123.457.
    /// </summary>
    internal static double ShowinfoTime(double seconds)
        => double.IsFinite(seconds) ? double.Parse(seconds.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : seconds;

    /// <summary>The decoder placed where the run starts (null when the file has no decodable video stream).</summary>
    private LibavVideoDecoder? Position(DecodeRun run)
    {
        if (run.SeekFrame > 0 && decoder is not null)
        {
            string position = FfmpegDecodeRuns.SeekPosition(timeline, run).ToString("R", CultureInfo.InvariantCulture);
            if (decoder.Seek(position))
            {
                return decoder;
            }
        }

        if (decoder is null || !atStart)
        {
            decoder?.Dispose();
            decoder = null;
            decoder = LibavVideoDecoder.Open(av, video.Path, log);
            atStart = true;
            if (decoder is not null && run.SeekFrame > 0)
            {
                string position = FfmpegDecodeRuns.SeekPosition(timeline, run).ToString("R", CultureInfo.InvariantCulture);
                decoder.Seek(position);
            }
        }

        return decoder;
    }

    private LibavRgbConverter Converter(LibavVideoDecoder source)
        => converter ??= new LibavRgbConverter(av, video.Path, video.DisplayWidth, video.DisplayHeight, LibavRgbConverter.RotationFilters(source.DisplayMatrixAngle()));
}
