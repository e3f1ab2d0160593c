using VidSearch.Core;
using VidSearch.Eval.Tasks;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Video;

/// <summary>
/// A <see cref="VideoModel"/>'s head as the Eval tasks see it (<see cref="IVideoTextScorer"/>, <see cref="IVideoPooler"/>).
/// The FrameEmbeddings given are the model's frame embeddings (after temporal attention when the model has it).
/// </summary>
public sealed class HeadScorer(VideoModel model, string name) : IVideoTextScorer, IVideoPooler
{
    public string Name { get; } = name;

    public float[,] Score(IReadOnlyList<FrameEmbeddings> videos, EmbeddingMatrix texts)
    {
        using var scope = NewDisposeScope();
        var (frames, mask) = Stack(videos);
        var textTensor = tensor(texts.Data, [texts.Rows, texts.Dim]);
        return model.Score(textTensor, frames, mask);
    }

    public float[] Pool(FrameEmbeddings video)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.SetTraining(false);
        var (frames, mask) = Stack([video]);
        return model.Head.VideoEmbedding(frames, mask).contiguous().data<float>().ToArray();
    }

    /// <summary>Splits a frames tensor [N, T, E] with mask [N, T] into per-video FrameEmbeddings.</summary>
    public static List<FrameEmbeddings> Split(Tensor frames, Tensor mask)
    {
        long n = frames.shape[0], t = frames.shape[1], e = frames.shape[2];
        var data = frames.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        var maskData = mask.contiguous().data<bool>().ToArray();
        var result = new List<FrameEmbeddings>((int)n);
        for (long i = 0; i < n; i++)
        {
            var m = new EmbeddingMatrix(data.AsSpan((int)(i * t * e), (int)(t * e)).ToArray(), (int)t, (int)e);
            result.Add(new FrameEmbeddings(m, new double[t], maskData.AsSpan((int)(i * t), (int)t).ToArray()));
        }

        return result;
    }

    private static (Tensor Frames, Tensor Mask) Stack(IReadOnlyList<FrameEmbeddings> videos)
    {
        int t = videos[0].Mask.Length, e = videos[0].Frames.Dim;
        var data = new float[videos.Count * t * e];
        var mask = new bool[videos.Count * t];
        for (int i = 0; i < videos.Count; i++)
        {
            if (videos[i].Mask.Length != t || videos[i].Frames.Dim != e)
            {
                throw VidSearchException.Argument("videos", "videos have different frame counts or dimensions");
            }

            videos[i].Frames.Data.CopyTo(data, i * t * e);
            videos[i].Mask.CopyTo(mask, i * t);
        }

        return (tensor(data, [videos.Count, t, e]), tensor(mask, [videos.Count, t]));
    }
}
