namespace VidSearch.Media.Decoding.Native;

/// <summary>
/// Byte offsets of the struct fields the in-process decoder reads or writes, for 64-bit builds of libavcodec 59 and
/// libavutil 57 (FFmpeg 5.1; AVFrame.time_base, new in 5.1, shifts the fields after it). <see cref="LibavDecodeLibrary"/>
/// checks them at load against the defaults the libraries give freshly allocated structs and their option tables.
/// </summary>
internal static class LibavDecodeAbi
{
    /// <summary>AVERROR(EAGAIN) and AVERROR_EOF.</summary>
    public const int TryAgain = -11;
    public const int EndOfFile = -0x20464F45;

    /// <summary>
    /// AVFrame: uint8_t *data[8]; int linesize[8]; uint8_t **extended_data; int width, height, nb_samples, format,
    /// key_frame; enum pict_type; AVRational sample_aspect_ratio; int64_t pts, pkt_dts; AVRational time_base; ...
    /// enum color_range (320), color_primaries, color_trc, colorspace, chroma_location; int64_t best_effort_timestamp (344), pkt_pos.
    /// </summary>
    public static class Frame
    {
        public const int Data = 0;
        public const int LineSize = 64;
        public const int Width = 104;
        public const int Height = 108;
        public const int Format = 116;
        public const int KeyFrame = 120;
        public const int SampleAspectRatio = 128;
        public const int Pts = 136;
        public const int PacketDts = 144;
        public const int TimeBase = 152;
        public const int ColorRange = 320;
        public const int ColorPrimaries = 324;
        public const int ColorTransfer = 328;
        public const int ColorSpace = 332;
        public const int BestEffortTimestamp = 344;
        public const int PacketPosition = 352;
    }

    /// <summary>AVCodecContext: const AVClass *av_class; int log_level_offset; enum codec_type; codec; codec_id; codec_tag; priv_data; internal; void *opaque; int64_t bit_rate.</summary>
    public static class CodecContext
    {
        public const int Opaque = 48;

        /// <summary>bit_rate, checked against the "b" option.</summary>
        public const int BitRate = 56;
    }

    /// <summary>AVCodecParameters: ... int profile (48), level; width, height; AVRational sample_aspect_ratio (64); field_order; color fields; int video_delay (96).</summary>
    public static class CodecParameters
    {
        public const int Profile = 48;
        public const int Level = 52;
        public const int SampleAspectRatio = 64;
        public const int ColorPrimaries = 80;
        public const int ColorSpace = 88;
        public const int VideoDelay = 96;
    }

    /// <summary>AVPacket: AVBufferRef *buf; int64_t pts, dts; uint8_t *data; int size (32), stream_index; ... int64_t duration (64).</summary>
    public const int PacketSize = 32;

    /// <summary>AVStream's enum AVDiscard discard, right after its disposition; AVDISCARD_ALL.</summary>
    public const int StreamDiscard = 52;
    public const int DiscardAll = 48;

    /// <summary>AVDISCARD_DEFAULT (decode every picture) and AVDISCARD_NONREF (skip pictures no other picture refers to), for the decoder's "skip_frame".</summary>
    public const int DiscardDefault = 0;
    public const int DiscardNonReference = 8;

    /// <summary>AVInputFormat: const char *name, *long_name; int flags; and its AVFMT_SEEK_TO_PTS flag.</summary>
    public const int InputFormatFlags = 16;
    public const int SeekToPtsFlag = 0x4000000;

    /// <summary>AV_BUFFERSRC_FLAG_PUSH | AV_BUFFERSRC_FLAG_KEEP_REF.</summary>
    public const int BufferSourcePushKeepReference = 4 | 8;

    /// <summary>AV_CODEC_ID_NONE and the FF_PROFILE_UNKNOWN / FF_LEVEL_UNKNOWN defaults.</summary>
    public const int UnknownProfile = -99;

    /// <summary>AVCOL_PRI_UNSPECIFIED, AVCOL_TRC_UNSPECIFIED and AVCOL_SPC_UNSPECIFIED.</summary>
    public const int ColorUnspecified = 2;

    /// <summary>AV_LOG_INFO: what ffmpeg -v info prints, the level the ffmpeg engine reads decoder complaints at.</summary>
    public const int LogInfo = 32;
}
