using System.CommandLine;
using System.Globalization;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Media;
using VidSearch.Media.Decoding;
using VidSearch.Media.Imaging;
using VidSearch.Media.Sampling;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch frames FILE|DIR --strategy SPEC --out DIR`: writes the sampled frames as PNG files and/or a contact sheet.</summary>
public static class FramesCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A video file, or a folder (searched recursively for videos)." };
        var strategy = new Option<string>("--strategy", "-s")
        {
            Description = "Sampling: " + SamplingStrategies.Help + ".",
            DefaultValueFactory = _ => "clip4clip:12",
        };
        var output = new Option<string>("--out", "-o") { Description = "Folder to write into (created if needed).", Required = true };
        var write = new Option<string>("--write")
        {
            Description = "What to write: frames (one PNG per frame), sheet (one contact sheet per video) or both.",
            DefaultValueFactory = _ => "both",
        };
        write.AcceptOnlyFromAmong("frames", "sheet", "both");
        var json = CommonOptions.Json();
        var command = new Command("frames", "Sample frames from videos and write them as PNG files and/or a contact sheet.") { path, strategy, output, write, json };
        command.SetHandler(async (parse, ct) =>
        {
            string input = parse.GetValue(path)!;
            var sampler = new FrameSampler(SamplingStrategies.Parse(parse.GetValue(strategy)!));
            string outDir = parse.GetValue(output)!;
            string mode = parse.GetValue(write)!;
            var files = MediaFiles.Enumerate(input);
            CreateFolder(outDir);
            var batch = new BatchFailures(singleInput: File.Exists(input));
            var results = new List<object>();
            int partial = 0;
            await ProgressDisplay.RunAsync(progress => Task.Run(
                () =>
                {
                    for (int i = 0; i < files.Count; i++)
                    {
                        ct.ThrowIfCancellationRequested();
                        progress.Report(new WorkProgress("videos", i, files.Count, "files", Path.GetFileName(files[i])));
                        string file = files[i];
                        batch.Try(file, () =>
                        {
                            var result = Extract(sampler, file, OutputName(input, file), outDir, mode, progress, ct);
                            results.Add(result);
                            if (result.FailedTimestamps.Count > 0)
                            {
                                partial++;
                                Console.Error.WriteLine($"warning: {file}: {result.Report}");
                            }
                        });
                    }

                    progress.Report(new WorkProgress("videos", files.Count, files.Count, "files"));
                },
                ct));

            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { strategy = sampler.Strategy.Name, videos = results, failures = batch.Json });
            }

            return batch.Finish(files.Count, partial);
        });
        return command;
    }

    /// <summary>A contact sheet shows at most this many frames (spread evenly over the plan).</summary>
    private const int MaxSheetFrames = 64;

    private sealed record FrameFile(int Slot, double Timestamp, string? File);

    private sealed record VideoResult(string Path, double Duration, int Planned, List<FrameFile> Frames, string? Sheet, List<FailedTimestamp> FailedTimestamps, [property: System.Text.Json.Serialization.JsonIgnore] string Report);

    private static VideoResult Extract(FrameSampler sampler, string file, string name, string outDir, string mode, IProgress<WorkProgress> progress, CancellationToken ct)
    {
        var video = sampler.Open(file, ct);
        var report = new DecodeReport();
        var frames = new List<FrameFile>();
        var thumbnails = new List<(int Slot, RgbImage Image)>();
        bool writeFrames = mode is "frames" or "both";
        bool writeSheet = mode is "sheet" or "both";
        string frameDir = Path.Combine(outDir, name);
        var validSlots = Enumerable.Range(0, video.Plan.Count).Where(i => video.Plan.Mask[i]).ToList();
        var sheetSlots = validSlots.Count <= MaxSheetFrames
            ? validSlots.ToHashSet()
            : Clip4ClipSampling.LinspaceFloor(validSlots.Count - 1, MaxSheetFrames).Select(i => validSlots[i]).ToHashSet();
        if (writeFrames)
        {
            CreateFolder(frameDir);
        }

        foreach (var frame in video.Frames(report, progress, ct))
        {
            string? written = null;
            if (writeFrames)
            {
                written = Path.Combine(frameDir, string.Create(CultureInfo.InvariantCulture, $"frame_{frame.Index:000}_{frame.Timestamp:0.000}s.png"));
                PngWriter.Write(written, frame.Image);
            }

            frames.Add(new FrameFile(frame.Index, frame.Timestamp, written));
            if (writeSheet && sheetSlots.Contains(frame.Index))
            {
                // Keep only a thumbnail: memory stays bounded even for thousands of frames.
                thumbnails.Add((frame.Index, Thumbnail(frame.Image)));
            }
        }

        string? sheet = null;
        if (writeSheet && thumbnails.Count > 0)
        {
            sheet = Path.Combine(outDir, name + "_sheet.png");
            PngWriter.Write(sheet, ContactSheet.Compose(thumbnails.OrderBy(t => t.Slot).Select(t => t.Image).ToList()));
        }

        frames.Sort((a, b) => a.Slot.CompareTo(b.Slot));
        if (frames.Count == 0)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "no frame could be decoded: " + report.Summary());
        }

        return new VideoResult(file, video.Info.Duration, video.Plan.ValidCount, frames, sheet, report.Failed.ToList(), report.Summary());
    }

    private static RgbImage Thumbnail(RgbImage image)
    {
        const int width = 240;
        if (image.Width <= width)
        {
            return image;
        }

        int height = Math.Max(1, (int)Math.Round((double)width * image.Height / image.Width));
        return new Media.Preprocessing.BicubicResizer().Resize(image, width, height);
    }

    /// <summary>The file's path relative to the input folder, without extension, folders joined by "__".</summary>
    private static string OutputName(string input, string file)
    {
        string relative = File.Exists(input) ? Path.GetFileName(file) : Path.GetRelativePath(input, file);
        string stem = Path.ChangeExtension(relative, null)!;
        return stem.Replace(Path.DirectorySeparatorChar, '_').Replace(Path.AltDirectorySeparatorChar, '_');
    }

    private static void CreateFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, folder, "cannot create the output folder: " + e.Message, e);
        }
    }
}
