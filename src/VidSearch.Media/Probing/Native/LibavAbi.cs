namespace VidSearch.Media.Probing.Native;

/// <summary>
/// Byte offsets of the struct fields the in-process probe reads, for 64-bit builds of libavformat 59,
/// libavcodec 59 and libavutil 57 (FFmpeg 5.0 and 5.1); <see cref="LibavVersionGate"/> refuses other versions and
/// <see cref="LibavLibrary"/> checks a few of these offsets against the libraries' own option tables when loading.
/// </summary>
internal static class LibavAbi
{
    /// <summary>AV_NOPTS_VALUE: a timestamp that is not known.</summary>
    public const long NoTimestamp = long.MinValue;

    /// <summary>AV_TIME_BASE: the unit of AVFormatContext times (microseconds).</summary>
    public const int TimeBase = 1_000_000;

    /// <summary>AVFormatContext: const AVClass *av_class, iformat, oformat, priv_data, pb; int ctx_flags; unsigned nb_streams; AVStream **streams; char *url; int64_t start_time, duration...</summary>
    public static class FormatContext
    {
        public const int InputFormat = 8;
        public const int StreamCount = 44;
        public const int Streams = 48;
        public const int Url = 56;
        public const int StartTime = 64;
        public const int Duration = 72;

        /// <summary>int flags and int64_t probesize, checked against the "fflags" and "probesize" options.</summary>
        public const int Flags = 96;
        public const int ProbeSize = 104;
    }

    /// <summary>AVInputFormat: const char *name comes first.</summary>
    public const int InputFormatName = 0;

    /// <summary>
    /// AVStream (no av_class before libavformat 60): int index, id; void *priv_data; AVRational time_base;
    /// int64_t start_time, duration, nb_frames; int disposition; enum discard; AVRational sample_aspect_ratio;
    /// AVDictionary *metadata; AVRational avg_frame_rate; AVPacket attached_pic (104 bytes);
    /// AVPacketSideData *side_data; int nb_side_data, event_flags; AVRational r_frame_rate; AVCodecParameters *codecpar.
    /// </summary>
    public static class Stream
    {
        public const int Index = 0;
        public const int TimeBase = 16;
        public const int StartTime = 24;
        public const int Duration = 32;
        public const int FrameCount = 40;
        public const int Disposition = 48;
        public const int Metadata = 64;
        public const int AverageFrameRate = 72;
        public const int SideData = 184;
        public const int SideDataCount = 192;
        public const int RealFrameRate = 200;
        public const int CodecParameters = 208;

        /// <summary>AV_DISPOSITION_ATTACHED_PIC.</summary>
        public const int AttachedPictureFlag = 0x0400;
    }

    /// <summary>AVPacketSideData: uint8_t *data; size_t size; enum AVPacketSideDataType type (24 bytes with padding).</summary>
    public static class SideData
    {
        public const int Data = 0;
        public const int Length = 8;
        public const int Type = 16;
        public const int Size = 24;

        /// <summary>AV_PKT_DATA_DISPLAYMATRIX: nine int32 of a 3x3 display transformation.</summary>
        public const int DisplayMatrixType = 5;
    }

    /// <summary>AVCodecParameters: enum codec_type, codec_id; uint32 codec_tag; uint8_t *extradata; int extradata_size, format; int64_t bit_rate; int bits x2, profile, level, width, height.</summary>
    public static class CodecParameters
    {
        public const int CodecType = 0;
        public const int CodecId = 4;
        public const int Width = 56;
        public const int Height = 60;
    }

    /// <summary>AVPacket: AVBufferRef *buf; int64_t pts, dts; uint8_t *data; int size, stream_index, flags; side data; int64_t duration.</summary>
    public static class Packet
    {
        public const int Pts = 8;
        public const int Dts = 16;
        public const int StreamIndex = 36;
        public const int Flags = 40;
        public const int Duration = 64;

        /// <summary>AV_PKT_FLAG_KEY.</summary>
        public const int KeyFlag = 0x0001;
    }

    /// <summary>AVCodecDescriptor: enum id, enum type, const char *name.</summary>
    public const int CodecDescriptorName = 8;

    /// <summary>AVDictionaryEntry: char *key, char *value.</summary>
    public const int DictionaryEntryValue = 8;

    /// <summary>AVClass: const char *class_name; item_name(); const AVOption *option.</summary>
    public const int ClassOptions = 16;

    /// <summary>AVOption: const char *name, *help; int offset; ... (the table ends with a null name).</summary>
    public static class Option
    {
        public const int Name = 0;
        public const int Offset = 16;
        public const int Size = 64;
    }

    /// <summary>AV_DICT_MATCH_CASE and AV_DICT_DONT_OVERWRITE flags of av_dict_get / av_dict_set.</summary>
    public const int DictionaryMatchCase = 1;
    public const int DictionaryDontOverwrite = 16;

    /// <summary>AV_LOG_ERROR: messages at this level or more severe are what ffprobe -v error prints.</summary>
    public const int LogError = 16;
}
