using System.Runtime.InteropServices;
using VidSearch.Media.Probing.Native;

namespace VidSearch.Media.Decoding.Native;

/// <summary>
/// The FFmpeg libraries the in-process decoder calls beyond the probe's (<see cref="LibavLibrary"/>): libavcodec 59
/// to decode, libavfilter 8 (with libswscale 6 under it) to rotate and convert frames to RGB exactly as the ffmpeg
/// command does, loaded once per program with their entry points resolved. Loading refuses, with a reason,
/// libraries that are missing, lack an entry point, have another major version, or whose struct layout differs
/// from <see cref="LibavDecodeAbi"/>.
/// </summary>
internal sealed unsafe class LibavDecodeLibrary
{
    public const int AvfilterMajor = 8;
    public const int SwscaleMajor = 6;

    private static readonly Lazy<(LibavDecodeLibrary? Library, string? Refusal)> SharedLoad = new(() =>
    {
        var format = LibavLibrary.Shared(out string? refusal);
        if (format is null)
        {
            return (null, refusal);
        }

        var library = TryLoad(format, Environment.GetEnvironmentVariable(LibavLibrary.DirectoryVariable) is { Length: > 0 } d ? d : null, out refusal);
        return (library, refusal);
    });

    private LibavDecodeLibrary(LibavLibrary format) => Format = format;

    /// <summary>The libraries this program decodes with, or null with <paramref name="refusal"/> saying why there are none.</summary>
    public static LibavDecodeLibrary? Shared(out string? refusal)
    {
        var (library, reason) = SharedLoad.Value;
        refusal = reason;
        return library;
    }

    /// <summary>The probe's libraries: opening files, reading packets, logging.</summary>
    public LibavLibrary Format { get; }

    public LibavVersion AvfilterVersion { get; private set; }

    public LibavVersion SwscaleVersion { get; private set; }

