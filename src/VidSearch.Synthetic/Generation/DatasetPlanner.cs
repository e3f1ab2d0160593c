using VidSearch.Synthetic.Captions;
using VidSearch.Synthetic.Manifest;
using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Generation;

/// <summary>One item of a dataset: its manifest row and the clip (or one-frame still) to render.</summary>
public sealed record DatasetItem(ManifestRow Row, Clip Clip, MultipleChoice? Choice = null);

/// <summary>
/// Decides every item of a task (scenes, captions, splits, rows) without rendering anything. Item i of a
/// task draws from its own random stream (seed, task, i), so plans do not depend on order or parallelism.
/// Splits: test rows use the test-only caption templates and may show held-out colour-shape pairs; train
/// and val rows never do either.
/// </summary>
public sealed class DatasetPlanner
{
    private readonly WorldOptions _options;
    private readonly SceneGenerator _scenes;
    private readonly CaptionGrammar _grammar;
    private readonly Dictionary<SyntheticTask, int[]> _slots = new();

    public DatasetPlanner(WorldOptions options, CaptionGrammar? grammar = null)
    {
        _options = options.Validate();
        _scenes = new SceneGenerator(options);
        _grammar = grammar ?? CaptionGrammar.Default;
    }

    public static string VideoPath(string id) => $"videos/{id}.mp4";

    public static string ImagePath(string id) => $"images/{id}.png";

    public static string StripPath(string id) => $"strips/{id}.png";

    /// <summary>
    /// Number of units the task plans (a unit keeps its split): clips, reversal/motion pairs, or stills (a still with
    /// its mirror twin is one unit of two images).
    /// </summary>
    public int Units(SyntheticTask task) => task switch
    {
        SyntheticTask.Static => _options.StaticPairs,
        SyntheticTask.Reversal => _options.Clips / 2,
        SyntheticTask.Motion => _options.MotionClips / 2,
        _ => _options.Clips,
    };

    /// <summary>All items of a task, in manifest order.</summary>
    public IReadOnlyList<DatasetItem> Plan(SyntheticTask task)
    {
        int units = Units(task);
        var splits = AssignSplits(task, units);
        var items = new List<DatasetItem>(units);
        for (int i = 0; i < units; i++)
        {
            items.AddRange(PlanUnit(task, i, splits[i], units));
        }

        return items;
    }

    /// <summary>The split of each unit (clip, pair or image): exact shares, positions drawn from the seed.</summary>
    public string[] AssignSplits(SyntheticTask task, int units)
    {
        var result = new string[units];
        if (task == SyntheticTask.Compositional)
        {
            Array.Fill(result, Splits.Test);
            return result;
        }

        int test = (int)Math.Round(units * _options.TestFraction);
        int val = Math.Min(units - test, (int)Math.Round(units * _options.ValFraction));
        var order = Enumerable.Range(0, units).ToArray();
        Stream(task, ulong.MaxValue).Shuffle(order);
        for (int k = 0; k < units; k++)
        {
            result[order[k]] = k < test ? Splits.Test : k < test + val ? Splits.Val : Splits.Train;
        }

        return result;
    }

    private IEnumerable<DatasetItem> PlanUnit(SyntheticTask task, int index, string split, int units)
    {
        var rng = Stream(task, (ulong)index);
        var set = split == Splits.Test ? TemplateSet.Test : TemplateSet.Train;
        var heldOut = split == Splits.Test ? HeldOutPolicy.Allow : HeldOutPolicy.Forbid;
        string id = $"{task.Name()}-{index:D6}";
        switch (task)
        {
            case SyntheticTask.Retrieval:
            {
                var clip = Clip.Forward(_scenes.Retrieval(rng, heldOut));
                yield return new DatasetItem(Row(id, split) with { Captions = Texts(clip, set, rng) }, clip);
                break;
            }

            case SyntheticTask.Compositional:
            {
                var clip = Clip.Forward(_scenes.Retrieval(rng, HeldOutPolicy.Require));
                yield return new DatasetItem(Row(id, split) with { Captions = Texts(clip, set, rng) }, clip);
                break;
            }

            case SyntheticTask.Reversal:
            {
                var (forward, backward, captionSeed, group) = DrawTwins(rng, heldOut, index);
                // Both twins draw their templates from the same stream, so their captions are parallel.
                yield return new DatasetItem(Row(id + "-f", split) with { Captions = Texts(forward, set, new DeterministicRandom(captionSeed)), Group = group }, forward);
                yield return new DatasetItem(Row(id + "-r", split) with { Captions = Texts(backward, set, new DeterministicRandom(captionSeed)), Group = group }, backward);
                break;
            }

            case SyntheticTask.Motion:
            {
                // Video-text pretraining pairs: like the reversal task (a clip and its twin share a batch through their
                // group), but stored as film strips and captioned with every template, as web captions would be.
                var (forward, backward, captionSeed, group) = DrawTwins(rng, heldOut, index);
                foreach (var (clip, suffix) in new[] { (forward, "-f"), (backward, "-r") })
                {
                    var row = new ManifestRow
                    {
                        Id = id + suffix,
                        Image = StripPath(id + suffix),
                        Frames = _options.StripFrames,
                        Split = split,
                        Captions = MotionTexts(clip, new DeterministicRandom(captionSeed)),
                        Group = group,
                    };
                    yield return new DatasetItem(row, clip);
                }

                break;
            }

            case SyntheticTask.Actions:
            {
                // Classes cycle over a seeded permutation of the units: balanced to within one clip per class.
                var kinds = Vocabulary.EventKinds;
                var kind = kinds[ClassSlot(task, index, units) % kinds.Length];
                var clip = Clip.Forward(_scenes.Action(rng, kind, heldOut));
                yield return new DatasetItem(Row(id, split) with { Label = kind.Label(), Captions = Texts(clip, set, rng) }, clip);
                break;
            }

            case SyntheticTask.Localization:
            {
                var clip = Clip.Forward(_scenes.Localization(rng, heldOut));
                var events = clip.Events.Select(e => new ManifestEvent
                {
                    Label = e.Kind.Label(),
                    Start = e.Start,
                    End = e.End,
                    Caption = _grammar.Render([Clause.Of(e)], _grammar.RandomTemplate([Clause.Of(e)], set, rng)),
                }).ToList();
                yield return new DatasetItem(Row(id, split) with { Events = events }, clip);
                break;
            }

            case SyntheticTask.Choice:
            {
                var clip = Clip.Forward(_scenes.Retrieval(rng, heldOut));
                var choice = MultipleChoiceBuilder.Build(_grammar, clip.Source, Clause.Of(clip.Events), set, heldOut == HeldOutPolicy.Forbid, rng);
                yield return new DatasetItem(
                    Row(id, split) with { Captions = Texts(clip, set, rng), Choices = choice.Texts, Answer = choice.Answer },
                    clip,
                    choice);
                break;
            }

            case SyntheticTask.Static:
            {
                var scene = _scenes.Still(rng, heldOut);
                if (_options.StillMirrors > 0 && rng.Chance(_options.StillMirrors))
                {
                    // A still and its mirror: captions always name places, and the pair shares a batch (unit).
                    var axis = rng.Chance(0.5) ? MirrorAxis.LeftRight : MirrorAxis.TopBottom;
                    ulong captionSeed = rng.NextUInt64();
                    string unit = $"still-{index:D6}";
                    yield return Still(id + "-a", split, scene, 1.0, new DeterministicRandom(captionSeed), unit);
                    yield return Still(id + "-m", split, SceneMirror.Mirror(scene, axis), 1.0, new DeterministicRandom(captionSeed), unit);
                    break;
                }

                yield return Still(id, split, scene, _options.StillPlaces, rng);
                break;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(task));
        }
    }

