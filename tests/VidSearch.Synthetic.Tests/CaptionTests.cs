using System.Text.RegularExpressions;
using VidSearch.Synthetic.Captions;
using VidSearch.Synthetic.Generation;
using VidSearch.Synthetic.Rendering;
using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Tests;

public class CaptionTests
{
    private static readonly CaptionGrammar Grammar = CaptionGrammar.Default;
    private static readonly ObjectLook SmallRedCircle = new(Shape.Circle, ObjectColor.Red, ObjectSize.Small);

    /// <summary>A 4 s clip: a small red circle moves left over [0.5, 1.5), then grows over [2, 3).</summary>
    private static Clip MoveThenGrow()
    {
        var events = new List<SceneEvent>
        {
            new(0, EventKind.MoveLeft, 0.5, 1.5, SmallRedCircle, Dx: -50),
            new(0, EventKind.Grow, 2, 3, SmallRedCircle),
        };
        var scene = new Scene(128, 8, 32, Background.Black, [new SceneObject(SmallRedCircle, 90, 64)], events, 1.5, 42);
        return Clip.Forward(scene);
    }

    private static CaptionTemplate FirstTrainTemplate(int clauses) => new(TemplateSet.Train, 0, 0, clauses == 1 ? [0] : [0, 0]);

    [Fact]
    public void Captions_follow_the_grammar()
    {
        var clip = MoveThenGrow();
        Assert.Equal("a small red circle moves to the left, then it grows", Grammar.Render(Clause.Of(clip.Events), FirstTrainTemplate(2)));
        var inverted = new CaptionTemplate(TemplateSet.Train, 2, 1, [1, 1]);
        Assert.Equal("the red circle gets bigger after it slides left", Grammar.Render(Clause.Of(clip.Events), inverted));
        var orange = new Clause(1, new ObjectLook(Shape.Cross, ObjectColor.Orange, ObjectSize.Large), EventKind.ChangeColor, ObjectColor.Blue);
        Assert.Equal("an orange cross turns from orange to blue", Grammar.Render([orange], new CaptionTemplate(TemplateSet.Train, 0, 2, [0])));
    }

    [Fact]
    public void Reversal_swaps_directions_and_the_order_of_events()
    {
        var clip = MoveThenGrow();
        var reversed = ClipReverser.Reverse(clip);
        Assert.True(reversed.Reversed);
        Assert.Equal([EventKind.Shrink, EventKind.MoveRight], reversed.Events.Select(e => e.Kind));
        Assert.Equal((1.0, 2.0), (reversed.Events[0].Start, reversed.Events[0].End));
        Assert.Equal((2.5, 3.5), (reversed.Events[1].Start, reversed.Events[1].End));
        Assert.Equal(ObjectSize.Large, reversed.Events[0].Subject.Size);
        Assert.Equal("a large red circle shrinks, then it moves to the right", Grammar.Render(Clause.Of(reversed.Events), FirstTrainTemplate(2)));

        Assert.False(SceneGenerator.IsPalindrome(clip.Source));
        var palindrome = clip.Source with { Events = [clip.Events[0], new SceneEvent(0, EventKind.MoveRight, 2, 3, SmallRedCircle, Dx: 50)] };
        Assert.True(SceneGenerator.IsPalindrome(palindrome));

        var twice = ClipReverser.Reverse(reversed);
        Assert.False(twice.Reversed);
        Assert.Equal(clip.Events, twice.Events);
    }

    [Fact]
    public void Reversal_swaps_colours_appearance_and_vertical_moves()
    {
        var look = new ObjectLook(Shape.Square, ObjectColor.Purple, ObjectSize.Large);
        Assert.Equal((EventKind.ChangeColor, ObjectColor.Green, (ObjectColor?)ObjectColor.Purple),
            Tuple(ClipReverser.Reverse(new SceneEvent(0, EventKind.ChangeColor, 1, 2, look, ObjectColor.Green), 4)));
        Assert.Equal(EventKind.Disappear, ClipReverser.Reverse(new SceneEvent(0, EventKind.Appear, 1, 2, look), 4).Kind);
        Assert.Equal(EventKind.Appear, ClipReverser.Reverse(new SceneEvent(0, EventKind.Disappear, 1, 2, look), 4).Kind);
        Assert.Equal(EventKind.MoveDown, ClipReverser.Reverse(new SceneEvent(0, EventKind.MoveUp, 1, 2, look, Dy: -40), 4).Kind);
        Assert.Equal(EventKind.Stay, ClipReverser.Reverse(new SceneEvent(0, EventKind.Stay, 1, 2, look), 4).Kind);

        static (EventKind, ObjectColor, ObjectColor?) Tuple(SceneEvent e) => (e.Kind, e.Subject.Color, e.ToColor);
    }

