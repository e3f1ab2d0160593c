using System.Text;
using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Captions;

/// <summary>Which paraphrase templates a caption may use: train captions never use the test-only ones.</summary>
public enum TemplateSet { Train, Test }

/// <summary>One event as a caption states it: who (look when the event starts), what, and for colour changes the new colour.</summary>
public sealed record Clause(int ObjectIndex, ObjectLook Subject, EventKind Kind, ObjectColor? ToColor = null)
{
    public static Clause Of(SceneEvent e) => new(e.ObjectIndex, e.Subject, e.Kind, e.ToColor);

    public static IReadOnlyList<Clause> Of(IReadOnlyList<SceneEvent> events) => events.Select(Of).ToList();
}

/// <summary>
/// The template choices behind one caption: a connector (two events), a subject form, and one predicate
/// per clause, as indices into the lists of <see cref="Set"/>. Two captions with equal keys share a template.
/// </summary>
public sealed record CaptionTemplate(TemplateSet Set, int Connector, int SubjectForm, IReadOnlyList<int> Predicates)
{
    public string Key => $"{Set}:c{Connector}:s{SubjectForm}:p{string.Join('.', Predicates)}";
}

public sealed record Caption(string Text, CaptionTemplate Template);

/// <summary>
/// The caption grammar of SYNTHETIC.md: several paraphrase templates per event kind, split into train
/// and test-only templates, subject forms, and connectors for "A, then B". A clause about the object
/// already named in the same caption says "it".
/// </summary>
public sealed class CaptionGrammar
{
    private static readonly string[] SubjectFormTexts = ["a {size} {color} {shape}", "the {color} {shape}", "a {color} {shape}"];

    private static readonly Dictionary<EventKind, (string[] Train, string[] Test)> PredicateTexts = new()
    {
        [EventKind.MoveLeft] = (["moves to the left", "slides left", "goes left", "moves left"], ["travels leftward", "drifts toward the left", "heads to the left side"]),
        [EventKind.MoveRight] = (["moves to the right", "slides right", "goes right", "moves right"], ["travels rightward", "drifts toward the right", "heads to the right side"]),
        [EventKind.MoveUp] = (["moves up", "slides upward", "goes up", "rises"], ["travels upward", "drifts toward the top", "heads to the top"]),
        [EventKind.MoveDown] = (["moves down", "slides downward", "goes down", "sinks"], ["travels downward", "drifts toward the bottom", "heads to the bottom"]),
        [EventKind.Stay] = (["stays still", "does not move", "stays in place", "remains where it is"], ["holds its position", "stays put", "keeps still"]),
        [EventKind.Grow] = (["grows", "gets bigger", "doubles in size", "expands"], ["becomes larger", "increases in size", "swells"]),
        [EventKind.Shrink] = (["shrinks", "gets smaller", "halves in size", "contracts"], ["becomes smaller", "decreases in size", "dwindles"]),
        [EventKind.Appear] = (["appears", "shows up", "comes into view", "pops up"], ["becomes visible", "emerges", "fades in"]),
        [EventKind.Disappear] = (["disappears", "vanishes", "goes out of view", "fades away"], ["becomes invisible", "leaves the scene", "fades out"]),
        [EventKind.ChangeColor] = (["turns from {c1} to {c2}", "changes color from {c1} to {c2}", "changes from {c1} to {c2}", "becomes {c2}"],
            ["switches from {c1} to {c2}", "goes from {c1} to {c2}", "is recolored from {c1} to {c2}"]),
    };

    // {0}: the earlier event, {1}: the later one; Inverted: the later event is named first.
    private static readonly (string Text, bool Inverted)[] TrainConnectors =
        [("{0}, then {1}", false), ("first {0}, and then {1}", false), ("{1} after {0}", true), ("{0} and then {1}", false)];

    private static readonly (string Text, bool Inverted)[] TestConnectors =
        [("{0}; after that, {1}", false), ("{0}, and next {1}", false), ("{0} before {1}", false)];

    private static readonly string[] StillTemplates = ["{0}", "a picture of {0}", "there is {0}", "an image showing {0}", "{0} in view"];

    public static CaptionGrammar Default { get; } = new();

    public IReadOnlyList<string> SubjectForms => SubjectFormTexts;

    public IReadOnlyList<string> Predicates(EventKind kind, TemplateSet set)
        => set == TemplateSet.Train ? PredicateTexts[kind].Train : PredicateTexts[kind].Test;

    public IReadOnlyList<string> Connectors(TemplateSet set)
        => (set == TemplateSet.Train ? TrainConnectors : TestConnectors).Select(c => c.Text).ToList();

