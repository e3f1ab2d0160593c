using System.Text.RegularExpressions;
using VidSearch.Retrieval.Video;
using VidSearch.Synthetic.Captions;
using VidSearch.Synthetic.World;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Ablation;

/// <summary>The event family of a reversal pair and, for reversible single events, which side of it a clip shows.</summary>
/// <param name="Family">"left/right", "up/down", "grow/shrink", "appear/disappear", "colour change", "stay" or "two events".</param>
/// <param name="Direction">1 for left, up, grow, appear; 0 for their reversals; -1 when the family has no fixed direction.</param>
public sealed record EventFamily(string Family, int Direction);

/// <summary>Reversal accuracy of one event family: caption queries and the share ranking their clip above its twin.</summary>
public sealed record FamilyReversal(int Queries, double Accuracy);

/// <summary>
/// Linear probes on one event family of the reversal task (trained on the train split, tested on the test split; logistic
/// regression, chance 50 %): Order = is the direction decodable from (mean of the later half of the frames) - (mean of the
/// earlier half); State = is the start or end state (position side, size, presence) decodable from ONE frame embedding;
/// Text = does a direction learned from train-template caption embeddings transfer to the test-template captions.
/// </summary>
public sealed record FamilyProbe(string Family, int TrainClips, int TestClips, double? Order, double? State, double? Text);

/// <summary>
/// Diagnostics of the time-reversal benchmark: event families recovered from the captions (the synthetic caption grammar,
/// train and test templates), per-family reversal accuracy, and linear probes of what the frame and text embeddings carry.
/// </summary>
public static class ReversalDiagnostics
{
    public const string TwoEvents = "two events";

    private static readonly (EventKind Kind, string Family, int Direction)[] Kinds =
    [
        (EventKind.MoveLeft, "left/right", 1), (EventKind.MoveRight, "left/right", 0),
        (EventKind.MoveUp, "up/down", 1), (EventKind.MoveDown, "up/down", 0),
        (EventKind.Grow, "grow/shrink", 1), (EventKind.Shrink, "grow/shrink", 0),
        (EventKind.Appear, "appear/disappear", 1), (EventKind.Disappear, "appear/disappear", 0),
        (EventKind.ChangeColor, "colour change", -1), (EventKind.Stay, "stay", -1),
    ];

    private static readonly Lazy<List<(Regex Pattern, string Family, int Direction)>> Patterns = new(Build);

    private static List<(Regex, string, int)> Build()
    {
        string colours = string.Join('|', Enum.GetNames<ObjectColor>().Select(n => n.ToLowerInvariant()));
        var list = new List<(Regex, string, int)>();
        foreach (var (kind, family, direction) in Kinds)
        {
            foreach (var set in new[] { TemplateSet.Train, TemplateSet.Test })
            {
                foreach (var text in CaptionGrammar.Default.Predicates(kind, set))
                {
                    string pattern = Regex.Escape(text).Replace(@"\{c1}", $"(?:{colours})", StringComparison.Ordinal).Replace(@"\{c2}", $"(?:{colours})", StringComparison.Ordinal);
                    list.Add((new Regex($@"\b{pattern}\b", RegexOptions.CultureInvariant), family, direction));
                }
            }
        }

        return list;
    }

    /// <summary>The family of a caption of the synthetic grammar (null when no event template matches).</summary>
    public static EventFamily? Classify(string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        var matches = new List<(int Start, int End, string Family, int Direction)>();
        foreach (var (pattern, family, direction) in Patterns.Value)
        {
            foreach (Match m in pattern.Matches(caption))
            {
                matches.Add((m.Index, m.Index + m.Length, family, direction));
            }
        }

        // Non-overlapping event mentions, longest first.
        var kept = new List<(int Start, int End, string Family, int Direction)>();
        foreach (var m in matches.OrderByDescending(m => m.End - m.Start).ThenBy(m => m.Start))
        {
            if (kept.All(k => m.End <= k.Start || m.Start >= k.End))
            {
                kept.Add(m);
            }
        }

        return kept.Count switch
        {
            0 => null,
            1 => new EventFamily(kept[0].Family, kept[0].Direction),
            _ => new EventFamily(TwoEvents, -1),
        };
    }

