using VidSearch.Synthetic.Captions;
using VidSearch.Synthetic.Generation;
using VidSearch.Synthetic.Rendering;
using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Tests;

public class SceneTests
{
    private static readonly WorldOptions Options = new() { Seed = 7, Clips = 120, StaticPairs = 50 };

    private static IEnumerable<Scene> ManyScenes()
    {
        var generator = new SceneGenerator(Options);
        for (int i = 0; i < 300; i++)
        {
            var rng = DeterministicRandom.ForStream(3, (ulong)i);
            yield return i % 3 == 0 ? generator.Localization(rng, HeldOutPolicy.Allow) : generator.Retrieval(rng, HeldOutPolicy.Allow);
        }
    }

    [Fact]
    public void Moves_cover_at_least_30_percent_of_the_canvas_and_objects_stay_inside()
    {
        int moves = 0;
        foreach (var scene in ManyScenes())
        {
            foreach (var e in scene.Events.Where(e => e.Kind.IsMove()))
            {
                var before = SceneState.At(scene, e.ObjectIndex, e.Start);
                var after = SceneState.At(scene, e.ObjectIndex, e.End);
                double distance = Math.Abs(after.X - before.X) + Math.Abs(after.Y - before.Y);
                Assert.True(distance >= 0.3 * scene.CanvasSize - 1e-9, $"{e.Kind} moved {distance} px");
                bool rightWay = e.Kind switch
                {
                    EventKind.MoveLeft => after.X < before.X && after.Y == before.Y,
                    EventKind.MoveRight => after.X > before.X && after.Y == before.Y,
                    EventKind.MoveUp => after.Y < before.Y && after.X == before.X,
                    _ => after.Y > before.Y && after.X == before.X,
                };
                Assert.True(rightWay, $"{e.Kind} went from ({before.X},{before.Y}) to ({after.X},{after.Y})");
                moves++;
            }

            for (int f = 0; f < scene.FrameCount; f++)
            {
                for (int o = 0; o < scene.Objects.Count; o++)
                {
                    var s = SceneState.At(scene, o, Scene.FrameTime(f, scene.Fps));
                    var (jx, jy) = FrameRenderer.Jitter(scene, f, o);
                    Assert.InRange(Math.Abs(jx), 0, scene.JitterPixels);
                    Assert.InRange(Math.Abs(jy), 0, scene.JitterPixels);
                    Assert.InRange(s.X + jx - (s.Side / 2), 0, scene.CanvasSize);
                    Assert.InRange(s.X + jx + (s.Side / 2), 0, scene.CanvasSize);
                    Assert.InRange(s.Y + jy - (s.Side / 2), 0, scene.CanvasSize);
                    Assert.InRange(s.Y + jy + (s.Side / 2), 0, scene.CanvasSize);
                }
            }
        }

        Assert.True(moves > 50, $"only {moves} moves drawn");
    }

    [Fact]
    public void Events_match_the_rendered_state_changes()
    {
        foreach (var scene in ManyScenes())
        {
            foreach (var e in scene.Events)
            {
                var before = SceneState.At(scene, e.ObjectIndex, e.Start);
                var after = SceneState.At(scene, e.ObjectIndex, e.End);
                Assert.Equal(scene.SideOf(e.Subject.Size), before.Side, 6);
                switch (e.Kind)
                {
                    case EventKind.Grow:
                        Assert.Equal(2 * before.Side, after.Side, 6);
                        break;
                    case EventKind.Shrink:
                        Assert.Equal(before.Side / 2, after.Side, 6);
                        break;
                    case EventKind.Appear:
                        Assert.Equal((0.0, 1.0), (before.Opacity, after.Opacity));
                        break;
                    case EventKind.Disappear:
                        Assert.Equal((1.0, 0.0), (before.Opacity, after.Opacity));
                        break;
                    case EventKind.ChangeColor:
                        var from = Rgb.Of(e.Subject.Color);
                        var to = Rgb.Of(e.ToColor!.Value);
                        Assert.NotEqual(e.Subject.Color, e.ToColor);
                        Assert.Equal((from.R, from.G, from.B), ((byte)before.R, (byte)before.G, (byte)before.B));
                        Assert.Equal((to.R, to.G, to.B), ((byte)Math.Round(after.R), (byte)Math.Round(after.G), (byte)Math.Round(after.B)));
                        break;
                    case EventKind.Stay:
                        Assert.Equal((before.X, before.Y, before.Side), (after.X, after.Y, after.Side));
                        break;
                }
            }
        }
    }