    /// <summary>The surface text of every test-only template (placeholders left in), for checks on train captions.</summary>
    public IReadOnlyList<string> TestOnlyTemplates
        => PredicateTexts.Values.SelectMany(p => p.Test).Concat(TestConnectors.Select(c => c.Text)).ToList();

    /// <summary>Which clause a two-clause caption names first (the other says "it" when both are about one object).</summary>
    public int NamedClause(CaptionTemplate template)
        => template.Predicates.Count == 2 && (template.Set == TemplateSet.Train ? TrainConnectors : TestConnectors)[template.Connector].Inverted ? 1 : 0;

    /// <summary>Renders the clauses (in time order; one or two) with the given template.</summary>
    public string Render(IReadOnlyList<Clause> clauses, CaptionTemplate template)
    {
        if (clauses.Count is < 1 or > 2 || template.Predicates.Count != clauses.Count)
        {
            throw new ArgumentException($"a caption states 1 or 2 events with one predicate each (got {clauses.Count} and {template.Predicates.Count})");
        }

        string form = SubjectFormTexts[template.SubjectForm];
        if (clauses.Count == 1)
        {
            return Sentence(clauses[0], form, Predicate(clauses[0], template.Set, template.Predicates[0]), pronoun: false);
        }

        var (text, inverted) = (template.Set == TemplateSet.Train ? TrainConnectors : TestConnectors)[template.Connector];
        int first = inverted ? 1 : 0, second = 1 - first;
        bool sameObject = clauses[0].ObjectIndex == clauses[1].ObjectIndex;
        string firstText = Sentence(clauses[first], form, Predicate(clauses[first], template.Set, template.Predicates[first]), pronoun: false);
        string secondText = Sentence(clauses[second], form, Predicate(clauses[second], template.Set, template.Predicates[second]), pronoun: sameObject);
        string earlier = inverted ? secondText : firstText;
        string later = inverted ? firstText : secondText;
        return text.Replace("{0}", earlier).Replace("{1}", later);
    }

    /// <summary>
    /// <paramref name="count"/> captions of the clauses with pairwise different templates from
    /// <paramref name="set"/>, spreading over predicates and connectors before repeating any.
    /// </summary>
    public IReadOnlyList<Caption> Describe(IReadOnlyList<Clause> clauses, TemplateSet set, int count, DeterministicRandom rng)
    {
        var all = AllTemplates(clauses, set);
        rng.Shuffle(all);
        var chosen = new List<CaptionTemplate>();
        var usedParts = new HashSet<string>();
        var texts = new HashSet<string>();
        foreach (bool strict in new[] { true, false })
        {
            foreach (var template in all)
            {
                if (chosen.Count == count)
                {
                    break;
                }

                var parts = Parts(template);
                if (chosen.Contains(template) || (strict && parts.Any(usedParts.Contains)))
                {
                    continue;
                }

                if (!texts.Add(Render(clauses, template)))
                {
                    continue;
                }

                chosen.Add(template);
                usedParts.UnionWith(parts);
            }
        }

        return chosen.Select(t => new Caption(Render(clauses, t), t)).ToList();
    }

    /// <summary>A random template of <paramref name="set"/> for the clauses, with the given subject form (or a random one).</summary>
    public CaptionTemplate RandomTemplate(IReadOnlyList<Clause> clauses, TemplateSet set, DeterministicRandom rng, int? subjectForm = null)
    {
        int connectors = set == TemplateSet.Train ? TrainConnectors.Length : TestConnectors.Length;
        var predicates = clauses.Select(c => rng.Next(Predicates(c.Kind, set).Count)).ToList();
        return new CaptionTemplate(set, clauses.Count == 2 ? rng.Next(connectors) : 0, subjectForm ?? rng.Next(SubjectFormTexts.Length), predicates);
    }

    /// <summary>Static captions: the visible objects in random order, with varied templates.</summary>
    public IReadOnlyList<string> DescribeStill(IReadOnlyList<ObjectLook> objects, int count, DeterministicRandom rng)
        => DescribeStill(objects.Select(o => (o, (string?)null)).ToList(), count, 0, rng);

