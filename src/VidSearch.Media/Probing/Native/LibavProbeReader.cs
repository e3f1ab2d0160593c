namespace VidSearch.Media.Probing.Native;

/// <summary>Reads a file's container, streams and packets in-process through libavformat: no process to start.</summary>
internal sealed class LibavProbeReader(LibavLibrary av) : IProbeReader
{
    public string Name => av.Describe();

    public ContainerFacts Read(string path, bool readPackets, CancellationToken ct)
    {
        using var input = LibavInput.Open(av, path);
        if (!readPackets)
        {
            return input.Describe();
        }

        // ffprobe reads the packets before it describes the streams; reading may settle some of their fields.
        var packets = input.ReadPackets(onlyStream: null, ct);
        var facts = input.Describe();
        foreach (var stream in facts.Streams)
        {
            if (stream.CodecType == "video" && !packets.ContainsKey(stream.Index))
            {
                packets[stream.Index] = [];
            }
        }

        return facts with { VideoPackets = packets };
    }

    public IReadOnlyList<PacketTimes> ReadFirstVideoStreamPackets(string path, CancellationToken ct)
    {
        using var input = LibavInput.Open(av, path);
        int stream = input.FirstVideoStream();
        return stream < 0 ? [] : input.ReadPackets(stream, ct).GetValueOrDefault(stream) ?? [];
    }
}