    [Fact]
    public void Reversed_clip_frames_are_the_original_frames_in_reverse_order()
    {
        var planner = new DatasetPlanner(new WorldOptions { Seed = 5, Clips = 6 });
        foreach (var pair in planner.Plan(SyntheticTask.Reversal).Chunk(2))
        {
            var forward = new FrameRenderer(pair[0].Clip);
            var backward = new FrameRenderer(pair[1].Clip);
            int n = forward.FrameCount;
            Assert.Equal(n, backward.FrameCount);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(forward.Render(n - 1 - i), backward.Render(i));
            }

            Assert.NotEqual(forward.Render(0), backward.Render(0));
        }
    }

    [Fact]
    public void Twin_captions_describe_the_reversed_events()
    {
        var planner = new DatasetPlanner(new WorldOptions { Seed = 9, Clips = 40, TestFraction = 0, ValFraction = 0 });
        foreach (var pair in planner.Plan(SyntheticTask.Reversal).Chunk(2))
        {
            var expected = ClipReverser.Reverse(pair[0].Clip).Events;
            Assert.Equal(expected, pair[1].Clip.Events);
            var clauses = Clause.Of(expected);
            var possible = AllRenderings(clauses, TemplateSet.Train);
            Assert.All(pair[1].Row.Captions!, c => Assert.Contains(c, possible));
            Assert.NotEqual(pair[0].Row.Captions, pair[1].Row.Captions);
            Assert.False(SceneGenerator.IsPalindrome(pair[0].Clip.Source));
        }
    }

    [Fact]
    public void Five_captions_per_clip_with_distinct_templates()
    {
        var generator = new SceneGenerator(new WorldOptions());
        foreach (var set in new[] { TemplateSet.Train, TemplateSet.Test })
        {
            for (int i = 0; i < 200; i++)
            {
                var rng = DeterministicRandom.ForStream(11, (ulong)i);
                var scene = generator.Retrieval(rng, HeldOutPolicy.Allow);
                var captions = Grammar.Describe(Clause.Of(scene.Events), set, 5, rng);
                Assert.Equal(5, captions.Count);
                Assert.Equal(5, captions.Select(c => c.Template.Key).Distinct().Count());
                Assert.Equal(5, captions.Select(c => c.Text).Distinct().Count());
                Assert.All(captions, c => Assert.Equal(set, c.Template.Set));
                // Predicates spread: a single-event clip uses at least 3 different phrasings.
                Assert.True(captions.Select(c => string.Join('.', c.Template.Predicates)).Distinct().Count() >= 3);
            }
        }
    }

    [Fact]
    public void Test_only_templates_never_appear_in_train_or_val_captions_and_test_captions_use_them()
    {
        var patterns = Grammar.TestOnlyTemplates
            .Select(t => new Regex(Regex.Escape(t).Replace(@"\{c1}", @"\w+").Replace(@"\{c2}", @"\w+").Replace(@"\{0}", ".+").Replace(@"\{1}", ".+")))
            .ToList();
        var planner = new DatasetPlanner(new WorldOptions { Seed = 2, Clips = 120 });
        int testCaptions = 0;
        // The motion task (video-text pretraining) uses every template on purpose: see MotionStripTests.
        foreach (var task in SyntheticTasks.All.Where(t => t is not (SyntheticTask.Static or SyntheticTask.Motion)))
        {
            foreach (var item in planner.Plan(task))
            {
                foreach (string text in SceneTests.AllTexts(item))
                {
                    bool usesTestTemplate = patterns.Any(p => p.IsMatch(text));
                    if (item.Row.Split == "test")
                    {
                        Assert.True(usesTestTemplate, $"{item.Row.Id}: test caption '{text}' uses no test-only template");
                        testCaptions++;
                    }
                    else
                    {
                        Assert.False(usesTestTemplate, $"{item.Row.Id} ({item.Row.Split}): '{text}' uses a test-only template");
                    }
                }
            }
        }

        Assert.True(testCaptions > 100);
    }

    [Fact]
    public void Multiple_choice_candidates_differ_from_the_truth_in_exactly_one_thing()
    {
        var planner = new DatasetPlanner(new WorldOptions { Seed = 4, Clips = 200 });
        var seen = new HashSet<ChoiceChange>();
        foreach (var item in planner.Plan(SyntheticTask.Choice))
        {
            var choice = item.Choice!;
            Assert.Equal(5, choice.Candidates.Count);
            Assert.Equal(5, choice.Texts.Distinct().Count());
            Assert.Equal(choice.Texts, item.Row.Choices);
            Assert.Equal(choice.Answer, item.Row.Answer);
            var truth = choice.Candidates[choice.Answer];
            Assert.Equal(ChoiceChange.None, truth.Change);
            Assert.Equal(Clause.Of(item.Clip.Events), truth.Clauses);
            Assert.Single(choice.Candidates, c => c.Change == ChoiceChange.None);
            var scenePairs = MultipleChoiceBuilder.ScenePairs(item.Clip.Source);
            foreach (var wrong in choice.Candidates.Where(c => c.Change != ChoiceChange.None))
            {
                seen.Add(wrong.Change);
                if (wrong.Change == ChoiceChange.Order)
                {
                    Assert.Equal(2, truth.Clauses.Count);
                    Assert.Equal((truth.Clauses[1].Kind, truth.Clauses[0].Kind), (wrong.Clauses[0].Kind, wrong.Clauses[1].Kind));
                    continue;
                }

                var differences = new List<string>();
                for (int i = 0; i < truth.Clauses.Count; i++)
                {
                    var (a, b) = (truth.Clauses[i], wrong.Clauses[i]);
                    if (a.Subject.Color != b.Subject.Color) differences.Add($"color{i}");
                    if (a.Subject.Shape != b.Subject.Shape) differences.Add($"shape{i}");
                    if (a.Subject.Size != b.Subject.Size) differences.Add($"size{i}");
                    if (a.Kind != b.Kind) differences.Add($"kind{i}");
                    if (a.ToColor != b.ToColor) differences.Add($"to{i}");
                }

                Assert.True(differences.Count == 1, $"{item.Row.Id}: '{wrong.Text}' differs in {string.Join(", ", differences)}");
                var changed = wrong.Clauses[wrong.ClauseIndex].Subject;
                if (wrong.Change is ChoiceChange.Color or ChoiceChange.Shape)
                {
                    Assert.DoesNotContain((changed.Color, changed.Shape), scenePairs);
                }
            }
        }

        Assert.Equal(6, seen.Count);
    }

    [Fact]
    public void Static_captions_name_every_object_once()
    {
        var generator = new SceneGenerator(new WorldOptions { MinObjects = 2, MaxObjects = 3 });
        for (int i = 0; i < 50; i++)
        {
            var rng = DeterministicRandom.ForStream(1, (ulong)i);
            var scene = generator.Still(rng, HeldOutPolicy.Forbid);
            var looks = scene.Objects.Select(o => o.Look).ToList();
            var captions = Grammar.DescribeStill(looks, 3, rng);
            Assert.Equal(3, captions.Distinct().Count());
            foreach (string caption in captions)
            {
                foreach (var look in looks)
                {
                    Assert.Single(Regex.Matches(caption, $@"\b{look.Color.Name()} {look.Shape.Name()}\b"));
                }

                Assert.Equal(looks.Count - 1, Regex.Matches(caption, @", | and ").Count);
            }
        }
    }

    [Fact]
    public void Places_are_thirds_of_the_frame()
    {
        Assert.Equal("at the top left", CaptionGrammar.Place(10, 10, 128));
        Assert.Equal("at the top", CaptionGrammar.Place(64, 20, 128));
        Assert.Equal("on the right", CaptionGrammar.Place(120, 64, 128));
        Assert.Equal("at the bottom right", CaptionGrammar.Place(100, 100, 128));
        Assert.Equal("in the middle", CaptionGrammar.Place(64, 64, 128));
        Assert.Equal("on the left", CaptionGrammar.Place(42, 43, 128));
    }

    [Fact]
    public void Static_captions_name_places_only_when_asked_and_the_group_then_holds_them()
    {
        var plain = new DatasetPlanner(new WorldOptions { Seed = 3, StaticPairs = 60 }).Plan(SyntheticTask.Static);
        var placed = new DatasetPlanner(new WorldOptions { Seed = 3, StaticPairs = 60, StillPlaces = 1 }).Plan(SyntheticTask.Static);
        var place = new Regex(@" (at the (top|bottom)( left| right)?|on the (left|right)|in the middle)\b");
        Assert.All(plain, i => Assert.DoesNotContain(i.Row.Captions!, c => place.IsMatch(c)));
        Assert.All(plain, i => Assert.DoesNotContain("@", i.Row.Group));
        for (int i = 0; i < placed.Count; i++)
        {
            var objects = placed[i].Clip.Source.Objects;
            foreach (string caption in placed[i].Row.Captions!)
            {
                Assert.Equal(objects.Count, place.Matches(caption).Count);
                foreach (var o in objects)
                {
                    Assert.Contains($"{o.Look.Color.Name()} {o.Look.Shape.Name()} {CaptionGrammar.Place(o.X, o.Y, 128)}", caption);
                }
            }

            Assert.Equal(objects.Count, placed[i].Row.Group!.Split('+').Count(p => p.Contains('@')));
        }

        var error = Assert.Throws<VidSearch.Core.VidSearchException>(() => new WorldOptions { StillPlaces = 1.5 }.Validate());
        Assert.Contains("--still-places", error.Message);
    }

    [Fact]
    public void Mirror_twins_of_stills_show_the_same_objects_at_mirrored_places_and_share_a_unit()
    {
        var items = new DatasetPlanner(new WorldOptions { Seed = 5, StaticPairs = 40, StillMirrors = 0.5 }).Plan(SyntheticTask.Static);
        var twins = items.Where(i => i.Row.Unit is not null).GroupBy(i => i.Row.Unit!).ToList();
        Assert.InRange(twins.Count, 10, 30);
        Assert.Equal(items.Count, 40 + twins.Count);
        Assert.All(items.Where(i => i.Row.Unit is null), i => Assert.DoesNotContain("@", i.Row.Group));
        int captionsDiffer = 0;
        foreach (var twin in twins)
        {
            var pair = twin.ToArray();
            Assert.Equal(2, pair.Length);
            Assert.Equal(pair[0].Row.Split, pair[1].Row.Split);
            var (a, b) = (pair[0].Clip.Source.Objects, pair[1].Clip.Source.Objects);
            Assert.Equal(a.Select(o => o.Look), b.Select(o => o.Look));
            bool leftRight = a.Zip(b).All(p => Math.Abs(p.First.X + p.Second.X - 128) < 1e-9 && p.First.Y == p.Second.Y);
            bool topBottom = a.Zip(b).All(p => Math.Abs(p.First.Y + p.Second.Y - 128) < 1e-9 && p.First.X == p.Second.X);
            Assert.True(leftRight || topBottom, $"{twin.Key}: not a mirror");
            for (int k = 0; k < 2; k++)
            {
                foreach (string caption in pair[k].Row.Captions!)
                {
                    foreach (var o in pair[k].Clip.Source.Objects)
                    {
                        Assert.Contains($"{o.Look.Color.Name()} {o.Look.Shape.Name()} {CaptionGrammar.Place(o.X, o.Y, 128)}", caption);
                    }
                }
            }

            // Parallel captions: the same templates and object order, so they differ only where a place differs.
            Assert.Equal(pair[0].Row.Captions!.Count, pair[1].Row.Captions!.Count);
            captionsDiffer += pair[0].Row.Captions!.Zip(pair[1].Row.Captions!).Count(c => c.First != c.Second);
        }

        Assert.True(captionsDiffer > 0);
        var error = Assert.Throws<VidSearch.Core.VidSearchException>(() => new WorldOptions { StillMirrors = -0.1 }.Validate());
        Assert.Contains("--still-mirrors", error.Message);
    }

    private static HashSet<string> AllRenderings(IReadOnlyList<Clause> clauses, TemplateSet set)
    {
        var result = new HashSet<string>();
        int connectors = Grammar.Connectors(set).Count;
        for (int c = 0; c < connectors; c++)
        {
            for (int s = 0; s < Grammar.SubjectForms.Count; s++)
            {
                foreach (var p in Predicates(clauses, set))
                {
                    result.Add(Grammar.Render(clauses, new CaptionTemplate(set, clauses.Count == 2 ? c : 0, s, p)));
                }
            }
        }

        return result;
    }

    private static IEnumerable<int[]> Predicates(IReadOnlyList<Clause> clauses, TemplateSet set)
    {
        int n0 = Grammar.Predicates(clauses[0].Kind, set).Count;
        for (int a = 0; a < n0; a++)
        {
            if (clauses.Count == 1)
            {
                yield return [a];
                continue;
            }

            for (int b = 0; b < Grammar.Predicates(clauses[1].Kind, set).Count; b++)
            {
                yield return [a, b];
            }
        }
    }
}
