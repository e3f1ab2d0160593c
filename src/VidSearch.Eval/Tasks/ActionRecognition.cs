using VidSearch.Core;
using VidSearch.Eval.Metrics;

namespace VidSearch.Eval.Tasks;

/// <summary>Top-1/top-5 accuracy of one recognition protocol.</summary>
public sealed record ClassificationResult(string Protocol, int Videos, int Classes, double Top1, double Top5, double MeanClassTop1, string Note);

/// <summary>A labelled video for recognition: frame embeddings and its class index.</summary>
public sealed record LabelledVideo(FrameEmbeddings Frames, int ClassIndex);

/// <summary>
/// Action recognition protocols, all scored with the same pessimistic tie policy as retrieval (a tie with a wrong
/// class counts against the prediction):
/// <list type="bullet">
/// <item>closed-set zero-shot: video x class-prompt-embedding scores from the head;</item>
/// <item>few-shot: K support videos per class drawn (seeded) from the training split; the class prototype is the
/// normalised mean of their pooled embeddings; test videos are classified by cosine to the prototypes (no training);</item>
/// <item>open-set: classes are split into seen and unseen; unseen test videos are classified zero-shot among the
/// unseen classes only; seen test videos by prototypes built from every training video of the seen classes.</item>
/// </list>
/// </summary>
public static class ActionRecognition
{
    /// <summary>Top-k accuracies from a video x class score matrix.</summary>
    public static ClassificationResult Score(string protocol, float[,] videoByClass, IReadOnlyList<int> truth, string note = "")
    {
        int videos = videoByClass.GetLength(0), classes = videoByClass.GetLength(1);
        if (videos == 0)
        {
            throw VidSearchException.Argument(protocol, "no test videos with a known class");
        }

        var ranks = RankCalculator.Ranks(videoByClass, truth);
        double top1 = 100.0 * ranks.Count(r => r < 1) / videos;
        double top5 = 100.0 * ranks.Count(r => r < 5) / videos;
        double meanClass = Enumerable.Range(0, videos).GroupBy(i => truth[i]).Average(g => 100.0 * g.Count(i => ranks[i] == 0) / g.Count());
        return new ClassificationResult(protocol, videos, classes, top1, top5, meanClass, note);
    }

    public static ClassificationResult ZeroShot(IVideoTextScorer head, IReadOnlyList<LabelledVideo> test, EmbeddingMatrix classEmbeddings, string protocol = "zero-shot closed-set")
    {
        var scores = Transpose(head.Score(test.Select(v => v.Frames).ToList(), classEmbeddings));
        return Score(protocol, scores, test.Select(v => v.ClassIndex).ToList(), $"head {head.Name}, class names through a prompt ensemble");
    }

    /// <summary>Few-shot by class prototypes from K seeded support videos per class.</summary>
    public static ClassificationResult FewShot(IVideoPooler pooler, IReadOnlyList<LabelledVideo> train, IReadOnlyList<LabelledVideo> test, int classes, int shots, int seed)
    {
        if (shots <= 0)
        {
            throw VidSearchException.Argument("shots", $"must be positive, got {shots}");
        }

        var support = DrawSupport(train, classes, shots, seed);
        var prototypes = Prototypes(pooler, support, classes);
        var scores = Cosine(pooler, test, prototypes);
        return Score($"few-shot K={shots}", scores, test.Select(v => v.ClassIndex).ToList(), $"class prototype = mean of {shots} pooled support embeddings (seed {seed})");
    }

    /// <summary>
    /// Few-shot linear probe: the same K seeded support videos per class as <see cref="FewShot"/>, pooled, train a
    /// <see cref="LinearProbe"/> (logistic regression on the frozen embeddings); test videos are classified by its logits.
    /// </summary>
    public static ClassificationResult LinearProbeFewShot(IVideoPooler pooler, IReadOnlyList<LabelledVideo> train, IReadOnlyList<LabelledVideo> test, int classes, int shots, int seed, LinearProbeOptions? options = null)
    {
        options ??= new LinearProbeOptions();
        var support = DrawSupport(train, classes, shots, seed);
        var probe = LinearProbe.Train(PoolAll(pooler, support), support.Select(v => v.ClassIndex).ToList(), classes, options);
        var scores = probe.Logits(PoolAll(pooler, test));
        return Score($"linear-probe K={shots}", scores, test.Select(v => v.ClassIndex).ToList(),
            $"logistic regression on {shots} pooled support embeddings per class (the few-shot draw, seed {seed}; {options.Steps} steps, weight decay {options.WeightDecay})");
    }

    /// <summary>K support videos per class, drawn with the seed (the same draw for every few-shot protocol).</summary>
    private static List<LabelledVideo> DrawSupport(IReadOnlyList<LabelledVideo> train, int classes, int shots, int seed)
    {
        if (shots <= 0)
        {
            throw VidSearchException.Argument("shots", $"must be positive, got {shots}");
        }

        var random = new Random(seed);
        var support = new List<LabelledVideo>();
        for (int c = 0; c < classes; c++)
        {
            var pool = train.Where(v => v.ClassIndex == c).ToArray();
            if (pool.Length < shots)
            {
                throw VidSearchException.Argument("shots", $"class {c} has {pool.Length} training videos, {shots}-shot needs {shots}");
            }

            random.Shuffle(pool);
            support.AddRange(pool.Take(shots));
        }

        return support;
    }