    // libavutil
    public delegate* unmanaged[Cdecl]<nint> av_frame_alloc { get; private set; }
    public delegate* unmanaged[Cdecl]<nint*, void> av_frame_free { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, void> av_frame_unref { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, byte*, byte*, int, int> av_opt_set { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, byte*, long, int, int> av_opt_set_int { get; private set; }

    // libavcodec
    public delegate* unmanaged[Cdecl]<int, nint> avcodec_find_decoder { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint> avcodec_alloc_context3 { get; private set; }
    public delegate* unmanaged[Cdecl]<nint*, void> avcodec_free_context { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, int> avcodec_parameters_to_context { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, nint*, int> avcodec_open2 { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, int> avcodec_send_packet { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, int> avcodec_receive_frame { get; private set; }

    // libavformat
    public delegate* unmanaged[Cdecl]<nint, int, long, long, long, int, int> avformat_seek_file { get; private set; }

    // libavfilter
    public delegate* unmanaged[Cdecl]<nint> avfilter_graph_alloc { get; private set; }
    public delegate* unmanaged[Cdecl]<nint*, void> avfilter_graph_free { get; private set; }
    public delegate* unmanaged[Cdecl]<byte*, nint> avfilter_get_by_name { get; private set; }
    public delegate* unmanaged[Cdecl]<nint*, nint, byte*, byte*, nint, nint, int> avfilter_graph_create_filter { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, uint, nint, uint, int> avfilter_link { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, int> avfilter_graph_config { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, int, int> av_buffersrc_add_frame_flags { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, int> av_buffersink_get_frame { get; private set; }

    public string Describe() => $"libavcodec {Format.AvcodecVersion} + libavfilter {AvfilterVersion} (in-process)";

    /// <summary>Why these versions cannot be used, or null when they can.</summary>
    public static string? VersionRefusal(LibavVersion avfilter, LibavVersion swscale)
    {
        var wrong = new List<string>();
        if (avfilter.Major != AvfilterMajor)
        {
            wrong.Add($"libavfilter {avfilter} (needs {AvfilterMajor}.x)");
        }

        if (swscale.Major != SwscaleMajor)
        {
            wrong.Add($"libswscale {swscale} (needs {SwscaleMajor}.x)");
        }

        return wrong.Count == 0 ? null : "unsupported FFmpeg libraries: " + string.Join(", ", wrong) + "; the in-process decoder needs FFmpeg 5.x";
    }

    /// <summary>Loads the libraries from <paramref name="directory"/> (null: the system's search path) and checks them.</summary>
    public static LibavDecodeLibrary? TryLoad(LibavLibrary format, string? directory, out string? refusal)
    {
        var library = new LibavDecodeLibrary(format);
        try
        {
            nint avutil = LibavLibrary.Load(directory, "libavutil.so.57");
            nint avcodec = LibavLibrary.Load(directory, "libavcodec.so.59");
            nint avformat = LibavLibrary.Load(directory, "libavformat.so.59");
            nint swscale = LibavLibrary.Load(directory, "libswscale.so.6");
            nint avfilter = LibavLibrary.Load(directory, "libavfilter.so.8");

            library.AvfilterVersion = LibavVersion.FromPacked(((delegate* unmanaged[Cdecl]<uint>)LibavLibrary.Export(avfilter, "libavfilter", "avfilter_version"))());
            library.SwscaleVersion = LibavVersion.FromPacked(((delegate* unmanaged[Cdecl]<uint>)LibavLibrary.Export(swscale, "libswscale", "swscale_version"))());
            refusal = VersionRefusal(library.AvfilterVersion, library.SwscaleVersion);
            if (refusal is not null)
            {
                return null;
            }

            library.av_frame_alloc = (delegate* unmanaged[Cdecl]<nint>)LibavLibrary.Export(avutil, "libavutil", "av_frame_alloc");
            library.av_frame_free = (delegate* unmanaged[Cdecl]<nint*, void>)LibavLibrary.Export(avutil, "libavutil", "av_frame_free");
            library.av_frame_unref = (delegate* unmanaged[Cdecl]<nint, void>)LibavLibrary.Export(avutil, "libavutil", "av_frame_unref");
            library.av_opt_set = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, int, int>)LibavLibrary.Export(avutil, "libavutil", "av_opt_set");
            library.av_opt_set_int = (delegate* unmanaged[Cdecl]<nint, byte*, long, int, int>)LibavLibrary.Export(avutil, "libavutil", "av_opt_set_int");
            library.avcodec_find_decoder = (delegate* unmanaged[Cdecl]<int, nint>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_find_decoder");
            library.avcodec_alloc_context3 = (delegate* unmanaged[Cdecl]<nint, nint>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_alloc_context3");
            library.avcodec_free_context = (delegate* unmanaged[Cdecl]<nint*, void>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_free_context");
            library.avcodec_parameters_to_context = (delegate* unmanaged[Cdecl]<nint, nint, int>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_parameters_to_context");
            library.avcodec_open2 = (delegate* unmanaged[Cdecl]<nint, nint, nint*, int>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_open2");
            library.avcodec_send_packet = (delegate* unmanaged[Cdecl]<nint, nint, int>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_send_packet");
            library.avcodec_receive_frame = (delegate* unmanaged[Cdecl]<nint, nint, int>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_receive_frame");
            library.avformat_seek_file = (delegate* unmanaged[Cdecl]<nint, int, long, long, long, int, int>)LibavLibrary.Export(avformat, "libavformat", "avformat_seek_file");
            library.avfilter_graph_alloc = (delegate* unmanaged[Cdecl]<nint>)LibavLibrary.Export(avfilter, "libavfilter", "avfilter_graph_alloc");
            library.avfilter_graph_free = (delegate* unmanaged[Cdecl]<nint*, void>)LibavLibrary.Export(avfilter, "libavfilter", "avfilter_graph_free");
            library.avfilter_get_by_name = (delegate* unmanaged[Cdecl]<byte*, nint>)LibavLibrary.Export(avfilter, "libavfilter", "avfilter_get_by_name");
            library.avfilter_graph_create_filter = (delegate* unmanaged[Cdecl]<nint*, nint, byte*, byte*, nint, nint, int>)LibavLibrary.Export(avfilter, "libavfilter", "avfilter_graph_create_filter");
            library.avfilter_link = (delegate* unmanaged[Cdecl]<nint, uint, nint, uint, int>)LibavLibrary.Export(avfilter, "libavfilter", "avfilter_link");
            library.avfilter_graph_config = (delegate* unmanaged[Cdecl]<nint, nint, int>)LibavLibrary.Export(avfilter, "libavfilter", "avfilter_graph_config");
            library.av_buffersrc_add_frame_flags = (delegate* unmanaged[Cdecl]<nint, nint, int, int>)LibavLibrary.Export(avfilter, "libavfilter", "av_buffersrc_add_frame_flags");
            library.av_buffersink_get_frame = (delegate* unmanaged[Cdecl]<nint, nint, int>)LibavLibrary.Export(avfilter, "libavfilter", "av_buffersink_get_frame");

            nint codecClass = ((delegate* unmanaged[Cdecl]<nint>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_get_class"))();
            refusal = library.CheckLayout(
                codecClass,
                (delegate* unmanaged[Cdecl]<nint>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_parameters_alloc"),
                (delegate* unmanaged[Cdecl]<nint*, void>)LibavLibrary.Export(avcodec, "libavcodec", "avcodec_parameters_free"));
            if (refusal is not null)
            {
                return null;
            }

            LibavLog.RouteCodecMessages(codecClass, LibavDecodeAbi.CodecContext.Opaque);
            return library;
        }
        catch (LibavLibrary.LoadFailure e)
        {
            refusal = e.Message;
            return null;
        }
    }

    /// <summary>Checks the offsets of <see cref="LibavDecodeAbi"/> against what freshly allocated structs and the option table hold.</summary>
    private string? CheckLayout(nint codecClass, delegate* unmanaged[Cdecl]<nint> parametersAlloc, delegate* unmanaged[Cdecl]<nint*, void> parametersFree)
    {
        string versions = $"libavcodec {Format.AvcodecVersion} / libavutil {Format.AvutilVersion}";
        int? bitRate = Format.OptionOffset(codecClass, "b");
        if (bitRate != LibavDecodeAbi.CodecContext.BitRate)
        {
            return $"{versions} lay out AVCodecContext differently from FFmpeg 5.x (b at {bitRate?.ToString() ?? "no offset"}, expected {LibavDecodeAbi.CodecContext.BitRate})";
        }

        nint frame = av_frame_alloc();
        if (frame == 0)
        {
            return "libavutil could not allocate a frame";
        }

        try
        {
            // av_frame_alloc sets these defaults: unknown times and format, a key frame, SAR 0/1, unspecified colours, no position.
            bool expected = *(int*)(frame + LibavDecodeAbi.Frame.Format) == -1
                && *(int*)(frame + LibavDecodeAbi.Frame.KeyFrame) == 1
                && *(long*)(frame + LibavDecodeAbi.Frame.SampleAspectRatio) == 1L << 32
                && *(long*)(frame + LibavDecodeAbi.Frame.Pts) == LibavAbi.NoTimestamp
                && *(long*)(frame + LibavDecodeAbi.Frame.PacketDts) == LibavAbi.NoTimestamp
                && *(long*)(frame + LibavDecodeAbi.Frame.TimeBase) == 1L << 32
                && *(int*)(frame + LibavDecodeAbi.Frame.ColorRange) == 0
                && *(int*)(frame + LibavDecodeAbi.Frame.ColorPrimaries) == LibavDecodeAbi.ColorUnspecified
                && *(int*)(frame + LibavDecodeAbi.Frame.ColorTransfer) == LibavDecodeAbi.ColorUnspecified
                && *(int*)(frame + LibavDecodeAbi.Frame.ColorSpace) == LibavDecodeAbi.ColorUnspecified
                && *(long*)(frame + LibavDecodeAbi.Frame.BestEffortTimestamp) == LibavAbi.NoTimestamp
                && *(long*)(frame + LibavDecodeAbi.Frame.PacketPosition) == -1;
            if (!expected)
            {
                return $"{versions} lay out AVFrame differently from FFmpeg 5.1 (its defaults are not where expected)";
            }
        }
        finally
        {
            av_frame_free(&frame);
        }

        nint parameters = parametersAlloc();
        if (parameters == 0)
        {
            return "libavcodec could not allocate codec parameters";
        }

        try
        {
            bool expected = *(int*)(parameters + LibavDecodeAbi.CodecParameters.Profile) == LibavDecodeAbi.UnknownProfile
                && *(int*)(parameters + LibavDecodeAbi.CodecParameters.Level) == LibavDecodeAbi.UnknownProfile
                && *(long*)(parameters + LibavDecodeAbi.CodecParameters.SampleAspectRatio) == 1L << 32
                && *(int*)(parameters + LibavDecodeAbi.CodecParameters.ColorPrimaries) == LibavDecodeAbi.ColorUnspecified
                && *(int*)(parameters + LibavDecodeAbi.CodecParameters.ColorSpace) == LibavDecodeAbi.ColorUnspecified
                && *(int*)(parameters + LibavDecodeAbi.CodecParameters.VideoDelay) == 0;
            return expected ? null : $"{versions} lay out AVCodecParameters differently from FFmpeg 5.x (its defaults are not where expected)";
        }
        finally
        {
            parametersFree(&parameters);
        }
    }
}
