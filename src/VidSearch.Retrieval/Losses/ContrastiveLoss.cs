using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Losses;

/// <summary>Options of <see cref="ContrastiveLoss"/>.</summary>
public sealed record ContrastiveLossOptions
{
    /// <summary>Initial temperature (CLIP: 0.07, i.e. logit scale 1/0.07).</summary>
    public float Temperature { get; init; } = 0.07f;

    /// <summary>Learn the temperature (as CLIP's log logit scale) or keep it fixed.</summary>
    public bool LearnableTemperature { get; init; } = true;

    /// <summary>Largest logit scale (CLIP clamps at 100).</summary>
    public float MaxLogitScale { get; init; } = 100f;

    /// <summary>
    /// Dual softmax in training (CAMoE DSL): each direction's softmax is weighted by the softmax over the other
    /// direction (the prior that the pair is a match from the other side), taken in log space:
    /// logits + log_softmax(logits over the other direction). CAMoE's product form, logits * softmax * N, is only
    /// monotone for positive logits: once similarities go negative, an inverted ranking (the positive as the most
    /// negative entry, whose small prior shrinks its logit towards 0) minimises it, which training found (t2v R@1 0 %).
    /// </summary>
    public bool DualSoftmax { get; init; }

    public void Validate()
    {
        if (!float.IsFinite(Temperature) || Temperature <= 0)
        {
            throw VidSearchException.Argument("Temperature", $"must be a positive number, got {Temperature}");
        }

        if (!float.IsFinite(MaxLogitScale) || MaxLogitScale < 1 / Temperature)
        {
            throw VidSearchException.Argument("MaxLogitScale", $"must be finite and at least 1/Temperature, got {MaxLogitScale}");
        }
    }
}

/// <summary>
/// Symmetric InfoNCE over a [Q, B] similarity matrix (rows texts, columns videos), as CLIP:
/// loss = (CE over each row + CE over each column) / 2 with logits = scale * sim.
/// Multi-positive: with a positive mask, each direction's term is -log(sum of the softmax over all positives), so
/// several captions of the same clip (or the same clip twice) in a batch are all positives, never negatives.
/// Extra negatives (a <see cref="NegativeQueue"/>) are appended as further columns (text to video) and rows
/// (video to text). A module so that the learnable temperature trains with the model.
/// </summary>
public sealed class ContrastiveLoss : nn.Module
{
    private readonly Parameter logit_scale;
    private readonly ContrastiveLossOptions options;

    public ContrastiveLoss(ContrastiveLossOptions? options = null)
        : base("contrastive_loss")
    {
        this.options = options ?? new ContrastiveLossOptions();
        this.options.Validate();
        logit_scale = new Parameter(tensor((float)Math.Log(1 / this.options.Temperature)), this.options.LearnableTemperature);
        RegisterComponents();
    }

    public ContrastiveLossOptions Options => options;

    /// <summary>The current inverse temperature exp(logit_scale), clamped.</summary>
    public float LogitScale
    {
        get
        {
            using var _ = no_grad();
            using var s = Scale();
            return s.item<float>();
        }
    }

    /// <summary>
    /// Positive mask [Q, B]: text i and video j are a positive pair when they come from the same clip.
    /// </summary>
    public static Tensor PositivesFromIds(IReadOnlyList<long> textClipIds, IReadOnlyList<long> videoClipIds)
    {
        var data = new bool[textClipIds.Count * videoClipIds.Count];
        for (int i = 0; i < textClipIds.Count; i++)
        {
            for (int j = 0; j < videoClipIds.Count; j++)
            {
                data[(i * videoClipIds.Count) + j] = textClipIds[i] == videoClipIds[j];
            }
        }

        return tensor(data, new long[] { textClipIds.Count, videoClipIds.Count });
    }

