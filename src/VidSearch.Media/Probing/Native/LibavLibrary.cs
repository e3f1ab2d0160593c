using System.Runtime.InteropServices;

namespace VidSearch.Media.Probing.Native;

/// <summary>
/// The FFmpeg libraries the in-process probe calls (libavformat 59, libavcodec 59, libavutil 57), loaded once per
/// program with their entry points resolved. Loading refuses, with a reason, libraries that are missing, lack an
/// entry point, have another major version, or whose struct layout differs from <see cref="LibavAbi"/>.
/// </summary>
internal sealed unsafe class LibavLibrary
{
    /// <summary>Folder to load the libraries from instead of the system's search path.</summary>
    public const string DirectoryVariable = "VIDSEARCH_LIBAV_DIR";

    private static readonly Lazy<(LibavLibrary? Library, string? Refusal)> SharedLoad = new(() =>
    {
        var library = TryLoad(Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } d ? d : null, out string? refusal);
        library?.InstallLogCapture();
        return (library, refusal);
    });

    private LibavLibrary()
    {
    }

    /// <summary>The libraries this program uses, or null with <paramref name="refusal"/> saying why there are none.</summary>
    public static LibavLibrary? Shared(out string? refusal)
    {
        var (library, reason) = SharedLoad.Value;
        refusal = reason;
        return library;
    }

    public LibavVersion AvformatVersion { get; private set; }

    public LibavVersion AvcodecVersion { get; private set; }

    public LibavVersion AvutilVersion { get; private set; }

    // libavutil
    public delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<nint, int, nint, nint, void>, void> av_log_set_callback { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, int, nint, nint, byte*, int, int*, int> av_log_format_line2 { get; private set; }
    public delegate* unmanaged[Cdecl]<int, byte*, nuint, int> av_strerror { get; private set; }
    public delegate* unmanaged[Cdecl]<int*, double> av_display_rotation_get { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, byte*, nint, int, nint> av_dict_get { get; private set; }
    public delegate* unmanaged[Cdecl]<nint*, byte*, byte*, int, int> av_dict_set { get; private set; }
    public delegate* unmanaged[Cdecl]<nint*, void> av_dict_free { get; private set; }
    public delegate* unmanaged[Cdecl]<int, byte*> av_get_media_type_string { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, byte*, byte*, int, int, nint> av_opt_find { get; private set; }

    // libavcodec
    public delegate* unmanaged[Cdecl]<int, nint> avcodec_descriptor_get { get; private set; }
    public delegate* unmanaged[Cdecl]<nint> av_packet_alloc { get; private set; }
    public delegate* unmanaged[Cdecl]<nint*, void> av_packet_free { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, void> av_packet_unref { get; private set; }

    // libavformat
    public delegate* unmanaged[Cdecl]<nint*, byte*, nint, nint*, int> avformat_open_input { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, int> avformat_find_stream_info { get; private set; }
    public delegate* unmanaged[Cdecl]<nint*, void> avformat_close_input { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, nint, int> av_read_frame { get; private set; }
    public delegate* unmanaged[Cdecl]<nint, int, nuint*, byte*> av_stream_get_side_data { get; private set; }

    public string Describe() => $"libavformat {AvformatVersion} (in-process)";

    /// <summary>Loads the libraries from <paramref name="directory"/> (null: the system's search path) and checks them.</summary>
    public static LibavLibrary? TryLoad(string? directory, out string? refusal)
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            refusal = "the in-process probe supports 64-bit Linux only";
            return null;
        }

        var library = new LibavLibrary();
        try
        {
            nint avutil = Load(directory, "libavutil.so.57");
            nint avcodec = Load(directory, "libavcodec.so.59");
            nint avformat = Load(directory, "libavformat.so.59");

            library.AvutilVersion = LibavVersion.FromPacked(((delegate* unmanaged[Cdecl]<uint>)Export(avutil, "libavutil", "avutil_version"))());
            library.AvcodecVersion = LibavVersion.FromPacked(((delegate* unmanaged[Cdecl]<uint>)Export(avcodec, "libavcodec", "avcodec_version"))());
            library.AvformatVersion = LibavVersion.FromPacked(((delegate* unmanaged[Cdecl]<uint>)Export(avformat, "libavformat", "avformat_version"))());
            refusal = LibavVersionGate.Refusal(library.AvformatVersion, library.AvcodecVersion, library.AvutilVersion);
            if (refusal is not null)
            {
                return null;
            }

            library.av_log_set_callback = (delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<nint, int, nint, nint, void>, void>)Export(avutil, "libavutil", "av_log_set_callback");
            library.av_log_format_line2 = (delegate* unmanaged[Cdecl]<nint, int, nint, nint, byte*, int, int*, int>)Export(avutil, "libavutil", "av_log_format_line2");
            library.av_strerror = (delegate* unmanaged[Cdecl]<int, byte*, nuint, int>)Export(avutil, "libavutil", "av_strerror");
            library.av_display_rotation_get = (delegate* unmanaged[Cdecl]<int*, double>)Export(avutil, "libavutil", "av_display_rotation_get");
            library.av_dict_get = (delegate* unmanaged[Cdecl]<nint, byte*, nint, int, nint>)Export(avutil, "libavutil", "av_dict_get");
            library.av_dict_set = (delegate* unmanaged[Cdecl]<nint*, byte*, byte*, int, int>)Export(avutil, "libavutil", "av_dict_set");
            library.av_dict_free = (delegate* unmanaged[Cdecl]<nint*, void>)Export(avutil, "libavutil", "av_dict_free");
            library.av_get_media_type_string = (delegate* unmanaged[Cdecl]<int, byte*>)Export(avutil, "libavutil", "av_get_media_type_string");
            library.av_opt_find = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, int, int, nint>)Export(avutil, "libavutil", "av_opt_find");
            library.avcodec_descriptor_get = (delegate* unmanaged[Cdecl]<int, nint>)Export(avcodec, "libavcodec", "avcodec_descriptor_get");
            library.av_packet_alloc = (delegate* unmanaged[Cdecl]<nint>)Export(avcodec, "libavcodec", "av_packet_alloc");
            library.av_packet_free = (delegate* unmanaged[Cdecl]<nint*, void>)Export(avcodec, "libavcodec", "av_packet_free");
            library.av_packet_unref = (delegate* unmanaged[Cdecl]<nint, void>)Export(avcodec, "libavcodec", "av_packet_unref");
            library.avformat_open_input = (delegate* unmanaged[Cdecl]<nint*, byte*, nint, nint*, int>)Export(avformat, "libavformat", "avformat_open_input");
            library.avformat_find_stream_info = (delegate* unmanaged[Cdecl]<nint, nint, int>)Export(avformat, "libavformat", "avformat_find_stream_info");
            library.avformat_close_input = (delegate* unmanaged[Cdecl]<nint*, void>)Export(avformat, "libavformat", "avformat_close_input");
            library.av_read_frame = (delegate* unmanaged[Cdecl]<nint, nint, int>)Export(avformat, "libavformat", "av_read_frame");
            library.av_stream_get_side_data = (delegate* unmanaged[Cdecl]<nint, int, nuint*, byte*>)Export(avformat, "libavformat", "av_stream_get_side_data");

            // The libraries describe some of their own fields in their option tables: check the layout against them.
            refusal = library.CheckLayout(
                ((delegate* unmanaged[Cdecl]<nint>)Export(avformat, "libavformat", "avformat_get_class"))(),
                ((delegate* unmanaged[Cdecl]<nint>)Export(avformat, "libavformat", "av_stream_get_class"))());
            return refusal is null ? library : null;
        }
        catch (LoadFailure e)
        {
            refusal = e.Message;
            return null;
        }
    }

    /// <summary>Routes the libraries' error messages to <see cref="LibavLog"/> (process-wide: once per program).</summary>
    private void InstallLogCapture() => LibavLog.Install(this);

    private string? CheckLayout(nint formatClass, nint streamClass)
    {
        var expected = new (nint Class, string Struct, string Option, int Offset)[]
        {
            (formatClass, "AVFormatContext", "fflags", LibavAbi.FormatContext.Flags),
            (formatClass, "AVFormatContext", "probesize", LibavAbi.FormatContext.ProbeSize),
            (streamClass, "AVStream", "disposition", LibavAbi.Stream.Disposition),
        };
        foreach (var (avClass, name, option, offset) in expected)
        {
            int? actual = OptionOffset(avClass, option);
            if (actual != offset)
            {
                return $"libavformat {AvformatVersion} lays out {name} differently from FFmpeg 5.x ({option} at {actual?.ToString() ?? "no offset"}, expected {offset})";
            }
        }

        return null;
    }

    /// <summary>Where an AVOption of a class lives in its objects (shared with the decoding library's layout checks).</summary>
    internal int? OptionOffset(nint avClass, string name)
    {
        if (avClass == 0)
        {
            return null;
        }

        // av_opt_find takes an object whose first field points to its AVClass: a pointer to the class pointer is one.
        nint fakeObject = avClass;
        nint option;
        fixed (byte* text = Utf8.NullTerminated(name))
        {
            option = av_opt_find((nint)(&fakeObject), text, null, 0, 0);
        }

        return option == 0 ? null : *(int*)(option + LibavAbi.Option.Offset);
    }

    internal static nint Load(string? directory, string name)
    {
        string target = directory is null ? name : Path.Combine(directory, name);
        if (NativeLibrary.TryLoad(target, out nint handle))
        {
            return handle;
        }

        throw new LoadFailure($"cannot load {target}");
    }

    internal static nint Export(nint library, string libraryName, string name)
        => NativeLibrary.TryGetExport(library, name, out nint address) ? address : throw new LoadFailure($"{libraryName} has no {name}");

    /// <summary>A library or symbol that cannot be loaded: the in-process engines refuse themselves with its message.</summary>
    internal sealed class LoadFailure(string message) : Exception(message);
}
