using System.Diagnostics;
using System.Globalization;
using VidSearch.TestSupport;

namespace VidSearch.Media.Tests;

/// <summary>The real clips of ../shared/data/real and independent ffprobe/ffmpeg oracles for them.</summary>
internal static class RealClips
{
    public static IReadOnlyList<string> All()
        => Directory.EnumerateFiles(SharedData.Real(), "*", SearchOption.AllDirectories)
            .Where(p => p.EndsWith(".mp4") || p.EndsWith(".mkv") || p.EndsWith(".gif") || p.EndsWith(".avi") || p.EndsWith(".mpg"))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static string Msrvtt => SharedData.Real("msrvtt", "video9770.mp4");

    /// <summary>Runs a tool and returns stdout (throws on failure).</summary>
    public static string Run(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed: {err.Result}");
        }

        return output;
    }

    public static byte[] RunBytes(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        using var memory = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(memory);
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed: {err.Result}");
        }

        return memory.ToArray();
    }

    /// <summary>
    /// Oracle: the decoded frames' timestamps as ffprobe reports them after decoding every frame
    /// (best-effort timestamp and packet duration), in presentation order.
    /// </summary>
    public static (double[] Times, double LastDuration) DecodedFrameTimes(string path)
    {
        string csv = Run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time,pkt_duration_time", "-of", "csv=p=0", path);
        var times = new List<double>();
        double last = 0;
        foreach (var line in csv.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var cells = line.Trim().TrimEnd(',').Split(',');
            if (double.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double t))
            {
                times.Add(t);
                if (cells.Length > 1 && double.TryParse(cells[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
                {
                    last = d;
                }
            }
        }

        times.Sort();
        return (times.ToArray(), last);
    }

    /// <summary>Oracle: frame number <paramref name="n"/> (decode order of presentation) of a file as RGB, by ffmpeg's own frame counter.</summary>
    public static byte[] FrameByNumber(string path, int n)
        => RunBytes("ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:v:0", "-vf", $"select=eq(n\\,{n})", "-frames:v", "1", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1");

    /// <summary>Makes a test video with ffmpeg's lavfi sources.</summary>
    public static string Generate(string folder, string name, params string[] args)
    {
        string path = Path.Combine(folder, name);
        Run("ffmpeg", ["-nostdin", "-v", "error", "-y", .. args, path]);
        return path;
    }
}