    /// <summary>A still image item with its captions (naming places with probability <paramref name="placeShare"/>).</summary>
    private DatasetItem Still(string id, string split, Scene scene, double placeShare, DeterministicRandom rng, string? unit = null)
    {
        var objects = scene.Objects.Select(o => (o.Look, Place: (string?)CaptionGrammar.Place(o.X, o.Y, scene.CanvasSize))).ToList();
        var captions = _grammar.DescribeStill(objects, _options.CaptionsPerImage, placeShare, rng);
        // group = what the image shows, order-free: rows with the same group are the same content, so training treats
        // them as positives of each other and evaluation as equivalent answers. When captions may name places, the
        // places are part of the content.
        bool placed = placeShare > 0;
        string group = string.Join("+", objects
            .Select(o => $"{o.Look.Size}-{o.Look.Color}-{o.Look.Shape}".ToLowerInvariant() + (placed ? "@" + o.Place!.Replace(' ', '-') : string.Empty))
            .Order(StringComparer.Ordinal));
        return new DatasetItem(new ManifestRow { Id = id, Image = ImagePath(id), Split = split, Captions = captions, Group = group, Unit = unit }, Clip.Forward(scene));
    }

    private int ClassSlot(SyntheticTask task, int index, int units)
    {
        // One seeded permutation of 0..units-1 per task, computed once.
        if (!_slots.TryGetValue(task, out var slots) || slots.Length != units)
        {
            slots = Enumerable.Range(0, units).ToArray();
            Stream(task, ulong.MaxValue - 1).Shuffle(slots);
            _slots[task] = slots;
        }

        return slots[index];
    }

    private IReadOnlyList<string> Texts(Clip clip, TemplateSet set, DeterministicRandom rng)
        => _grammar.Describe(Clause.Of(clip.Events), set, _options.CaptionsPerClip, rng).Select(c => c.Text).ToList();

    /// <summary>A reversible clip, its reversed twin, the seed both draw their caption templates from, and their group.</summary>
    private (Clip Forward, Clip Backward, ulong CaptionSeed, string Group) DrawTwins(DeterministicRandom rng, HeldOutPolicy heldOut, int index)
    {
        var forward = Clip.Forward(_scenes.Retrieval(rng, heldOut, requireReversible: true));
        return (forward, ClipReverser.Reverse(forward), rng.NextUInt64(), $"pair-{index:D6}");
    }

    /// <summary>Captions of a motion strip: with <see cref="MotionTemplates.All"/>, about half from the test-only templates.</summary>
    private IReadOnlyList<string> MotionTexts(Clip clip, DeterministicRandom rng)
    {
        var clauses = Clause.Of(clip.Events);
        int count = _options.CaptionsPerClip;
        if (_options.MotionTemplates == MotionTemplates.Train)
        {
            return _grammar.Describe(clauses, TemplateSet.Train, count, rng).Select(c => c.Text).ToList();
        }

        int fromTest = count / 2;
        return _grammar.Describe(clauses, TemplateSet.Train, count - fromTest, rng)
            .Concat(_grammar.Describe(clauses, TemplateSet.Test, fromTest, rng))
            .Select(c => c.Text)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The clip frames a film strip of <paramref name="frames"/> shows: midpoints of equal segments.</summary>
    public static int[] StripFrameIndices(int frameCount, int frames)
        => Enumerable.Range(0, frames).Select(k => Math.Min(frameCount - 1, (int)((k + 0.5) * frameCount / frames))).ToArray();

    private static ManifestRow Row(string id, string split) => new() { Id = id, Video = VideoPath(id), Split = split };

    private DeterministicRandom Stream(SyntheticTask task, ulong index) => DeterministicRandom.ForStream(_options.Seed, (ulong)task + 1, index);
}