    private static EmbeddingMatrix PoolAll(IVideoPooler pooler, IReadOnlyList<LabelledVideo> videos)
    {
        if (videos.Count == 0)
        {
            throw VidSearchException.Argument("videos", "none to classify");
        }

        var first = pooler.Pool(videos[0].Frames);
        var result = new EmbeddingMatrix(videos.Count, first.Length);
        first.CopyTo(result.Row(0));
        for (int i = 1; i < videos.Count; i++)
        {
            pooler.Pool(videos[i].Frames).CopyTo(result.Row(i));
        }

        return result;
    }

    /// <summary>
    /// Open-set: <paramref name="unseen"/> classes are evaluated zero-shot among themselves; the others by prototypes
    /// from all their training videos.
    /// </summary>
    public static (ClassificationResult Seen, ClassificationResult Unseen) OpenSet(IVideoTextScorer head, IVideoPooler pooler,
        IReadOnlyList<LabelledVideo> train, IReadOnlyList<LabelledVideo> test, EmbeddingMatrix classEmbeddings, IReadOnlySet<int> unseen)
    {
        int classes = classEmbeddings.Rows;
        var seenClasses = Enumerable.Range(0, classes).Where(c => !unseen.Contains(c)).ToArray();
        var unseenClasses = Enumerable.Range(0, classes).Where(unseen.Contains).ToArray();
        if (seenClasses.Length == 0 || unseenClasses.Length == 0)
        {
            throw VidSearchException.Argument("open-set", $"needs seen and unseen classes (seen {seenClasses.Length}, unseen {unseenClasses.Length})");
        }

        var seenIndex = seenClasses.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var unseenIndex = unseenClasses.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var seenTrain = train.Where(v => seenIndex.ContainsKey(v.ClassIndex)).Select(v => v with { ClassIndex = seenIndex[v.ClassIndex] }).ToList();
        var seenTest = test.Where(v => seenIndex.ContainsKey(v.ClassIndex)).Select(v => v with { ClassIndex = seenIndex[v.ClassIndex] }).ToList();
        var unseenTest = test.Where(v => unseenIndex.ContainsKey(v.ClassIndex)).Select(v => v with { ClassIndex = unseenIndex[v.ClassIndex] }).ToList();

        var prototypes = Prototypes(pooler, seenTrain, seenClasses.Length);
        var seen = Score("open-set seen", Cosine(pooler, seenTest, prototypes), seenTest.Select(v => v.ClassIndex).ToList(),
            $"{seenClasses.Length} seen classes, prototypes from {seenTrain.Count} training videos");
        var unseenEmbeddings = new EmbeddingMatrix(unseenClasses.Length, classEmbeddings.Dim);
        for (int i = 0; i < unseenClasses.Length; i++)
        {
            classEmbeddings.RowReadOnly(unseenClasses[i]).CopyTo(unseenEmbeddings.Row(i));
        }

        var unseenResult = ZeroShot(head, unseenTest, unseenEmbeddings, "open-set unseen (zero-shot)");
        return (seen, unseenResult with { Note = $"{unseenClasses.Length} unseen classes, zero-shot among them" });
    }

    private static EmbeddingMatrix Prototypes(IVideoPooler pooler, IReadOnlyList<LabelledVideo> support, int classes)
    {
        var pooled = support.Select(v => (v.ClassIndex, Vector: pooler.Pool(v.Frames))).ToList();
        if (pooled.Count == 0)
        {
            throw VidSearchException.Argument("prototypes", "no support videos");
        }

        var result = new EmbeddingMatrix(classes, pooled[0].Vector.Length);
        var counts = new int[classes];
        foreach (var (c, vector) in pooled)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(result.Row(c), VectorMath.Normalized(vector), result.Row(c));
            counts[c]++;
        }

        int empty = Array.IndexOf(counts, 0);
        if (empty >= 0)
        {
            throw VidSearchException.Argument("prototypes", $"class {empty} has no training video");
        }

        return result.NormalizeRows();
    }

    private static float[,] Cosine(IVideoPooler pooler, IReadOnlyList<LabelledVideo> videos, EmbeddingMatrix prototypes)
    {
        var pooled = new EmbeddingMatrix(videos.Count, prototypes.Dim);
        for (int i = 0; i < videos.Count; i++)
        {
            VectorMath.Normalized(pooler.Pool(videos[i].Frames)).CopyTo(pooled.Row(i));
        }

        return pooled.DotProducts(prototypes);
    }

    public static float[,] Transpose(float[,] m)
    {
        var t = new float[m.GetLength(1), m.GetLength(0)];
        for (int i = 0; i < m.GetLength(0); i++)
        {
            for (int j = 0; j < m.GetLength(1); j++)
            {
                t[j, i] = m[i, j];
            }
        }

        return t;
    }
}
