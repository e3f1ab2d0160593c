using VidSearch.Core;
using VidSearch.Media.Probing.Native;

namespace VidSearch.Media.Decoding.Native;

/// <summary>
/// The first video stream of a file decoded in-process as the ffmpeg command decodes it ("-map 0:v:0"): the file
/// opened as ffprobe and ffmpeg open it, the other streams discarded, libavcodec with "threads auto", packets given
/// ffmpeg's dts (<see cref="CommandLineDts"/>), input seeking as "-noaccurate_seek -ss". Frames come one at a time
/// (<see cref="Next"/>) into one reused AVFrame. Used by one thread at a time.
/// </summary>
internal sealed unsafe class LibavVideoDecoder : IDisposable
{
    private readonly LibavDecodeLibrary av;
    private readonly string path;
    private readonly LibavLog.Sink log;
    private readonly nint logRoute;
    private LibavInput input;
    private nint codec;
    private nint packet;
    private nint frame;
    private CommandLineDts clock = null!;
    private bool draining;
    private bool ended;
    private int framesSincePacket;
    private bool skipsPictures;
    private int discardLevel;

    private LibavVideoDecoder(LibavDecodeLibrary av, string path, LibavLog.Sink log, LibavInput input, int streamIndex)
    {
        this.av = av;
        this.path = path;
        this.log = log;
        this.input = input;
        StreamIndex = streamIndex;
        logRoute = log.RouteCodecContext();
    }

    public int StreamIndex { get; }

    /// <summary>The AVStream decoded.</summary>
    public nint Stream => input.StreamHandle(StreamIndex);

    public int TimeBaseNum { get; private set; }

    public int TimeBaseDen { get; private set; }

    /// <summary>The frame <see cref="Next"/> returned last (valid until the next call).</summary>
    public nint Frame => frame;

    /// <summary>
    /// Which pictures are wanted, by their time in seconds (the packet's presentation time); null: all. A packet
    /// whose picture is not wanted is decoded with "skip_frame noref": libavcodec drops it if no other picture refers
    /// to it (the non-reference B-frames of most H.264, HEVC, MPEG-2 and MPEG-4 Part 2 video, a third or more of
    /// their pictures), which changes no other picture, so the wanted ones come out as without skipping. Only for
    /// those codecs; packets without a time are always decoded.
    /// </summary>
    public Func<double, bool>? IsWanted { get; set; }

    /// <summary>How many pictures the decoder has produced (skipped ones not counted).</summary>
    public int Pictures { get; private set; }

