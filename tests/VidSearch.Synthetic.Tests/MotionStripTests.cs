using System.Text.RegularExpressions;
using VidSearch.Media.Imaging;
using VidSearch.Synthetic.Captions;
using VidSearch.Synthetic.Generation;
using VidSearch.Synthetic.Manifest;
using VidSearch.Synthetic.Rendering;
using VidSearch.Synthetic.World;
using VidSearch.TestSupport;

namespace VidSearch.Synthetic.Tests;

/// <summary>The motion task: film strips of clips and their reversed twins, for video-text pretraining.</summary>
public class MotionStripTests
{
    private static readonly WorldOptions Options = new() { Seed = 5, MotionClips = 40, StripFrames = 4, ClipMaxSeconds = 4 };

    [Fact]
    public void Strip_frames_are_the_midpoints_of_equal_segments()
    {
        Assert.Equal([2, 7, 12, 17], DatasetPlanner.StripFrameIndices(20, 4));
        Assert.Equal([0, 1, 2], DatasetPlanner.StripFrameIndices(3, 3));
        Assert.Equal([0, 0, 1, 1], DatasetPlanner.StripFrameIndices(2, 4));
    }

    [Fact]
    public void Twins_share_a_group_and_have_reversed_captions_and_strips()
    {
        var items = new DatasetPlanner(Options).Plan(SyntheticTask.Motion);
        Assert.Equal(40, items.Count);
        for (int i = 0; i < items.Count; i += 2)
        {
            var (forward, backward) = (items[i], items[i + 1]);
            Assert.Equal(forward.Row.Group, backward.Row.Group);
            Assert.Equal(forward.Row.Split, backward.Row.Split);
            Assert.Equal(4, forward.Row.Frames);
            Assert.StartsWith("strips/", forward.Row.Image);
            Assert.Null(forward.Row.Video);
            Assert.False(forward.Clip.Reversed);
            Assert.True(backward.Clip.Reversed);
            Assert.Equal(ClipReverser.Reverse(forward.Clip).Events, backward.Clip.Events);
            Assert.False(SceneGenerator.IsPalindrome(forward.Clip.Source), forward.Row.Id);
            Assert.NotEqual(forward.Row.Captions, backward.Row.Captions);
        }

        Assert.Equal(20, items.Select(i => i.Row.Group).Distinct().Count());
    }

    [Fact]
    public void Captions_use_every_template_by_default_and_only_train_templates_when_asked()
    {
        var patterns = CaptionGrammar.Default.TestOnlyTemplates
            .Select(t => new Regex(Regex.Escape(t).Replace(@"\{c1}", @"\w+").Replace(@"\{c2}", @"\w+").Replace(@"\{0}", ".+").Replace(@"\{1}", ".+")))
            .ToList();
        int TrainRowsWithTestTemplates(WorldOptions options) => new DatasetPlanner(options).Plan(SyntheticTask.Motion)
            .Where(i => i.Row.Split == "train")
            .Count(i => i.Row.Captions!.Any(c => patterns.Any(p => p.IsMatch(c))));

        int trainRows = new DatasetPlanner(Options).Plan(SyntheticTask.Motion).Count(i => i.Row.Split == "train");
        Assert.Equal(trainRows, TrainRowsWithTestTemplates(Options));
        Assert.Equal(0, TrainRowsWithTestTemplates(Options with { MotionTemplates = MotionTemplates.Train }));
        Assert.All(new DatasetPlanner(Options).Plan(SyntheticTask.Motion), i => Assert.Equal(5, i.Row.Captions!.Count));
    }

    [Fact]
    public async Task A_written_strip_holds_the_rendered_frames_side_by_side()
    {
        using var dir = new TempDirectory();
        var options = Options with { MotionClips = 4, StripFrames = 3 };
        var writer = new DatasetWriter(options);
        await writer.WriteTaskAsync(dir.Path, SyntheticTask.Motion, null, TestContext.Current.CancellationToken);
        var dataset = ManifestReader.Read(dir.Path);
        Assert.Equal(4, dataset.Rows.Count);
        var plan = writer.Planner.Plan(SyntheticTask.Motion);
        for (int i = 0; i < plan.Count; i++)
        {
            Assert.Equal(3, dataset.Rows[i].Frames);
            var strip = ImageFile.Read(dataset.MediaPath(dataset.Rows[i]), TestContext.Current.CancellationToken);
            Assert.Equal((3 * 128, 128), (strip.Width, strip.Height));
            var renderer = new FrameRenderer(plan[i].Clip);
            var indices = DatasetPlanner.StripFrameIndices(renderer.FrameCount, 3);
            for (int k = 0; k < 3; k++)
            {
                var frame = renderer.Render(indices[k]);
                for (int y = 0; y < 128; y += 17)
                {
                    Assert.True(frame.AsSpan(y * 128 * 3, 128 * 3).SequenceEqual(strip.Row(y).Slice(k * 128 * 3, 128 * 3)), $"row {i}, frame {k}, line {y}");
                }
            }
        }
    }

    [Fact]
    public void Absurd_strip_options_are_refused_by_name()
    {
        var error = Assert.Throws<VidSearch.Core.VidSearchException>(() => (Options with { StripFrames = 1 }).Validate());
        Assert.Contains("--strip-frames", error.Message);
        error = Assert.Throws<VidSearch.Core.VidSearchException>(() => (Options with { MotionClips = -2 }).Validate());
        Assert.Contains("--motion-clips", error.Message);
    }
}
