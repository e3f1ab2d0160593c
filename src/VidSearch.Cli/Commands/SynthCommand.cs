using System.CommandLine;
using VidSearch.Cli.Infrastructure;
using VidSearch.Core;
using VidSearch.Synthetic;
using VidSearch.Synthetic.Generation;

namespace VidSearch.Cli.Commands;

/// <summary>`vidsearch synth`: renders the synthetic video world (datasets in the manifest format).</summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var defaults = new WorldOptions();
        var output = new Option<string>("--out", "-o") { Description = "Output folder (one sub-folder per task, each with manifest.jsonl).", Required = true };
        var clips = new Option<int>("--clips", "-n") { Description = "Clips per task (the reversal task makes clips/2 pairs).", DefaultValueFactory = _ => defaults.Clips };
        var seed = new Option<long>("--seed", "-s") { Description = "Seed: same seed and options give the same datasets.", DefaultValueFactory = _ => 0 };
        var task = new Option<string>("--task", "-t") { Description = "retrieval, reversal, compositional, actions, localization, choice, static, motion, a comma-separated list, or all.", DefaultValueFactory = _ => "all" };
        var staticPairs = new Option<int>("--static-pairs") { Description = "Image-caption pairs (PNG) of the static task.", DefaultValueFactory = _ => defaults.StaticPairs };
        var stillPlaces = new Option<double>("--still-places") { Description = "Share of static captions that name where each object is (\"on the left\"); 0 = never.", DefaultValueFactory = _ => defaults.StillPlaces };
        var stillMirrors = new Option<double>("--still-mirrors") { Description = "Share of stills rendered with a mirror twin (left-right or top-bottom), both captioned with places and batched together.", DefaultValueFactory = _ => defaults.StillMirrors };
        var motionClips = new Option<int>("--motion-clips") { Description = "Film strips of the motion task (clips and their reversed twins, for video-text pretraining).", DefaultValueFactory = _ => defaults.MotionClips };
        var stripFrames = new Option<int>("--strip-frames") { Description = "Frames per film strip of the motion task.", DefaultValueFactory = _ => defaults.StripFrames };
        var motionTemplates = new Option<MotionTemplates>("--motion-templates") { Description = "Caption templates of the motion task: All (train and test-only, like web text) or Train.", DefaultValueFactory = _ => defaults.MotionTemplates };
        var size = new Option<int>("--size") { Description = "Canvas side in pixels.", DefaultValueFactory = _ => defaults.CanvasSize };
        var fps = new Option<int>("--fps") { Description = "Frames per second.", DefaultValueFactory = _ => defaults.Fps };
        var minSeconds = new Option<double>("--min-seconds") { Description = "Shortest clip (retrieval-style tasks).", DefaultValueFactory = _ => defaults.ClipMinSeconds };
        var maxSeconds = new Option<double>("--max-seconds") { Description = "Longest clip (retrieval-style tasks).", DefaultValueFactory = _ => defaults.ClipMaxSeconds };
        var captions = new Option<int>("--captions") { Description = "Captions per clip.", DefaultValueFactory = _ => defaults.CaptionsPerClip };
        var valFraction = new Option<double>("--val-fraction") { Description = "Share of val rows.", DefaultValueFactory = _ => defaults.ValFraction };
        var testFraction = new Option<double>("--test-fraction") { Description = "Share of test rows.", DefaultValueFactory = _ => defaults.TestFraction };
        var parallel = new Option<int>("--parallel") { Description = "Clips encoded at once (one ffmpeg each).", DefaultValueFactory = _ => defaults.Parallelism };
        var perEncoder = new Option<int>("--clips-per-encoder") { Description = "Clips encoded by one ffmpeg process (1 = one process per clip).", DefaultValueFactory = _ => defaults.ClipsPerEncoder };
        var contactSheet = new Option<string?>("--contact-sheet") { Description = "Also write a contact sheet (PNG + README.md) of a few clips into this folder." };
        var json = CommonOptions.Json();
        var command = new Command("synth", "Render the synthetic video world: clips, captions and manifests for training and evaluation.")
        {
            output, clips, seed, task, staticPairs, stillPlaces, stillMirrors, motionClips, stripFrames, motionTemplates, size, fps, minSeconds, maxSeconds, captions, valFraction, testFraction, parallel, perEncoder, contactSheet, json,
        };
        command.SetHandler(async (parse, cancellationToken) =>
        {
            var tasks = SyntheticTasks.Parse(parse.GetValue(task) ?? "all");
            var options = new WorldOptions
            {
                Seed = parse.GetValue(seed),
                Clips = parse.GetValue(clips),
                StaticPairs = parse.GetValue(staticPairs),
                StillPlaces = parse.GetValue(stillPlaces),
                StillMirrors = parse.GetValue(stillMirrors),
                MotionClips = parse.GetValue(motionClips),
                StripFrames = parse.GetValue(stripFrames),
                MotionTemplates = parse.GetValue(motionTemplates),
                CanvasSize = parse.GetValue(size),
                Fps = parse.GetValue(fps),
                ClipMinSeconds = parse.GetValue(minSeconds),
                ClipMaxSeconds = parse.GetValue(maxSeconds),
                CaptionsPerClip = parse.GetValue(captions),
                ValFraction = parse.GetValue(valFraction),
                TestFraction = parse.GetValue(testFraction),
                Parallelism = parse.GetValue(parallel),
                ClipsPerEncoder = parse.GetValue(perEncoder),
            }.Validate();
            var writer = new DatasetWriter(options);
            string outFolder = parse.GetValue(output)!;
            var summary = await ProgressDisplay.RunAsync(progress => writer.WriteAsync(outFolder, tasks, progress, cancellationToken));
            if (parse.GetValue(contactSheet) is string sheetFolder)
            {
                ContactSheet.Write(sheetFolder, SheetItems(writer.Planner), command: "vidsearch " + string.Join(' ', parse.Tokens.Select(t => t.Value)));
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(summary);
            }
            else
            {
                foreach (var t in summary.Tasks)
                {
                    string what = t.Images > 0 ? (t.Frames > t.Images ? $"{t.Images} strips ({t.Frames} frames)" : $"{t.Images} images") : $"{t.Videos} clips ({t.Frames} frames)";
                    Console.WriteLine($"{t.Task,-14} {what,-28} {t.Seconds,7:0.0} s  {t.ItemsPerSecond,7:0.0}/s  {t.Folder}");
                }

                Console.WriteLine($"done in {summary.Seconds:0.0} s (seed {summary.Seed})");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static List<DatasetItem> SheetItems(DatasetPlanner planner)
    {
        var retrieval = planner.Plan(SyntheticTask.Retrieval);
        var reversal = planner.Plan(SyntheticTask.Reversal);
        var items = retrieval.Take(5).Concat(reversal.Take(2)).ToList();
        if (items.Count == 0)
        {
            throw VidSearchException.Argument("--contact-sheet", "needs at least 2 clips (--clips)");
        }

        return items;
    }
}