    /// <summary>
    /// Static captions of objects with their places in the frame (e.g. "at the top left", from <see cref="Place"/>):
    /// each caption names the places with probability <paramref name="placeShare"/> (0 = never, as the spec's
    /// default captions).
    /// </summary>
    public IReadOnlyList<string> DescribeStill(IReadOnlyList<(ObjectLook Look, string? Place)> objects, int count, double placeShare, DeterministicRandom rng)
    {
        if (objects.Count == 0)
        {
            throw new ArgumentException("a still caption needs at least one object", nameof(objects));
        }

        var templates = Enumerable.Range(0, StillTemplates.Length).ToList();
        rng.Shuffle(templates);
        var result = new List<string>();
        for (int k = 0; result.Count < count && k < 4 * count; k++)
        {
            var order = objects.ToList();
            rng.Shuffle(order);
            bool sizes = k == 0 || rng.Chance(0.7);
            bool places = placeShare > 0 && rng.Chance(placeShare);
            var phrases = order.Select(o =>
            {
                string phrase = WithArticle(sizes ? $"a {o.Look.Size.Name()} {o.Look.Color.Name()} {o.Look.Shape.Name()}" : $"a {o.Look.Color.Name()} {o.Look.Shape.Name()}");
                return places && o.Place is { } place ? $"{phrase} {place}" : phrase;
            }).ToList();
            string list = phrases.Count == 1 ? phrases[0] : string.Join(", ", phrases.Take(phrases.Count - 1)) + " and " + phrases[^1];
            string text = StillTemplates[templates[k % templates.Count]].Replace("{0}", list);
            if (!result.Contains(text))
            {
                result.Add(text);
            }
        }

        return result;
    }

    /// <summary>
    /// Where a point lies in a square frame, by thirds: "at the top left", "on the right", "at the bottom",
    /// "in the middle".
    /// </summary>
    public static string Place(double x, double y, int canvas)
    {
        string column = x < canvas / 3.0 ? "left" : x > 2 * canvas / 3.0 ? "right" : string.Empty;
        string row = y < canvas / 3.0 ? "top" : y > 2 * canvas / 3.0 ? "bottom" : string.Empty;
        return (row, column) switch
        {
            ("", "") => "in the middle",
            ("", _) => $"on the {column}",
            (_, "") => $"at the {row}",
            _ => $"at the {row} {column}",
        };
    }

    private List<CaptionTemplate> AllTemplates(IReadOnlyList<Clause> clauses, TemplateSet set)
    {
        int connectors = clauses.Count == 2 ? (set == TemplateSet.Train ? TrainConnectors.Length : TestConnectors.Length) : 1;
        var result = new List<CaptionTemplate>();
        var predicateCounts = clauses.Select(c => Predicates(c.Kind, set).Count).ToArray();
        for (int c = 0; c < connectors; c++)
        {
            for (int s = 0; s < SubjectFormTexts.Length; s++)
            {
                for (int p0 = 0; p0 < predicateCounts[0]; p0++)
                {
                    if (clauses.Count == 1)
                    {
                        result.Add(new CaptionTemplate(set, c, s, [p0]));
                        continue;
                    }

                    for (int p1 = 0; p1 < predicateCounts[1]; p1++)
                    {
                        result.Add(new CaptionTemplate(set, c, s, [p0, p1]));
                    }
                }
            }
        }

        return result;
    }

    private static string[] Parts(CaptionTemplate t)
    {
        var parts = new List<string>();
        if (t.Predicates.Count == 2)
        {
            parts.Add("c" + t.Connector);
        }

        for (int i = 0; i < t.Predicates.Count; i++)
        {
            parts.Add($"p{i}.{t.Predicates[i]}");
        }

        return [.. parts];
    }

    private string Predicate(Clause clause, TemplateSet set, int index)
    {
        string text = Predicates(clause.Kind, set)[index];
        return clause.Kind == EventKind.ChangeColor
            ? text.Replace("{c1}", clause.Subject.Color.Name()).Replace("{c2}", (clause.ToColor ?? clause.Subject.Color).Name())
            : text;
    }

    private static string Sentence(Clause clause, string form, string predicate, bool pronoun)
    {
        var sb = new StringBuilder();
        sb.Append(pronoun ? "it" : Subject(clause.Subject, form));
        sb.Append(' ').Append(predicate);
        return sb.ToString();
    }

    public static string Subject(ObjectLook look, string form)
        => WithArticle(form.Replace("{size}", look.Size.Name()).Replace("{color}", look.Color.Name()).Replace("{shape}", look.Shape.Name()));

    /// <summary>"a orange cross" becomes "an orange cross".</summary>
    public static string WithArticle(string phrase)
        => phrase.StartsWith("a ", StringComparison.Ordinal) && phrase.Length > 2 && "aeiou".Contains(phrase[2]) ? "an " + phrase[2..] : phrase;
}
