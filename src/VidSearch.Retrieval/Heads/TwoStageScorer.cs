using VidSearch.Core;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>A video of a ranked result: its row in the collection and its score.</summary>
public readonly record struct ScoredVideo(int Index, float Score);

/// <summary>
/// Search in a large collection with any head (docs/heads.md, "two-stage contract"): stage one ranks every video by the
/// cosine of the query with its query-independent <see cref="IVideoHead.VideoEmbedding"/>; stage two re-scores the
/// top <see cref="Candidates"/> with <see cref="IVideoHead.Score"/> and orders them by that score. For
/// query-independent heads stage two is skipped (the head score is the stage-one cosine).
/// </summary>
public sealed class TwoStageScorer
{
    public TwoStageScorer(IVideoHead head, int candidates)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (candidates <= 0)
        {
            throw VidSearchException.Argument("candidates", $"must be positive, got {candidates}");
        }

        Head = head;
        Candidates = candidates;
    }

    public IVideoHead Head { get; }

    /// <summary>M, the videos re-scored per query.</summary>
    public int Candidates { get; }

    /// <summary>
    /// Ranks the collection for one query (row 0 of <paramref name="query"/>).
    /// </summary>
    /// <param name="query">Text inputs of exactly one query.</param>
    /// <param name="firstStage">[N, D] first-stage embeddings of every video (from <see cref="IVideoHead.VideoEmbedding"/>).</param>
    /// <param name="loadFrames">Returns the frame inputs of the given video rows (in that order), for re-scoring.</param>
    /// <param name="topK">Results returned (at most min(topK, Candidates, N) for conditioned heads).</param>
    public IReadOnlyList<ScoredVideo> Search(TextInputs query, Tensor firstStage, Func<IReadOnlyList<int>, VideoInputs> loadFrames, int topK)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(firstStage);
        ArgumentNullException.ThrowIfNull(loadFrames);
        if (query.Count != 1)
        {
            throw VidSearchException.Argument("query", $"expected exactly one query, got {query.Count}");
        }

        if (firstStage.dim() != 2 || firstStage.shape[1] != query.Sentence.shape[1])
        {
            throw VidSearchException.Argument("firstStage", $"expected [N, {query.Sentence.shape[1]}], got {TextInputs.Shape(firstStage)}");
        }

        if (topK <= 0)
        {
            throw VidSearchException.Argument("topK", $"must be positive, got {topK}");
        }

        long n = firstStage.shape[0];
        if (n == 0)
        {
            return [];
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var stageOne = Pooling.Normalize(query.Sentence).matmul(Pooling.Normalize(firstStage).t()).squeeze(0);
        int keep = (int)Math.Min(Head.IsQueryConditioned ? Candidates : topK, n);
        var (values, indices) = stageOne.topk(keep, largest: true, sorted: true);
        var rows = indices.data<long>().Select(i => (int)i).ToArray();
        if (!Head.IsQueryConditioned)
        {
            var scores = values.data<float>().ToArray();
            return rows.Select((row, i) => new ScoredVideo(row, scores[i])).ToArray();
        }

        var candidates = loadFrames(rows);
        if (candidates.Count != rows.Length)
        {
            throw VidSearchException.Argument("loadFrames", $"returned {candidates.Count} videos for {rows.Length} rows");
        }

        var rescored = Head.Score(query, candidates).squeeze(0).to_type(ScalarType.Float32).data<float>().ToArray();
        var order = Enumerable.Range(0, rows.Length)
            .OrderByDescending(i => rescored[i])
            .ThenBy(i => rows[i])
            .Take(topK);
        return order.Select(i => new ScoredVideo(rows[i], rescored[i])).ToArray();
    }
}
