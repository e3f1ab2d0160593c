using System.CommandLine;
using System.Globalization;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Media;
using VidSearch.Media.Probing;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch probe FILE|DIR`: duration, frame rate, size, rotation, codec and audio of videos.</summary>
public static class ProbeCommand
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "A video file, or a folder (searched recursively for videos)." };
        var json = CommonOptions.Json();
        var command = new Command("probe", "Show what videos hold: duration, frame rate, size, rotation, codec, audio.") { path, json };
        command.SetHandler(async (parse, ct) =>
        {
            string input = parse.GetValue(path)!;
            var files = MediaFiles.Enumerate(input);
            var batch = new BatchFailures(singleInput: File.Exists(input));
            var videos = new List<VideoInfo>();
            await ProgressDisplay.RunAsync(progress => Task.Run(
                () =>
                {
                    for (int i = 0; i < files.Count; i++)
                    {
                        ct.ThrowIfCancellationRequested();
                        progress.Report(new WorkProgress("probe", i, files.Count, "files", Path.GetFileName(files[i])));
                        batch.Try(files[i], () => videos.Add(VideoProbe.Probe(files[i], ct)));
                    }

                    progress.Report(new WorkProgress("probe", files.Count, files.Count, "files"));
                },
                ct));

            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { videos, failures = batch.Json });
            }
            else
            {
                PrintTable(videos, Directory.Exists(input) ? input : null);
            }

            return batch.Finish(files.Count);
        });
        return command;
    }

    private static void PrintTable(IReadOnlyList<VideoInfo> videos, string? root)
    {
        var rows = new List<string[]> { new[] { "file", "duration", "fps", "size", "rot", "codec", "audio", "frames" } };
        foreach (var v in videos)
        {
            rows.Add(
            [
                root is null ? v.Path : Path.GetRelativePath(root, v.Path),
                v.Duration.ToString("0.000", CultureInfo.InvariantCulture) + " s",
                v.FrameRate.ToString("0.##", CultureInfo.InvariantCulture) + (v.IsVariableFrameRate ? " vfr" : string.Empty),
                $"{v.Width}x{v.Height}",
                v.Rotation.ToString(CultureInfo.InvariantCulture),
                v.Codec,
                v.HasAudio ? "yes" : "no",
                v.FrameCountEstimate.ToString(CultureInfo.InvariantCulture),
            ]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => c is 0 or 5 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }
    }
}
