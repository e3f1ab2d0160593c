using VidSearch.Core;
using VidSearch.Media.Tools;

namespace VidSearch.Media.Probing.Native;

/// <summary>
/// One file opened by libavformat (an AVFormatContext, closed on dispose): its container and streams as ffprobe
/// describes them, and its packets. Used by one thread at a time; separate inputs may be used in parallel.
/// </summary>
internal sealed unsafe class LibavInput : IDisposable
{
    private const int VideoMediaType = 0;

    private readonly LibavLibrary av;
    private readonly string path;
    private nint context;

    private LibavInput(LibavLibrary av, string path, nint context)
    {
        this.av = av;
        this.path = path;
        this.context = context;
    }

    /// <summary>
    /// Opens the file and reads its stream information as ffprobe does (avformat_open_input with scan_all_pmts,
    /// then avformat_find_stream_info). A file libavformat refuses is a <see cref="VidSearchException"/> naming
    /// the file and the libraries' own messages. The messages go to <paramref name="messages"/> when given (the decoder
    /// reports them as ffmpeg -v info prints them).
    /// </summary>
    public static LibavInput Open(LibavLibrary av, string path, LibavLog.Sink? messages = null)
    {
        using var log = messages is null ? LibavLog.Start() : LibavLog.Start(messages);
        nint options = 0;
        nint context = 0;
        int error;
        fixed (byte* url = Utf8.NullTerminated(path))
        {
            fixed (byte* key = "scan_all_pmts"u8, value = "1"u8)
            {
                av.av_dict_set(&options, key, value, LibavAbi.DictionaryDontOverwrite);
            }

            error = av.avformat_open_input(&context, url, 0, &options);
            av.av_dict_free(&options);
        }

        if (error < 0)
        {
            // avformat_open_input frees the context it allocated when it fails.
            throw Refusal(av, path, error, log.Text);
        }

        var input = new LibavInput(av, path, context);
        try
        {
            input.CheckUrl();
            error = av.avformat_find_stream_info(context, 0);
            if (error < 0)
            {
                throw Refusal(av, path, error, log.Text);
            }

            return input;
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    /// <summary>The container and its streams (their fields as they stand now: ffprobe reads them after the packets).</summary>
    public ContainerFacts Describe()
    {
        nint format = *(nint*)(Context + LibavAbi.FormatContext.InputFormat);
        string name = format == 0 ? string.Empty : Utf8.Read(*(byte**)(format + LibavAbi.InputFormatName)) ?? string.Empty;
        var streams = new List<StreamFacts>();
        int count = StreamCount;
        for (int i = 0; i < count; i++)
        {
            streams.Add(Stream(i));
        }

        return new ContainerFacts(
            name,
            ProbeNumbers.Seconds(*(long*)(Context + LibavAbi.FormatContext.StartTime), 1, LibavAbi.TimeBase),
            ProbeNumbers.Seconds(*(long*)(Context + LibavAbi.FormatContext.Duration), 1, LibavAbi.TimeBase),
            streams);
    }

    /// <summary>Index of the first video stream (attached pictures included, as ffprobe's "v:0"), or -1.</summary>
    public int FirstVideoStream()
    {
        int count = StreamCount;
        for (int i = 0; i < count; i++)
        {
            if (*(int*)(CodecParameters(StreamAt(i)) + LibavAbi.CodecParameters.CodecType) == VideoMediaType)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Reads every packet to the end of the file (or the first read error, where ffprobe stops too) and keeps the
    /// timestamps of those of stream <paramref name="onlyStream"/>, or of every video stream when it is null.
    /// </summary>
    public Dictionary<int, List<PacketTimes>> ReadPackets(int? onlyStream, CancellationToken ct)
    {
        var packets = new Dictionary<int, List<PacketTimes>>();
        nint packet = av.av_packet_alloc();
        if (packet == 0)
        {
            throw new VidSearchException(ErrorKind.External, path, "libavcodec could not allocate a packet (out of memory)");
        }

        try
        {
            int read = 0;
            while (av.av_read_frame(Context, packet) == 0)
            {
                try
                {
                    Keep(packet, onlyStream, packets);
                }
                finally
                {
                    av.av_packet_unref(packet);
                }

                if ((++read & 0xFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }
            }
        }
        finally
        {
            av.av_packet_free(&packet);
        }

        ct.ThrowIfCancellationRequested();
        return packets;
    }

    /// <summary>The AVFormatContext, for the in-process decoder that reads and seeks this input itself.</summary>
    public nint Handle => Context;

    /// <summary>How many streams the file has now.</summary>
    public int Streams => StreamCount;

    /// <summary>The AVStream of index <paramref name="index"/> (its index checked).</summary>
    public nint StreamHandle(int index) => StreamAt(index);

    /// <summary>The AVCodecParameters of an AVStream.</summary>
    public static nint CodecParametersOf(nint stream) => CodecParameters(stream);

    public void Dispose()
    {
        if (context != 0)
        {
            nint open = context;
            context = 0;
            av.avformat_close_input(&open);
        }
    }

    private nint Context => context != 0 ? context : throw new ObjectDisposedException(nameof(LibavInput));

    /// <summary>Streams may be added while packets are read (formats without a header): always read the count afresh.</summary>
    private int StreamCount => checked((int)*(uint*)(Context + LibavAbi.FormatContext.StreamCount));

    private nint StreamAt(int index)
    {
        nint stream = (*(nint**)(Context + LibavAbi.FormatContext.Streams))[index];
        if (stream == 0 || *(int*)(stream + LibavAbi.Stream.Index) != index)
        {
            throw new LibavLayoutException($"stream {index} of {path} does not carry its index where FFmpeg 5.x puts it");
        }

        return stream;
    }

    private static nint CodecParameters(nint stream)
    {
        nint parameters = *(nint*)(stream + LibavAbi.Stream.CodecParameters);
        return parameters != 0 ? parameters : throw new LibavLayoutException("a stream has no codec parameters where FFmpeg 5.x puts them");
    }

    private void Keep(nint packet, int? onlyStream, Dictionary<int, List<PacketTimes>> packets)
    {
        int index = *(int*)(packet + LibavAbi.Packet.StreamIndex);
        if (index < 0 || index >= StreamCount || (onlyStream is int only && index != only))
        {
            return;
        }

        nint stream = StreamAt(index);
        if (onlyStream is null && *(int*)(CodecParameters(stream) + LibavAbi.CodecParameters.CodecType) != VideoMediaType)
        {
            return;
        }

        if (!packets.TryGetValue(index, out var list))
        {
            packets[index] = list = [];
        }

        int num = *(int*)(stream + LibavAbi.Stream.TimeBase), den = *(int*)(stream + LibavAbi.Stream.TimeBase + 4);
        list.Add(new PacketTimes(
            ProbeNumbers.Seconds(*(long*)(packet + LibavAbi.Packet.Pts), num, den),
            ProbeNumbers.Seconds(*(long*)(packet + LibavAbi.Packet.Dts), num, den),
            ProbeNumbers.DurationSeconds(*(long*)(packet + LibavAbi.Packet.Duration), num, den),
            (*(int*)(packet + LibavAbi.Packet.Flags) & LibavAbi.Packet.KeyFlag) != 0));
    }

    private StreamFacts Stream(int index)
    {
        nint stream = StreamAt(index);
        nint parameters = CodecParameters(stream);
        int num = *(int*)(stream + LibavAbi.Stream.TimeBase), den = *(int*)(stream + LibavAbi.Stream.TimeBase + 4);
        long frames = *(long*)(stream + LibavAbi.Stream.FrameCount);
        nint descriptor = av.avcodec_descriptor_get(*(int*)(parameters + LibavAbi.CodecParameters.CodecId));
        var (hasSideData, rotation) = DisplayRotation(stream);
        return new StreamFacts
        {
            Index = index,
            CodecType = Utf8.Read(av.av_get_media_type_string(*(int*)(parameters + LibavAbi.CodecParameters.CodecType))),
            CodecName = descriptor == 0 ? null : Utf8.Read(*(byte**)(descriptor + LibavAbi.CodecDescriptorName)),
            IsAttachedPicture = (*(int*)(stream + LibavAbi.Stream.Disposition) & LibavAbi.Stream.AttachedPictureFlag) != 0,
            Width = *(int*)(parameters + LibavAbi.CodecParameters.Width),
            Height = *(int*)(parameters + LibavAbi.CodecParameters.Height),
            AverageFrameRate = ProbeNumbers.Rate(*(int*)(stream + LibavAbi.Stream.AverageFrameRate), *(int*)(stream + LibavAbi.Stream.AverageFrameRate + 4)),
            RealFrameRate = ProbeNumbers.Rate(*(int*)(stream + LibavAbi.Stream.RealFrameRate), *(int*)(stream + LibavAbi.Stream.RealFrameRate + 4)),
            StartTime = ProbeNumbers.Seconds(*(long*)(stream + LibavAbi.Stream.StartTime), num, den),
            Duration = ProbeNumbers.Seconds(*(long*)(stream + LibavAbi.Stream.Duration), num, den),
            FrameCount = frames != 0 ? frames : null,
            HasSideData = hasSideData,
            DisplayMatrixRotation = rotation,
            RotateTag = RotateTag(stream),
        };
    }

    /// <summary>Whether the stream has side data, and the display matrix's rotation in whole degrees as ffprobe prints it.</summary>
    private (bool HasSideData, double? Rotation) DisplayRotation(nint stream)
    {
        nint entries = *(nint*)(stream + LibavAbi.Stream.SideData);
        int count = *(int*)(stream + LibavAbi.Stream.SideDataCount);
        if (count < 0 || count > 1024 || (count > 0 && entries == 0))
        {
            throw new LibavLayoutException($"a stream of {path} has {count} side data entries where FFmpeg 5.x keeps their count");
        }

        double? rotation = null;
        var seen = new HashSet<int>();
        for (int i = 0; i < count; i++)
        {
            nint entry = entries + (i * LibavAbi.SideData.Size);
            int type = *(int*)(entry + LibavAbi.SideData.Type);
            byte* data = *(byte**)(entry + LibavAbi.SideData.Data);

            // libavformat's own lookup returns the first entry of a type: it must be the one read here.
            nuint size;
            if (seen.Add(type) && av.av_stream_get_side_data(stream, type, &size) != data)
            {
                throw new LibavLayoutException($"the side data of a stream of {path} is not where FFmpeg 5.x keeps it");
            }

            if (type == LibavAbi.SideData.DisplayMatrixType && data is not null && *(nuint*)(entry + LibavAbi.SideData.Length) >= 9 * sizeof(int))
            {
                // ffprobe prints the angle as a 64-bit integer: truncated, and a degenerate matrix's NaN as x86-64 converts it.
                double degrees = av.av_display_rotation_get((int*)data);
                rotation = double.IsNaN(degrees) ? long.MinValue : Math.Truncate(degrees);
            }
        }

        return (count > 0, rotation);
    }

    /// <summary>The stream's "rotate" tag (the last one, should there be several), when it is a number.</summary>
    private double? RotateTag(nint stream)
    {
        nint metadata = *(nint*)(stream + LibavAbi.Stream.Metadata);
        if (metadata == 0)
        {
            return null;
        }

        string? value = null;
        fixed (byte* key = "rotate"u8)
        {
            nint entry = 0;
            while ((entry = av.av_dict_get(metadata, key, entry, LibavAbi.DictionaryMatchCase)) != 0)
            {
                value = Utf8.Read(*(byte**)(entry + LibavAbi.DictionaryEntryValue));
            }
        }

        return ProbeNumbers.Parse(value);
    }

    /// <summary>The url libavformat keeps must be the path given: a cheap check of the AVFormatContext layout.</summary>
    private void CheckUrl()
    {
        if (Utf8.Read(*(byte**)(Context + LibavAbi.FormatContext.Url)) != path)
        {
            throw new LibavLayoutException("the AVFormatContext does not keep the file name where FFmpeg 5.x does");
        }
    }

    private static VidSearchException Refusal(LibavLibrary av, string path, int error, string messages)
    {
        byte* text = stackalloc byte[256];
        string reason = av.av_strerror(error, text, 256) == 0 ? Utf8.Read(text) ?? "unknown error" : $"error {error}";
        // The same lines ffprobe -v error prints: the libraries' messages, then "path: reason".
        string stderr = messages + "\n" + path + ": " + reason;
        return new VidSearchException(ErrorKind.InvalidInput, path, "not a readable video: " + FfmpegProcess.LastErrorLine(stderr, reason, path));
    }
}

/// <summary>The libraries' structures are not laid out as <see cref="LibavAbi"/> says: the in-process probe must not be used.</summary>
internal sealed class LibavLayoutException(string message) : Exception(message);