    /// <summary>The family of each clip of a set, from its first caption ("other" when unknown).</summary>
    public static IReadOnlyList<EventFamily> Families(VideoSet set) =>
        set.Rows.Select(r => r.Captions is { Count: > 0 } c ? Classify(c[0]) ?? new EventFamily("other", -1) : new EventFamily("other", -1)).ToList();

    /// <summary>Reversal accuracy per family: a query is correct when its clip scores strictly above its group twin.</summary>
    public static IReadOnlyDictionary<string, FamilyReversal> ReversalByFamily(float[,] scores, IReadOnlyList<int> captionVideo, VideoSet set)
    {
        var twins = Twins(set);
        var families = Families(set);
        var counts = new SortedDictionary<string, (int Queries, int Correct)>(StringComparer.Ordinal);
        for (int c = 0; c < captionVideo.Count; c++)
        {
            int v = captionVideo[c];
            if (!twins.TryGetValue(v, out int twin))
            {
                continue;
            }

            string family = families[v].Family;
            var (q, k) = counts.GetValueOrDefault(family);
            counts[family] = (q + 1, k + (scores[c, v] > scores[c, twin] ? 1 : 0));
        }

        return counts.ToDictionary(p => p.Key, p => new FamilyReversal(p.Value.Queries, 100.0 * p.Value.Correct / p.Value.Queries), StringComparer.Ordinal);
    }

    private static Dictionary<int, int> Twins(VideoSet set)
    {
        var twins = new Dictionary<int, int>();
        foreach (var group in set.Rows.Select((r, i) => (r.Group, i)).Where(x => x.Group is not null).GroupBy(x => x.Group, StringComparer.Ordinal))
        {
            var members = group.Select(x => x.i).ToArray();
            if (members.Length == 2)
            {
                twins[members[0]] = members[1];
                twins[members[1]] = members[0];
            }
        }

        return twins;
    }

    /// <summary>
    /// The three probes for every reversible single-event family. <paramref name="trainFrames"/> / <paramref name="testFrames"/>
    /// are the [N, T, E] frame embeddings of the sets (frozen, or from a model with temporal attention);
    /// <paramref name="encodeTexts"/> gives [Q, E] text embeddings.
    /// </summary>
    public static IReadOnlyList<FamilyProbe> Probe(VideoSet train, Tensor trainFrames, VideoSet test, Tensor testFrames,
        Func<IReadOnlyList<string>, Tensor> encodeTexts)
    {
        var trainFamilies = Families(train);
        var testFamilies = Families(test);
        var trainData = Frames(trainFrames, train.Mask);
        var testData = Frames(testFrames, test.Mask);
        var result = new List<FamilyProbe>();
        foreach (string family in Kinds.Where(k => k.Direction >= 0).Select(k => k.Family).Distinct())
        {
            var trainClips = Enumerable.Range(0, train.Count).Where(i => trainFamilies[i].Family == family).ToList();
            var testClips = Enumerable.Range(0, test.Count).Where(i => testFamilies[i].Family == family).ToList();
            if (trainClips.Count < 4 || testClips.Count < 2)
            {
                continue;
            }

            double? order = Fit(
                trainClips.Select(i => OrderFeature(trainData, i)).ToList(), trainClips.Select(i => trainFamilies[i].Direction).ToList(),
                testClips.Select(i => OrderFeature(testData, i)).ToList(), testClips.Select(i => testFamilies[i].Direction).ToList());

            // State: the first frame of a direction-1 clip and the last frame of a direction-0 clip show state 1.
            List<float[]> StateX(FrameData d, List<int> clips) => clips.SelectMany(i => new[] { d.Frame(i, first: true), d.Frame(i, first: false) }).ToList();
            List<int> StateY(IReadOnlyList<EventFamily> f, List<int> clips) => clips.SelectMany(i => new[] { f[i].Direction, 1 - f[i].Direction }).ToList();
            double? state = Fit(StateX(trainData, trainClips), StateY(trainFamilies, trainClips), StateX(testData, testClips), StateY(testFamilies, testClips));

            var trainTexts = trainClips.SelectMany(i => (train.Rows[i].Captions ?? []).Select(c => (c, Classify(c)))).Where(x => x.Item2?.Family == family).ToList();
            var testTexts = testClips.SelectMany(i => (test.Rows[i].Captions ?? []).Select(c => (c, Classify(c)))).Where(x => x.Item2?.Family == family).ToList();
            double? text = null;
            if (trainTexts.Count > 0 && testTexts.Count > 0)
            {
                using var a = encodeTexts(trainTexts.Select(x => x.c).ToList());
                using var b = encodeTexts(testTexts.Select(x => x.c).ToList());
                text = Fit(Rows(a), trainTexts.Select(x => x.Item2!.Direction).ToList(), Rows(b), testTexts.Select(x => x.Item2!.Direction).ToList());
            }

            result.Add(new FamilyProbe(family, trainClips.Count, testClips.Count, order, state, text));
        }

        return result;
    }