    /// <summary>
    /// Loss from a similarity matrix [Q, B] (cosines). <paramref name="positives"/> [Q, B] bool; null = the diagonal
    /// (Q must equal B). <paramref name="textToQueued"/> [Q, N] similarities of the texts with queued videos and
    /// <paramref name="videoToQueued"/> [B, M] of the videos with queued texts are extra negatives (either may be null).
    /// </summary>
    public Tensor Forward(Tensor similarity, Tensor? positives = null, Tensor? textToQueued = null, Tensor? videoToQueued = null)
    {
        if (similarity.dim() != 2 || similarity.shape[0] == 0 || similarity.shape[1] == 0)
        {
            throw VidSearchException.Argument("similarity", $"expected a non-empty [Q, B] matrix, got {Heads.TextInputs.Shape(similarity)}");
        }

        long q = similarity.shape[0], b = similarity.shape[1];
        using var scope = NewDisposeScope();
        var pos = positives;
        if (pos is null)
        {
            if (q != b)
            {
                throw VidSearchException.Argument("positives", $"needed when the matrix is not square ({q}x{b})");
            }

            pos = eye(q, dtype: ScalarType.Bool, device: similarity.device);
        }
        else if (pos.dim() != 2 || pos.shape[0] != q || pos.shape[1] != b || pos.dtype != ScalarType.Bool)
        {
            throw VidSearchException.Argument("positives", $"expected a bool [{q}, {b}] mask, got {pos.dtype} {Heads.TextInputs.Shape(pos)}");
        }
        else
        {
            pos = pos.to(similarity.device);
        }

        if (pos.any(1).logical_not().any().item<bool>() || pos.any(0).logical_not().any().item<bool>())
        {
            throw VidSearchException.Argument("positives", "every text and every video needs at least one positive");
        }

        var scale = Scale();
        var logits = similarity * scale;
        Tensor rowLogits = logits, columnLogits = logits.t();
        if (options.DualSoftmax)
        {
            rowLogits = logits + logits.log_softmax(0);
            columnLogits = (logits + logits.log_softmax(1)).t();
        }

        Tensor rowPositives = pos, columnPositives = pos.t();
        if (textToQueued is not null)
        {
            CheckQueued(textToQueued, q, nameof(textToQueued));
            rowLogits = cat(new[] { rowLogits, textToQueued * scale }, 1);
            rowPositives = cat(new[] { rowPositives, zeros(q, textToQueued.shape[1], dtype: ScalarType.Bool, device: pos.device) }, 1);
        }

        if (videoToQueued is not null)
        {
            CheckQueued(videoToQueued, b, nameof(videoToQueued));
            columnLogits = cat(new[] { columnLogits, videoToQueued * scale }, 1);
            columnPositives = cat(new[] { columnPositives, zeros(b, videoToQueued.shape[1], dtype: ScalarType.Bool, device: pos.device) }, 1);
        }

        var loss = (MultiPositiveCrossEntropy(rowLogits, rowPositives) + MultiPositiveCrossEntropy(columnLogits, columnPositives)) / 2;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Loss from embeddings [Q, D] and [B, D] (normalised here). With a queue, its stored videos and texts are extra
    /// negatives; the queue is NOT updated here (call <see cref="NegativeQueue.Enqueue"/> after the step).
    /// </summary>
    public Tensor FromEmbeddings(Tensor text, Tensor video, Tensor? positives = null, NegativeQueue? queue = null)
    {
        using var scope = NewDisposeScope();
        var t = Heads.Pooling.Normalize(text);
        var v = Heads.Pooling.Normalize(video);
        Tensor? textToQueued = null, videoToQueued = null;
        if (queue is not null && queue.Count > 0)
        {
            // Snapshots: the queue may be updated in place before backward().
            textToQueued = t.matmul(queue.Videos().clone().t());
            videoToQueued = v.matmul(queue.Texts().clone().t());
        }

        return Forward(t.matmul(v.t()), positives, textToQueued, videoToQueued).MoveToOuterDisposeScope();
    }

    private Tensor Scale() => logit_scale.exp().clamp_max(options.MaxLogitScale);

    private static void CheckQueued(Tensor queued, long rows, string name)
    {
        if (queued.dim() != 2 || queued.shape[0] != rows)
        {
            throw VidSearchException.Argument(name, $"expected [{rows}, N], got {Heads.TextInputs.Shape(queued)}");
        }
    }

    /// <summary>mean over rows of -log(sum over positives of softmax(row)).</summary>
    private static Tensor MultiPositiveCrossEntropy(Tensor logits, Tensor positives)
    {
        var all = logits.logsumexp(1);
        var positive = logits.masked_fill(positives.logical_not(), float.NegativeInfinity).logsumexp(1);
        return (all - positive).mean();
    }
}
