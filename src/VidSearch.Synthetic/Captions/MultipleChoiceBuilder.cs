using VidSearch.Synthetic.World;

namespace VidSearch.Synthetic.Captions;

/// <summary>How a wrong candidate differs from the true caption (exactly one thing).</summary>
public enum ChoiceChange { None, Color, Shape, Size, Direction, TargetColor, Order }

/// <summary>A candidate caption: its clauses, its text, and what was changed (None for the truth).</summary>
public sealed record ChoiceCandidate(IReadOnlyList<Clause> Clauses, string Text, ChoiceChange Change, int ClauseIndex);

/// <summary>A multiple-choice question: candidates in display order and the index of the true one.</summary>
public sealed record MultipleChoice(IReadOnlyList<ChoiceCandidate> Candidates, int Answer, CaptionTemplate Template)
{
    public IReadOnlyList<string> Texts => Candidates.Select(c => c.Text).ToList();
}

/// <summary>
/// Builds multiple-choice questions: the true caption and wrong ones that each differ from it in exactly
/// one attribute (colour, shape, size, target colour), one direction, or the order of the two events.
/// All candidates share one template (with the size-naming subject form), so only the change shows.
/// A changed colour or shape never names an object that is in the scene, so wrong candidates are false.
/// </summary>
public static class MultipleChoiceBuilder
{
    public static MultipleChoice Build(CaptionGrammar grammar, Scene scene, IReadOnlyList<Clause> truth, TemplateSet set,
        bool forbidHeldOut, DeterministicRandom rng, int candidates = 5)
    {
        var template = grammar.RandomTemplate(truth, set, rng, subjectForm: 0);
        var scenePairs = ScenePairs(scene);
        var options = new List<ChoiceCandidate>();
        for (int i = 0; i < truth.Count; i++)
        {
            var clause = truth[i];
            // Attributes show only where the object is named (the other clause about it says "it").
            bool named = truth.Count == 1 || truth[0].ObjectIndex != truth[1].ObjectIndex || i == grammar.NamedClause(template);
            if (named)
            {
                foreach (var color in Vocabulary.Colors)
                {
                    if (color != clause.Subject.Color && color != clause.ToColor && Allowed(color, clause.Subject.Shape, scenePairs, forbidHeldOut))
                    {
                        options.Add(Changed(truth, i, clause with { Subject = clause.Subject with { Color = color } }, ChoiceChange.Color));
                    }
                }

                foreach (var shape in Vocabulary.Shapes)
                {
                    bool free = shape != clause.Subject.Shape && Allowed(clause.Subject.Color, shape, scenePairs, forbidHeldOut)
                        && (clause.ToColor is not ObjectColor to || Allowed(to, shape, scenePairs, forbidHeldOut));
                    if (free)
                    {
                        options.Add(Changed(truth, i, clause with { Subject = clause.Subject with { Shape = shape } }, ChoiceChange.Shape));
                    }
                }

                var otherSize = clause.Subject.Size == ObjectSize.Small ? ObjectSize.Large : ObjectSize.Small;
                options.Add(Changed(truth, i, clause with { Subject = clause.Subject with { Size = otherSize } }, ChoiceChange.Size));
            }

            if (clause.Kind.Reversed() != clause.Kind)
            {
                options.Add(Changed(truth, i, clause with { Kind = clause.Kind.Reversed() }, ChoiceChange.Direction));
            }

            if (clause.Kind == EventKind.ChangeColor)
            {
                foreach (var color in Vocabulary.Colors)
                {
                    if (color != clause.Subject.Color && color != clause.ToColor && Allowed(color, clause.Subject.Shape, scenePairs, forbidHeldOut))
                    {
                        options.Add(Changed(truth, i, clause with { ToColor = color }, ChoiceChange.TargetColor));
                    }
                }
            }
        }

        if (truth.Count == 2 && !SameEvent(truth[0], truth[1]))
        {
            // The subjects keep their places (the first named object stays first); the two events swap.
            var swapped = truth[0].ObjectIndex == truth[1].ObjectIndex
                ? new[]
                {
                    truth[0] with { Kind = truth[1].Kind, ToColor = truth[1].ToColor },
                    truth[1] with { Kind = truth[0].Kind, ToColor = truth[0].ToColor, Subject = truth[0].Subject },
                }
                : [truth[1], truth[0]];
            options.Add(new ChoiceCandidate(swapped, string.Empty, ChoiceChange.Order, -1));
        }

        var orderTemplate = template with { Predicates = [.. template.Predicates.Reverse()] };
        var rendered = options
            .Select(o => o with { Text = grammar.Render(o.Clauses, o.Change == ChoiceChange.Order ? orderTemplate : template) })
            .ToList();
        rng.Shuffle(rendered);

        string truthText = grammar.Render(truth, template);
        var picked = new List<ChoiceCandidate>();
        var texts = new HashSet<string> { truthText };
        foreach (bool newKindsOnly in new[] { true, false })
        {
            foreach (var option in rendered)
            {
                if (picked.Count == candidates - 1)
                {
                    break;
                }

                if ((newKindsOnly && picked.Any(p => p.Change == option.Change)) || !texts.Add(option.Text))
                {
                    continue;
                }

                picked.Add(option);
            }
        }

        if (picked.Count < candidates - 1)
        {
            throw new InvalidOperationException($"only {picked.Count} wrong candidates for '{truthText}'");
        }

        int answer = rng.Next(candidates);
        picked.Insert(answer, new ChoiceCandidate(truth, truthText, ChoiceChange.None, -1));
        return new MultipleChoice(picked, answer, template);
    }

    /// <summary>Every colour-shape pair an object of the scene ever shows.</summary>
    public static HashSet<(ObjectColor, Shape)> ScenePairs(Scene scene)
    {
        var pairs = scene.Objects.Select(o => (o.Look.Color, o.Look.Shape)).ToHashSet();
        foreach (var e in scene.Events)
        {
            pairs.Add((e.Subject.Color, e.Subject.Shape));
            if (e.ToColor is ObjectColor to)
            {
                pairs.Add((to, e.Subject.Shape));
            }
        }

        return pairs;
    }

    private static bool SameEvent(Clause a, Clause b) => a.Kind == b.Kind && a.ToColor == b.ToColor && a.Subject == b.Subject;

    private static bool Allowed(ObjectColor color, Shape shape, HashSet<(ObjectColor, Shape)> scenePairs, bool forbidHeldOut)
        => !scenePairs.Contains((color, shape)) && !(forbidHeldOut && Vocabulary.IsHeldOut(color, shape));

    private static ChoiceCandidate Changed(IReadOnlyList<Clause> truth, int index, Clause changed, ChoiceChange change)
    {
        var clauses = truth.ToArray();
        clauses[index] = changed;
        return new ChoiceCandidate(clauses, string.Empty, change, index);
    }
}
