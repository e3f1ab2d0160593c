using VidSearch.Core;

namespace VidSearch.Index.Search;

/// <summary>A candidate video handed to a re-ranker: its first-stage score and its stored embeddings.</summary>
public sealed record RerankCandidate(long VideoId, string Path, double Score, EmbeddingMatrix Segments, double[] SegmentStarts, FrameEmbeddings Frames);

/// <summary>
/// Second stage of search: re-scores the top candidates (query-conditioned heads plug in here). Returns one
/// score per candidate, in the candidates' order; higher is better.
/// </summary>
public interface IReranker
{
    IReadOnlyList<double> Rescore(ReadOnlySpan<float> query, IReadOnlyList<RerankCandidate> candidates);
}
