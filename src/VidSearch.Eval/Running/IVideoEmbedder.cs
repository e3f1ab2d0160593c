using VidSearch.Core;
using VidSearch.Eval.Datasets;

namespace VidSearch.Eval.Running;

/// <summary>
/// Turns a dataset video into frame embeddings (decode, sample, preprocess, encode). The media pipeline and the
/// image encoder sit behind it; evaluation knows nothing of either. Throw <see cref="VidSearchException"/> for a
/// video that cannot be decoded: the runner records it as failed and goes on.
/// </summary>
public interface IVideoEmbedder
{
    /// <summary>Describes the frame sampling (e.g. "1fps-max12"); part of the cache key and the report.</summary>
    string Sampling { get; }

    FrameEmbeddings Embed(VideoEntry video, CancellationToken cancellationToken);
}

/// <summary>An <see cref="IVideoEmbedder"/> from a delegate.</summary>
public sealed class DelegateVideoEmbedder(string sampling, Func<VideoEntry, FrameEmbeddings> embed) : IVideoEmbedder
{
    public string Sampling => sampling;

    public FrameEmbeddings Embed(VideoEntry video, CancellationToken cancellationToken) => embed(video);
}