    private sealed record FrameData(float[] Values, bool[] Mask, int T, int E)
    {
        public int[] Valid(int clip) => Enumerable.Range(0, T).Where(t => Mask[clip * T + t]).ToArray();

        public float[] At(int clip, int t) => Values.AsSpan((clip * T + t) * E, E).ToArray();

        public float[] Frame(int clip, bool first)
        {
            var valid = Valid(clip);
            return At(clip, first ? valid[0] : valid[^1]);
        }
    }

    private static FrameData Frames(Tensor frames, Tensor mask) =>
        new(frames.to_type(ScalarType.Float32).contiguous().data<float>().ToArray(), mask.contiguous().data<bool>().ToArray(), (int)frames.shape[1], (int)frames.shape[2]);

    private static float[] OrderFeature(FrameData d, int clip)
    {
        var valid = d.Valid(clip);
        int half = Math.Max(1, valid.Length / 2);
        var feature = new float[d.E];
        for (int k = 0; k < half; k++)
        {
            var early = d.At(clip, valid[k]);
            var late = d.At(clip, valid[valid.Length - 1 - k]);
            for (int e = 0; e < d.E; e++)
            {
                feature[e] += (late[e] - early[e]) / half;
            }
        }

        return feature;
    }

    private static List<float[]> Rows(Tensor x)
    {
        var data = x.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        int d = (int)x.shape[1];
        return Enumerable.Range(0, (int)x.shape[0]).Select(i => data.AsSpan(i * d, d).ToArray()).ToList();
    }

    /// <summary>L2-regularised logistic regression (standardised features, full-batch Adam); test accuracy in %.</summary>
    public static double? Fit(IReadOnlyList<float[]> trainX, IReadOnlyList<int> trainY, IReadOnlyList<float[]> testX, IReadOnlyList<int> testY)
    {
        if (trainX.Count == 0 || testX.Count == 0 || trainY.Distinct().Count() < 2)
        {
            return null;
        }

        using var scope = NewDisposeScope();
        int d = trainX[0].Length;
        var x = tensor(trainX.SelectMany(r => r).ToArray(), [trainX.Count, d]);
        var y = tensor(trainY.Select(v => (float)v).ToArray());
        var mean = x.mean([0], keepdim: true);
        var std = x.std(0, keepdim: true) + 1e-6f;
        x = (x - mean) / std;
        var w = new TorchSharp.Modules.Parameter(zeros(d));
        var b = new TorchSharp.Modules.Parameter(zeros(1));
        var optimizer = optim.Adam([w, b], lr: 0.01);
        for (int step = 0; step < 300; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = x.matmul(w) + b;
            var loss = nn.functional.binary_cross_entropy_with_logits(logits, y) + 1e-2f * w.pow(2).sum();
            loss.backward();
            optimizer.step();
        }

        using var _ = no_grad();
        var tx = (tensor(testX.SelectMany(r => r).ToArray(), [testX.Count, d]) - mean) / std;
        var predicted = (tx.matmul(w) + b).gt(0).data<bool>().ToArray();
        int correct = predicted.Select((p, i) => p == (testY[i] == 1)).Count(ok => ok);
        return 100.0 * correct / testX.Count;
    }
}
