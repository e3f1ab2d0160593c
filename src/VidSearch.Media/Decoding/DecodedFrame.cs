using VidSearch.Media.Imaging;

namespace VidSearch.Media.Decoding;

/// <summary>
/// A frame decoded for a requested timestamp.
/// </summary>
/// <param name="Image">The frame as displayed (rotation applied), full resolution.</param>
/// <param name="Timestamp">The requested time in seconds from the first frame.</param>
/// <param name="Index">Position of the request in the list given to the decoder.</param>
public sealed record DecodedFrame(RgbImage Image, double Timestamp, int Index)
{
    /// <summary>Start time (seconds from the first frame) of the frame actually shown at <see cref="Timestamp"/>.</summary>
    public double FrameTime { get; init; }
}

/// <summary>A requested timestamp that could not be decoded, and why.</summary>
public readonly record struct FailedTimestamp(int Index, double Timestamp, string Reason);

/// <summary>What a decode call could not do: timestamps without a frame, and decoder complaints.</summary>
public sealed class DecodeReport
{
    private readonly List<FailedTimestamp> failed = [];

    public IReadOnlyList<FailedTimestamp> Failed => failed;

    /// <summary>Decoder error messages (at most a few, each once): the video is damaged where they occurred.</summary>
    public List<string> DecoderErrors { get; } = [];

    public int DecodedCount { get; internal set; }

    /// <summary>Pictures the in-process decoder produced, wanted or not (0 with ffmpeg processes): what skipping saved.</summary>
    internal int PicturesDecoded { get; set; }

    public bool IsComplete => failed.Count == 0;

    internal void Fail(int index, double timestamp, string reason) => failed.Add(new FailedTimestamp(index, timestamp, reason));

    /// <summary>One line for users: which timestamps failed (at most 5 listed) and the cause.</summary>
    public string Summary()
    {
        if (failed.Count == 0)
        {
            return $"{DecodedCount} frames decoded";
        }

        var times = string.Join(", ", failed.Take(5).Select(f => FormattableString.Invariant($"{f.Timestamp:0.###} s")));
        string more = failed.Count > 5 ? $" and {failed.Count - 5} more" : string.Empty;
        return $"{failed.Count} of {failed.Count + DecodedCount} frames could not be decoded (at {times}{more}): {failed[0].Reason}";
    }
}