    [Fact]
    public void Localization_clips_hold_2_to_4_separate_events_inside_12_to_30_seconds()
    {
        var planner = new DatasetPlanner(Options with { Clips = 40 });
        foreach (var item in planner.Plan(SyntheticTask.Localization))
        {
            var events = item.Row.Events!;
            Assert.InRange(events.Count, 2, 4);
            Assert.InRange(item.Clip.Duration, 12, 30);
            for (int i = 0; i < events.Count; i++)
            {
                Assert.True(events[i].Start >= 0 && events[i].End <= item.Clip.Duration && events[i].Start < events[i].End);
                Assert.False(string.IsNullOrWhiteSpace(events[i].Caption));
                Assert.Contains(events[i].Label, Vocabulary.EventKinds.Select(k => k.Label()));
                if (i > 0)
                {
                    Assert.True(events[i - 1].End < events[i].Start, $"{item.Row.Id}: events {i - 1} and {i} overlap or touch");
                }
            }
        }
    }

    [Fact]
    public void Action_clips_hold_one_event_of_their_label_with_balanced_classes()
    {
        var planner = new DatasetPlanner(Options with { Clips = 100 });
        var items = planner.Plan(SyntheticTask.Actions);
        foreach (var item in items)
        {
            Assert.Single(item.Clip.Events);
            Assert.Equal(item.Clip.Events[0].Kind.Label(), item.Row.Label);
        }

        var counts = items.GroupBy(i => i.Row.Label).Select(g => g.Count()).ToList();
        Assert.Equal(10, counts.Count);
        Assert.All(counts, c => Assert.Equal(10, c));
    }

    [Fact]
    public void Held_out_pairs_never_occur_in_train_or_val_and_always_in_compositional()
    {
        var planner = new DatasetPlanner(Options with { Clips = 150, StaticPairs = 300 });
        var heldOutNames = Vocabulary.HeldOutPairs.Select(p => $"{p.Color.Name()} {p.Shape.Name()}").ToList();
        foreach (var task in SyntheticTasks.All.Where(t => t != SyntheticTask.Compositional))
        {
            foreach (var item in planner.Plan(task).Where(i => i.Row.Split != "test"))
            {
                foreach (var (color, shape) in MultipleChoiceBuilder.ScenePairs(item.Clip.Source))
                {
                    Assert.False(Vocabulary.IsHeldOut(color, shape), $"{item.Row.Id} ({item.Row.Split}) shows a {color} {shape}");
                }

                foreach (string text in AllTexts(item))
                {
                    Assert.DoesNotContain(heldOutNames, n => text.Contains(n, StringComparison.Ordinal));
                }
            }
        }

        foreach (var item in planner.Plan(SyntheticTask.Compositional))
        {
            Assert.Equal("test", item.Row.Split);
            var first = item.Clip.Events[0].Subject;
            Assert.True(Vocabulary.IsHeldOut(first.Color, first.Shape), $"{item.Row.Id}: first event is about a {first.Color} {first.Shape}");
        }
    }

    [Fact]
    public void Splits_have_exact_shares_and_twins_share_split_and_group()
    {
        var planner = new DatasetPlanner(Options with { Clips = 100, ValFraction = 0.1, TestFraction = 0.2 });
        var rows = planner.Plan(SyntheticTask.Retrieval).Select(i => i.Row).ToList();
        Assert.Equal(20, rows.Count(r => r.Split == "test"));
        Assert.Equal(10, rows.Count(r => r.Split == "val"));
        Assert.Equal(70, rows.Count(r => r.Split == "train"));

        var twins = planner.Plan(SyntheticTask.Reversal);
        Assert.Equal(100, twins.Count);
        foreach (var pair in twins.Chunk(2))
        {
            Assert.Equal(pair[0].Row.Group, pair[1].Row.Group);
            Assert.Equal(pair[0].Row.Split, pair[1].Row.Split);
            Assert.False(pair[0].Clip.Reversed);
            Assert.True(pair[1].Clip.Reversed);
            Assert.Contains(pair[0].Clip.Events, e => e.Kind != EventKind.Stay);
        }
    }

    internal static IEnumerable<string> AllTexts(DatasetItem item)
        => (item.Row.Captions ?? []).Concat(item.Row.Choices ?? []).Concat((item.Row.Events ?? []).Select(e => e.Caption ?? string.Empty));
}
