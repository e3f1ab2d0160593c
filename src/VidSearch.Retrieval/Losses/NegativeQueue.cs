using TorchSharp;
using VidSearch.Core;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Losses;

/// <summary>
/// A FIFO queue of past (detached, normalised) video and text embeddings used as extra negatives (MoCo / CODER /
/// MQMC style). Fill it with embeddings from a momentum copy of the model (<see cref="MomentumUpdate"/>) or, more
/// simply, with the current batch's embeddings after each step. Past embeddings of the same clips as the current
/// batch are not excluded: keep the queue small relative to the dataset.
/// </summary>
public sealed class NegativeQueue : IDisposable
{
    private readonly Tensor videos;
    private readonly Tensor texts;
    private long next;

    public NegativeQueue(int dim, int capacity, Device? device = null)
    {
        if (dim <= 0)
        {
            throw VidSearchException.Argument("dim", $"must be positive, got {dim}");
        }

        if (capacity <= 0)
        {
            throw VidSearchException.Argument("capacity", $"must be positive, got {capacity}");
        }

        Dim = dim;
        Capacity = capacity;
        videos = zeros(capacity, dim, device: device);
        texts = zeros(capacity, dim, device: device);
    }

    public int Dim { get; }

    public int Capacity { get; }

    /// <summary>Embeddings held (grows to <see cref="Capacity"/>, then the oldest are replaced).</summary>
    public int Count { get; private set; }

    /// <summary>The stored video embeddings [Count, D] (a view; do not keep it across <see cref="Enqueue"/>).</summary>
    public Tensor Videos() => videos.narrow(0, 0, Count);

    public Tensor Texts() => texts.narrow(0, 0, Count);

    /// <summary>Adds a batch of video and text embeddings [N, D] (detached and normalised), oldest out first.</summary>
    public void Enqueue(Tensor videoEmbeddings, Tensor textEmbeddings)
    {
        if (videoEmbeddings.dim() != 2 || videoEmbeddings.shape[1] != Dim || textEmbeddings.dim() != 2 || textEmbeddings.shape[1] != Dim)
        {
            throw VidSearchException.Argument("embeddings", $"expected [N, {Dim}] videos and texts");
        }

        if (videoEmbeddings.shape[0] != textEmbeddings.shape[0])
        {
            throw VidSearchException.Argument("embeddings", $"{videoEmbeddings.shape[0]} videos but {textEmbeddings.shape[0]} texts");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long n = videoEmbeddings.shape[0];
        long kept = Math.Min(n, Capacity);
        var slots = (arange(kept, dtype: ScalarType.Int64) + next).remainder(Capacity).to(videos.device);
        videos.index_copy_(0, slots, Heads.Pooling.Normalize(videoEmbeddings.detach().narrow(0, n - kept, kept)).to_type(videos.dtype));
        texts.index_copy_(0, slots, Heads.Pooling.Normalize(textEmbeddings.detach().narrow(0, n - kept, kept)).to_type(texts.dtype));
        next = (next + kept) % Capacity;
        Count = (int)Math.Min(Capacity, Count + kept);
    }

    /// <summary>Exponential moving average of parameters: target = m * target + (1 - m) * online (same architecture).</summary>
    public static void MomentumUpdate(nn.Module online, nn.Module target, double momentum)
    {
        if (momentum is < 0 or > 1)
        {
            throw VidSearchException.Argument("momentum", $"must be in [0, 1], got {momentum}");
        }

        using var noGrad = no_grad();
        var source = online.parameters().ToArray();
        var destination = target.parameters().ToArray();
        if (source.Length != destination.Length)
        {
            throw VidSearchException.Argument("target", "has a different architecture from the online model");
        }

        for (int i = 0; i < source.Length; i++)
        {
            destination[i].mul_(momentum).add_(source[i], alpha: 1 - momentum);
        }
    }

    public void Dispose()
    {
        videos.Dispose();
        texts.Dispose();
    }
}
