using System.Globalization;
using VidSearch.Core;
using VidSearch.Media.Imaging;
using VidSearch.Media.Probing.Native;

namespace VidSearch.Media.Decoding.Native;

/// <summary>
/// Turns decoded frames into RGB images through the filters the ffmpeg command runs on them: its automatic rotation
/// (transpose, hflip+vflip or rotate, from the stream's display matrix), then "scale=W:H,format=rgb24" with the
/// command's default swscale flags (bicubic), which also take the colour matrix and range from each frame. Same
/// libraries, same filters, same options: the same pixels. The filter graph is rebuilt when the frames' size or
/// pixel format changes, as ffmpeg does.
/// </summary>
internal sealed unsafe class LibavRgbConverter : IDisposable
{
    /// <summary>AV_PIX_FMT_RGB24.</summary>
    private const int Rgb24 = 2;

    private readonly LibavDecodeLibrary av;
    private readonly string path;
    private readonly int width;
    private readonly int height;
    private readonly IReadOnlyList<(string Filter, string? Arguments)> rotation;
    private nint graph;
    private nint source;
    private nint sink;
    private nint output;
    private (int Width, int Height, int Format) input;

    public LibavRgbConverter(LibavDecodeLibrary av, string path, int width, int height, IReadOnlyList<(string Filter, string? Arguments)> rotation)
    {
        this.av = av;
        this.path = path;
        this.width = width;
        this.height = height;
        this.rotation = rotation;
    }

    /// <summary>
    /// The filters ffmpeg 5.1 inserts for a display matrix (null: none): its angle rounded, brought into [0, 360) as
    /// ffmpeg's get_rotation does; quarter turns by transposing or flipping, any other angle by the rotate filter.
    /// </summary>
    public static List<(string Filter, string? Arguments)> RotationFilters(double? matrixAngle)
    {
        double theta = matrixAngle is double angle ? -Math.Round(angle, MidpointRounding.AwayFromZero) : 0;
        theta -= 360 * Math.Floor((theta / 360) + (0.9 / 360));
        if (Math.Abs(theta - 90) < 1.0)
        {
            return [("transpose", "clock")];
        }

        if (Math.Abs(theta - 180) < 1.0)
        {
            return [("hflip", null), ("vflip", null)];
        }

        if (Math.Abs(theta - 270) < 1.0)
        {
            return [("transpose", "cclock")];
        }

        return Math.Abs(theta) > 1.0 ? [("rotate", theta.ToString("F6", CultureInfo.InvariantCulture) + "*PI/180")] : [];
    }

    /// <summary>The decoded <paramref name="frame"/> (time base <paramref name="timeBaseNum"/>/<paramref name="timeBaseDen"/>) as displayed, in RGB.</summary>
    public RgbImage Convert(nint frame, int timeBaseNum, int timeBaseDen)
    {
        var size = (*(int*)(frame + LibavDecodeAbi.Frame.Width), *(int*)(frame + LibavDecodeAbi.Frame.Height), *(int*)(frame + LibavDecodeAbi.Frame.Format));
        if (graph == 0 || size != input)
        {
            Build(frame, size, timeBaseNum, timeBaseDen);
        }

        Check(av.av_buffersrc_add_frame_flags(source, frame, LibavDecodeAbi.BufferSourcePushKeepReference), "could not filter a frame");
        Check(av.av_buffersink_get_frame(sink, output), "the filters gave no frame");
        try
        {
            if (*(int*)(output + LibavDecodeAbi.Frame.Width) != width || *(int*)(output + LibavDecodeAbi.Frame.Height) != height
                || *(int*)(output + LibavDecodeAbi.Frame.Format) != Rgb24)
            {
                throw new VidSearchException(ErrorKind.External, "libavfilter", $"converted a frame of {path} to something other than {width}x{height} RGB");
            }

            int rowBytes = width * 3;
            var pixels = new byte[checked(rowBytes * height)];
            byte* data = *(byte**)(output + LibavDecodeAbi.Frame.Data);
            int stride = *(int*)(output + LibavDecodeAbi.Frame.LineSize);
            for (int y = 0; y < height; y++)
            {
                new ReadOnlySpan<byte>(data + ((long)y * stride), rowBytes).CopyTo(pixels.AsSpan(y * rowBytes, rowBytes));
            }

            return new RgbImage(pixels, width, height);
        }
        finally
        {
            av.av_frame_unref(output);
        }
    }

    public void Dispose()
    {
        FreeGraph();
        if (output != 0)
        {
            nint frame = output;
            output = 0;
            av.av_frame_free(&frame);
        }
    }

    private void Build(nint frame, (int Width, int Height, int Format) size, int timeBaseNum, int timeBaseDen)
    {
        FreeGraph();
        if (output == 0)
        {
            output = av.av_frame_alloc();
        }

        graph = av.avfilter_graph_alloc();
        if (graph == 0 || output == 0)
        {
            throw new VidSearchException(ErrorKind.External, path, "libavfilter could not allocate a filter graph (out of memory)");
        }

        // ffmpeg gives its filter graphs these options for every scaler, including those it inserts itself.
        fixed (byte* key = "scale_sws_opts"u8, value = "flags=bicubic"u8)
        {
            Check(av.av_opt_set(graph, key, value, 0), "libavfilter refused the scaler options");
        }

        int sarNum = *(int*)(frame + LibavDecodeAbi.Frame.SampleAspectRatio), sarDen = *(int*)(frame + LibavDecodeAbi.Frame.SampleAspectRatio + 4);
        string buffer = string.Create(
            CultureInfo.InvariantCulture,
            $"video_size={size.Width}x{size.Height}:pix_fmt={size.Format}:time_base={timeBaseNum}/{timeBaseDen}:pixel_aspect={sarNum}/{(sarDen > 0 ? sarDen : 1)}");
        source = Add("buffer", buffer);
        nint last = source;
        foreach (var (filter, arguments) in rotation)
        {
            last = Link(last, Add(filter, arguments));
        }

        last = Link(last, Add("scale", string.Create(CultureInfo.InvariantCulture, $"w={width}:h={height}:flags=bicubic")));
        last = Link(last, Add("format", "pix_fmts=rgb24"));
        sink = Link(last, Add("buffersink", null));
        Check(av.avfilter_graph_config(graph, 0), "could not configure the filters");
        input = size;
    }

    private nint Add(string filter, string? arguments)
    {
        nint context = 0;
        fixed (byte* name = Utf8.NullTerminated(filter), args = arguments is null ? null : Utf8.NullTerminated(arguments))
        {
            nint definition = av.avfilter_get_by_name(name);
            if (definition == 0)
            {
                throw new VidSearchException(ErrorKind.External, "libavfilter", $"has no {filter} filter");
            }

            Check(av.avfilter_graph_create_filter(&context, definition, name, args, 0, graph), $"could not create the {filter} filter");
        }

        return context;
    }

    private nint Link(nint from, nint to)
    {
        Check(av.avfilter_link(from, 0, to, 0), "could not link the filters");
        return to;
    }

    private void Check(int result, string what)
    {
        if (result < 0)
        {
            byte* text = stackalloc byte[256];
            string reason = av.Format.av_strerror(result, text, 256) == 0 ? Utf8.Read(text) ?? "unknown error" : $"error {result}";
            throw new VidSearchException(ErrorKind.External, "libavfilter", $"{what} for {path}: {reason}");
        }
    }

    private void FreeGraph()
    {
        if (graph != 0)
        {
            nint open = graph;
            graph = 0;
            source = sink = 0;
            av.avfilter_graph_free(&open);
        }
    }
}
