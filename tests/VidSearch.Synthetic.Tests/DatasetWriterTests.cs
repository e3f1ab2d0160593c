using VidSearch.Core;
using VidSearch.Synthetic.Generation;
using VidSearch.Synthetic.Manifest;
using VidSearch.Synthetic.Rendering;
using VidSearch.Synthetic.World;
using VidSearch.TestSupport;

namespace VidSearch.Synthetic.Tests;

public class DatasetWriterTests
{
    private static readonly WorldOptions Small = new() { Seed = 21, Clips = 6, StaticPairs = 8, MotionClips = 4, ClipMaxSeconds = 3, LocalizationMinSeconds = 12, LocalizationMaxSeconds = 13 };

    [Fact]
    public async Task Same_seed_gives_the_same_manifests_and_frames_and_another_seed_does_not()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        using var c = new TempDirectory();
        var tasks = new[] { SyntheticTask.Retrieval, SyntheticTask.Static };
        await new DatasetWriter(Small).WriteAsync(a.Path, tasks, null, TestContext.Current.CancellationToken);
        await new DatasetWriter(Small with { Parallelism = 1, ClipsPerEncoder = 1 }).WriteAsync(b.Path, tasks, null, TestContext.Current.CancellationToken);
        await new DatasetWriter(Small with { Seed = 22 }).WriteAsync(c.Path, tasks, null, TestContext.Current.CancellationToken);
        foreach (string task in new[] { "retrieval", "static" })
        {
            string manifest = Path.Combine(task, "manifest.jsonl");
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, manifest)), File.ReadAllBytes(Path.Combine(b.Path, manifest)));
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(a.Path, manifest)), File.ReadAllBytes(Path.Combine(c.Path, manifest)));
        }

        var first = ManifestReader.Read(Path.Combine(a.Path, "retrieval")).Rows[0];
        Assert.Equal(FfmpegDecode.Rgb(Path.Combine(a.Path, "retrieval", first.Media)), FfmpegDecode.Rgb(Path.Combine(b.Path, "retrieval", first.Media)));
        var image = ManifestReader.Read(Path.Combine(a.Path, "static")).Rows[0];
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, "static", image.Media)), File.ReadAllBytes(Path.Combine(b.Path, "static", image.Media)));

        var planA = new DatasetPlanner(Small).Plan(SyntheticTask.Retrieval);
        var planB = new DatasetPlanner(Small).Plan(SyntheticTask.Retrieval);
        Assert.Equal(new FrameRenderer(planA[0].Clip).Render(0), new FrameRenderer(planB[0].Clip).Render(0));
    }

    [Fact]
    public async Task Every_task_writes_a_readable_dataset_whose_files_exist()
    {
        using var dir = new TempDirectory();
        var progress = new List<WorkProgress>();
        var summary = await new DatasetWriter(Small).WriteAsync(dir.Path, SyntheticTasks.All, new SyncProgress(progress.Add), TestContext.Current.CancellationToken);
        Assert.Equal(SyntheticTasks.All.Count, summary.Tasks.Count);
        foreach (var task in SyntheticTasks.All)
        {
            var dataset = ManifestReader.Read(Path.Combine(dir.Path, task.Name()));
            Assert.Equal(task switch { SyntheticTask.Static => 8, SyntheticTask.Motion => 4, _ => 6 }, dataset.Rows.Count);
            Assert.All(dataset.Rows, r => Assert.True(new FileInfo(dataset.MediaPath(r)).Length > 0, r.Id));
            Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(dir.Path, task.Name()), "*partial*", SearchOption.AllDirectories));
        }

        var clips = progress.Where(p => p.Task == "render retrieval clips").ToList();
        Assert.Equal(6, clips[^1].Done);
        Assert.Equal(6, clips[^1].Total);
        Assert.True(File.Exists(Path.Combine(dir.Path, "synth.json")));
    }

    [Fact]
    public async Task Decoded_frames_show_the_objects_colour_at_its_position()
    {
        using var dir = new TempDirectory();
        var writer = new DatasetWriter(Small with { Clips = 8 });
        await writer.WriteTaskAsync(dir.Path, SyntheticTask.Retrieval, null, TestContext.Current.CancellationToken);
        int checkedObjects = 0;
        foreach (var item in writer.Planner.Plan(SyntheticTask.Retrieval))
        {
            var rgb = FfmpegDecode.Rgb(Path.Combine(dir.Path, item.Row.Media));
            var clip = item.Clip;
            Assert.Equal(clip.FrameCount * 128 * 128 * 3, rgb.Length);
            int frame = clip.FrameCount / 2;
            for (int o = 0; o < clip.Source.Objects.Count; o++)
            {
                var state = SceneState.At(clip.Source, o, Scene.FrameTime(frame, clip.Fps));
                bool occluded = Enumerable.Range(o + 1, clip.Source.Objects.Count - o - 1)
                    .Any(other => Overlaps(state, SceneState.At(clip.Source, other, Scene.FrameTime(frame, clip.Fps))));
                if (state.Opacity < 1 || occluded)
                {
                    continue;
                }

                var (jx, jy) = FrameRenderer.Jitter(clip.Source, frame, o);
                int x = (int)(state.X + jx), y = (int)(state.Y + jy);
                var (r, g, b) = FfmpegDecode.Pixel(rgb, 128, frame, x, y);
                Assert.True(Math.Abs(r - state.R) < 24 && Math.Abs(g - state.G) < 24 && Math.Abs(b - state.B) < 24,
                    $"{item.Row.Id} object {o} at ({x},{y}) frame {frame}: decoded ({r},{g},{b}), drawn ({state.R:0},{state.G:0},{state.B:0})");
                checkedObjects++;
            }
        }

        Assert.True(checkedObjects >= 8);
    }

    [Fact]
    public void Bad_options_give_clear_errors()
    {
        var negative = Assert.Throws<VidSearchException>(() => new WorldOptions { Clips = -3 }.Validate());
        Assert.Equal(ErrorKind.InvalidArgument, negative.Kind);
        Assert.Equal("--clips: -3 is negative", negative.Message);
        Assert.Contains("negative", Assert.Throws<VidSearchException>(() => new WorldOptions { StaticPairs = -1 }.Validate()).Message);
        Assert.Throws<VidSearchException>(() => new WorldOptions { Fps = 0 }.Validate());
        Assert.Throws<VidSearchException>(() => new WorldOptions { CanvasSize = 127 }.Validate());
        Assert.Throws<VidSearchException>(() => new WorldOptions { ClipMinSeconds = 5, ClipMaxSeconds = 2 }.Validate());
        Assert.Throws<VidSearchException>(() => new WorldOptions { TestFraction = 0.7, ValFraction = 0.5 }.Validate());
        Assert.Throws<VidSearchException>(() => new DatasetWriter(new WorldOptions { Parallelism = 0 }));

        var unknown = Assert.Throws<VidSearchException>(() => SyntheticTasks.Parse("retrieval,dance"));
        Assert.Equal("--task", unknown.Subject);
        Assert.Contains("unknown task 'dance'", unknown.Message);
        Assert.Equal(SyntheticTasks.All, SyntheticTasks.Parse("all"));
        Assert.Equal([SyntheticTask.Reversal, SyntheticTask.Choice], SyntheticTasks.Parse("Reversal, choice"));
    }

    [Fact]
    public async Task Output_path_that_is_a_file_is_rejected()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("f"), "x");
        var error = await Assert.ThrowsAsync<VidSearchException>(() => new DatasetWriter(Small).WriteAsync(dir.File("f"), SyntheticTasks.All, null, TestContext.Current.CancellationToken));
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public void Contact_sheet_has_one_row_per_clip_and_lists_captions()
    {
        using var dir = new TempDirectory();
        var items = new DatasetPlanner(Small).Plan(SyntheticTask.Retrieval).Take(3).ToList();
        string png = ContactSheet.Write(dir.Path, items, framesPerRow: 4);
        var rgb = FfmpegDecode.Rgb(png);
        Assert.Equal(((4 * 132) + 4) * ((3 * 132) + 4) * 3, rgb.Length);
        string md = File.ReadAllText(dir.File("README.md"));
        Assert.All(items.SelectMany(i => i.Row.Captions!), c => Assert.Contains(c, md));
    }

    private static bool Overlaps(ObjectState a, ObjectState b)
        => b.Opacity > 0 && Math.Abs(a.X - b.X) < (a.Side + b.Side) / 2 + 4 && Math.Abs(a.Y - b.Y) < (a.Side + b.Side) / 2 + 4;

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
