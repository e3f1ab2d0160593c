using VidSearch.Core;

namespace VidSearch.Eval.Tasks;

/// <summary>
/// A video head as evaluation sees it: frame embeddings per video and text embeddings in, a text x video
/// similarity matrix out (rows = texts, columns = videos). Text-conditioned heads (X-CLIP, text pooling) plug in
/// here; heads that also produce one embedding per video implement <see cref="IVideoPooler"/>.
/// </summary>
public interface IVideoTextScorer
{
    /// <summary>The head's name as reports show it ("mean", "xclip", ...).</summary>
    string Name { get; }

    float[,] Score(IReadOnlyList<FrameEmbeddings> videos, EmbeddingMatrix texts);
}

/// <summary>A head that turns the frames of a video into one embedding (needed by few-shot prototypes).</summary>
public interface IVideoPooler
{
    float[] Pool(FrameEmbeddings video);
}

/// <summary>
/// CLIP4Clip meanP: frame embeddings L2-normalised, mean-pooled over the valid (unmasked) frames, normalised;
/// similarity = cosine between that and the normalised text embedding. A video with no valid frame scores 0.
/// </summary>
public sealed class MeanPoolingScorer : IVideoTextScorer, IVideoPooler
{
    public string Name => "mean";

    public float[] Pool(FrameEmbeddings video) => VectorMath.MeanNormalized(video.Frames, video.Mask);

    public float[,] Score(IReadOnlyList<FrameEmbeddings> videos, EmbeddingMatrix texts)
    {
        if (videos.Count == 0)
        {
            return new float[texts.Rows, 0];
        }

        var pooled = PoolAll(this, videos);
        if (pooled.Dim != texts.Dim)
        {
            throw new VidSearchException(ErrorKind.Incompatible, "embeddings", $"video dimension {pooled.Dim} differs from text dimension {texts.Dim}");
        }

        var normalizedTexts = new EmbeddingMatrix((float[])texts.Data.Clone(), texts.Rows, texts.Dim).NormalizeRows();
        return normalizedTexts.DotProducts(pooled);
    }

    /// <summary>One pooled row per video.</summary>
    public static EmbeddingMatrix PoolAll(IVideoPooler pooler, IReadOnlyList<FrameEmbeddings> videos)
    {
        int dim = videos[0].Frames.Dim;
        var result = new EmbeddingMatrix(videos.Count, dim);
        for (int i = 0; i < videos.Count; i++)
        {
            var row = pooler.Pool(videos[i]);
            if (row.Length != dim)
            {
                throw new VidSearchException(ErrorKind.Incompatible, "frame embeddings", $"video {i} has dimension {row.Length}, the first has {dim}");
            }

            row.CopyTo(result.Row(i));
        }

        return result;
    }
}
