using VidSearch.Media.Imaging;

namespace VidSearch.Media.Decoding;

/// <summary>Decodes the runs of one video (see <see cref="FrameDecoder"/>): with one ffmpeg process per run, or in-process.</summary>
internal interface IDecodeRuns : IDisposable
{
    /// <summary>Yields (frame index, image) as frames arrive; frames that never came go to <paramref name="missing"/>, decoder complaints to <paramref name="report"/>.</summary>
    IEnumerable<(int Frame, RgbImage Image)> Decode(DecodeRun run, DecodeReport report, List<int> missing, CancellationToken ct);
}

/// <summary>A set of frames decoded in one go, seeking first to keyframe <see cref="SeekFrame"/> (-1: from the start of the file).</summary>
internal sealed record DecodeRun(int SeekFrame, List<int> Frames, bool Widened = false);