    /// <summary>
    /// Opens the file and its first video stream's decoder; messages go to <paramref name="log"/>. Null when the file
    /// has no video stream. A decoder that cannot be opened is not an error: no frame comes, as from ffmpeg.
    /// </summary>
    public static LibavVideoDecoder? Open(LibavDecodeLibrary av, string path, LibavLog.Sink log)
    {
        var input = LibavInput.Open(av.Format, path, log);
        int stream = input.FirstVideoStream();
        if (stream < 0)
        {
            input.Dispose();
            return null;
        }

        var decoder = new LibavVideoDecoder(av, path, log, input, stream);
        try
        {
            decoder.Start();
            return decoder;
        }
        catch
        {
            decoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Seeks as "-noaccurate_seek -ss <paramref name="position"/>" does (seconds from the start, as ffmpeg parses
    /// the text: microseconds, truncated) and starts a fresh decoder there; false when libavformat cannot seek.
    /// </summary>
    public bool Seek(string position)
    {
        long timestamp = ParseMicroseconds(position);
        long start = *(long*)(input.Handle + LibavAbi.FormatContext.StartTime);
        if (start != LibavAbi.NoTimestamp)
        {
            timestamp += start;
        }

        nint format = *(nint*)(input.Handle + LibavAbi.FormatContext.InputFormat);
        if (format != 0 && (*(int*)(format + LibavDecodeAbi.InputFormatFlags) & LibavDecodeAbi.SeekToPtsFlag) == 0)
        {
            for (int i = 0; i < input.Streams; i++)
            {
                if (*(int*)(LibavInput.CodecParametersOf(input.StreamHandle(i)) + LibavDecodeAbi.CodecParameters.VideoDelay) != 0)
                {
                    // ffmpeg seeks earlier in streams with B-frames, whose dts lag their pts.
                    timestamp -= 3 * LibavAbi.TimeBase / 23;
                    break;
                }
            }
        }

        int result;
        using (LibavLog.Start(log))
        {
            result = av.avformat_seek_file(input.Handle, -1, long.MinValue, timestamp, timestamp, 0);
        }

        if (result < 0)
        {
            return false;
        }

        CloseCodec();
        Start();
        return true;
    }

    /// <summary>Decodes up to the next frame; false at the end of the stream.</summary>
    public bool Next(CancellationToken ct)
    {
        if (codec == 0 || ended)
        {
            return false;
        }

        using var capture = LibavLog.Start(log);
        int packets = 0;
        while (true)
        {
            if (draining)
            {
                clock.Drain();
            }

            int received = av.avcodec_receive_frame(codec, frame);
            if (received == 0)
            {
                Pictures++;
                if (!draining && framesSincePacket++ > 0)
                {
                    clock.ExtraFrame();
                }

                long bestEffort = *(long*)(frame + LibavDecodeAbi.Frame.BestEffortTimestamp);
                FrameTimestamp = bestEffort == LibavAbi.NoTimestamp && draining ? clock.TakeDrained() : bestEffort;
                if (FrameTimestamp == LibavAbi.NoTimestamp)
                {
                    FrameTimestamp = *(long*)(frame + LibavDecodeAbi.Frame.Pts);
                }

                return true;
            }

            if (received == LibavDecodeAbi.EndOfFile || draining)
            {
                ended = true;
                return false;
            }

            // A decoding error (other than needing input) loses that packet's picture; ffmpeg goes on with the next packet.
            if ((++packets & 0x3F) == 0)
            {
                ct.ThrowIfCancellationRequested();
            }

            SendNextPacket();
        }
    }

    /// <summary>
    /// The last frame's time in the stream's time base as ffmpeg passes it on: best effort, else (drained at the end)
    /// ffmpeg's clock, else the decoder's pts.
    /// </summary>
    public long FrameTimestamp { get; private set; }

    /// <summary>The angle of the stream's display matrix as av_display_rotation_get gives it (counter-clockwise degrees), or null without one.</summary>
    public double? DisplayMatrixAngle()
    {
        nuint size;
        byte* matrix = av.Format.av_stream_get_side_data(Stream, LibavAbi.SideData.DisplayMatrixType, &size);
        return matrix is null ? null : av.Format.av_display_rotation_get((int*)matrix);
    }

    public void Dispose()
    {
        CloseCodec();
        if (packet != 0)
        {
            nint allocated = packet;
            packet = 0;
            av.Format.av_packet_free(&allocated);
        }

        if (frame != 0)
        {
            nint allocated = frame;
            frame = 0;
            av.av_frame_free(&allocated);
        }

        LibavLog.Sink.Unroute(logRoute);
        input.Dispose();
    }

    /// <summary>av_parse_time's reading of "12.3456789": whole seconds and at most six decimals, in microseconds.</summary>
    internal static long ParseMicroseconds(string seconds)
    {
        int dot = seconds.IndexOf('.');
        string whole = dot < 0 ? seconds : seconds[..dot];
        string fraction = dot < 0 ? string.Empty : seconds[(dot + 1)..];
        fraction = fraction.Length > 6 ? fraction[..6] : fraction.PadRight(6, '0');
        return (long.Parse(whole, System.Globalization.CultureInfo.InvariantCulture) * LibavAbi.TimeBase)
            + long.Parse(fraction, System.Globalization.CultureInfo.InvariantCulture);
    }

    private void Start()
    {
        nint stream = Stream;
        nint parameters = LibavInput.CodecParametersOf(stream);
        TimeBaseNum = *(int*)(stream + LibavAbi.Stream.TimeBase);
        TimeBaseDen = *(int*)(stream + LibavAbi.Stream.TimeBase + 4);
        clock = new CommandLineDts(
            TimeBaseNum,
            TimeBaseDen,
            *(int*)(stream + LibavAbi.Stream.AverageFrameRate),
            *(int*)(stream + LibavAbi.Stream.AverageFrameRate + 4),
            *(int*)(parameters + LibavDecodeAbi.CodecParameters.VideoDelay));
        draining = false;
        ended = false;
        framesSincePacket = 0;
        for (int i = 0; i < input.Streams; i++)
        {
            if (i != StreamIndex)
            {
                *(int*)(input.StreamHandle(i) + LibavDecodeAbi.StreamDiscard) = LibavDecodeAbi.DiscardAll;
            }
        }

        if (packet == 0)
        {
            packet = av.Format.av_packet_alloc();
            frame = av.av_frame_alloc();
            if (packet == 0 || frame == 0)
            {
                throw new VidSearchException(ErrorKind.External, path, "libavcodec could not allocate a frame (out of memory)");
            }
        }

        nint decoder = av.avcodec_find_decoder(*(int*)(parameters + LibavAbi.CodecParameters.CodecId));
        if (decoder == 0)
        {
            return;
        }

        // AVCodec starts with its name.
        skipsPictures = SkipsNonReferencePictures(System.Runtime.InteropServices.Marshal.PtrToStringUTF8(*(nint*)decoder));
        discardLevel = LibavDecodeAbi.DiscardDefault;

        codec = av.avcodec_alloc_context3(decoder);
        if (codec == 0)
        {
            throw new VidSearchException(ErrorKind.External, path, "libavcodec could not allocate a decoder (out of memory)");
        }

        *(nint*)(codec + LibavDecodeAbi.CodecContext.Opaque) = logRoute;
        using var capture = LibavLog.Start(log);
        if (av.avcodec_parameters_to_context(codec, parameters) < 0)
        {
            CloseCodec();
            return;
        }

        // What ffmpeg sets: the packets' time base, and frame threads as many as the machine has cores (one for cover art).
        bool attachedPicture = (*(int*)(stream + LibavAbi.Stream.Disposition) & LibavAbi.Stream.AttachedPictureFlag) != 0;
        fixed (byte* threads = "threads"u8, count = attachedPicture ? "1"u8 : "auto"u8, timeBase = "pkt_timebase"u8)
        fixed (byte* timeBaseValue = Utf8.NullTerminated($"{TimeBaseNum}/{TimeBaseDen}"))
        {
            av.av_opt_set(codec, threads, count, 0);
            av.av_opt_set(codec, timeBase, timeBaseValue, 0);
        }

        if (av.avcodec_open2(codec, decoder, null) < 0)
        {
            CloseCodec();
        }
    }

    private void SendNextPacket()
    {
        if (draining)
        {
            return;
        }

        while (true)
        {
            int read = av.Format.av_read_frame(input.Handle, packet);
            if (read == LibavDecodeAbi.TryAgain)
            {
                continue;
            }

            if (read < 0)
            {
                draining = true;
                av.avcodec_send_packet(codec, 0);
                return;
            }

            try
            {
                if (*(int*)(packet + LibavAbi.Packet.StreamIndex) != StreamIndex || *(int*)(packet + LibavDecodeAbi.PacketSize) == 0)
                {
                    continue;
                }

                *(long*)(packet + LibavAbi.Packet.Dts) = clock.ForPacket(*(long*)(packet + LibavAbi.Packet.Dts), *(long*)(packet + LibavAbi.Packet.Duration));
                framesSincePacket = 0;
                if (skipsPictures)
                {
                    SetDiscardLevel(*(long*)(packet + LibavAbi.Packet.Pts));
                }

                av.avcodec_send_packet(codec, packet);
                return;
            }
            finally
            {
                av.Format.av_packet_unref(packet);
            }
        }
    }

    /// <summary>The decoders whose "skip_frame noref" drops only pictures that no other picture refers to.</summary>
    internal static bool SkipsNonReferencePictures(string? decoderName)
        => decoderName is "h264" or "hevc" or "mpeg1video" or "mpeg2video" or "mpeg4";

    /// <summary>Decodes the next packet's picture only where it may be wanted (set before it is sent: frame threads copy the setting then).</summary>
    private void SetDiscardLevel(long pts)
    {
        var wanted = IsWanted;
        bool skip = wanted is not null && pts != LibavAbi.NoTimestamp && !wanted((double)pts * TimeBaseNum / TimeBaseDen);
        int level = skip ? LibavDecodeAbi.DiscardNonReference : LibavDecodeAbi.DiscardDefault;
        if (level != discardLevel)
        {
            fixed (byte* name = "skip_frame"u8)
            {
                av.av_opt_set_int(codec, name, level, 0);
            }

            discardLevel = level;
        }
    }

    private void CloseCodec()
    {
        if (codec != 0)
        {
            nint open = codec;
            codec = 0;
            av.avcodec_free_context(&open);
        }
    }
}
