namespace VidSearch.Media.Probing;

/// <summary>Reads a file's container, streams and packets: through ffprobe, or in-process through libavformat.</summary>
internal interface IProbeReader
{
    /// <summary>Engine name for messages and reports ("ffprobe", "libavformat 59.27.100").</summary>
    string Name { get; }

    /// <summary>
    /// Opens the file and describes it. With <paramref name="readPackets"/>, every packet is read first (one demux
    /// pass, no decoding) and those of the video streams are kept, as ffprobe does with -show_entries packet.
    /// A file that cannot be opened is a <see cref="Core.VidSearchException"/> (InvalidInput) naming it and the cause.
    /// </summary>
    ContainerFacts Read(string path, bool readPackets, CancellationToken ct);

    /// <summary>The packets of the file's first video stream (ffprobe's -select_streams v:0).</summary>
    IReadOnlyList<PacketTimes> ReadFirstVideoStreamPackets(string path, CancellationToken ct);
}
