namespace VidSearch.Media.Probing;

/// <summary>
/// What a video file holds, as far as the engine cares.
/// </summary>
/// <param name="Path">The file.</param>
/// <param name="Duration">Length of the video stream in seconds (first frame to the end of the last one).</param>
/// <param name="FrameRate">Average frames per second.</param>
/// <param name="IsVariableFrameRate">True when frame durations vary (animated GIFs, phone recordings).</param>
/// <param name="Width">Coded width in pixels (before <paramref name="Rotation"/>).</param>
/// <param name="Height">Coded height in pixels (before <paramref name="Rotation"/>).</param>
/// <param name="Rotation">Clockwise display rotation in degrees: 0, 90, 180 or 270.</param>
/// <param name="Codec">The video codec's ffmpeg name (h264, mpeg4, gif...).</param>
/// <param name="HasAudio">Whether the file has an audio stream.</param>
/// <param name="FrameCountEstimate">Number of frames (exact when counted from the packets).</param>
public sealed record VideoInfo(
    string Path,
    double Duration,
    double FrameRate,
    bool IsVariableFrameRate,
    int Width,
    int Height,
    int Rotation,
    string Codec,
    bool HasAudio,
    long FrameCountEstimate)
{
    /// <summary>Timestamp (seconds, container time) of the first frame; sampling times are relative to it.</summary>
    public double StartTime { get; init; }

    /// <summary>The container format's ffmpeg name (mov,mp4,..., matroska,webm, gif, avi, mpeg...).</summary>
    public string Container { get; init; } = string.Empty;

    /// <summary>Width of the frames as displayed (after rotation): the width of decoded frames.</summary>
    public int DisplayWidth => Rotation is 90 or 270 ? Height : Width;

    /// <summary>Height of the frames as displayed (after rotation): the height of decoded frames.</summary>
    public int DisplayHeight => Rotation is 90 or 270 ? Width : Height;

    /// <summary>Duration of one frame at the average rate.</summary>
    public double FramePeriod => FrameRate > 0 ? 1.0 / FrameRate : 0;
}
