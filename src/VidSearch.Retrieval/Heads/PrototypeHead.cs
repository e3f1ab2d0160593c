using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// `prototypes`: TMVM's multiple visual prototypes. K learned queries attend (single-head scaled dot product over
/// valid frames) to the normalised frames; each prototype is the normalised attention-weighted frame mean. A query
/// scores a video by its most similar prototype. <see cref="RegularizationLoss"/> is the diversity loss: the mean
/// squared cosine between distinct prototypes of a video, times DiversityWeight.
/// Prototypes are text-independent, so an index may also store all K per video; the head is marked
/// query-conditioned because its score is a max, not one dot product.
/// </summary>
public sealed class PrototypeHead : VideoHead, IRegularizedHead
{
    private readonly Parameter queries;
    private readonly Linear query_proj;
    private readonly Linear key_proj;

    public PrototypeHead(HeadOptions options)
        : base(HeadFactory.Prototypes, options)
    {
        queries = new Parameter(randn(options.Prototypes, options.Dim) * 0.02);
        query_proj = nn.Linear(options.Dim, options.Dim);
        key_proj = nn.Linear(options.Dim, options.Dim);
        RegisterComponents();
    }

    public override bool IsQueryConditioned => true;

    /// <summary>The K prototypes of each video, normalised: [B,T,D],[B,T] -> [B,K,D].</summary>
    public Tensor PrototypeEmbeddings(VideoInputs video)
    {
        video.Validate(Options.Dim);
        return Prototypes(video);
    }

    public Tensor RegularizationLoss(VideoInputs video)
    {
        using var scope = NewDisposeScope();
        var prototypes = Prototypes(video);
        long k = prototypes.shape[1];
        if (k < 2)
        {
            return zeros(new long[0], device: prototypes.device).MoveToOuterDisposeScope();
        }

        var gram = prototypes.matmul(prototypes.transpose(1, 2));
        var offDiagonal = ones(k, k, device: gram.device) - eye(k, device: gram.device);
        var loss = (gram.pow(2) * offDiagonal).sum(new long[] { 1, 2 }) / (k * (k - 1));
        return (loss.mean() * Options.DiversityWeight).MoveToOuterDisposeScope();
    }

    protected override Tensor ScoreCore(TextInputs text, VideoInputs video)
    {
        using var scope = NewDisposeScope();
        var prototypes = Prototypes(video);
        var sims = einsum("qd,bkd->qbk", Pooling.Normalize(text.Sentence), prototypes);
        return sims.max(-1).values.MoveToOuterDisposeScope();
    }

    private Tensor Prototypes(VideoInputs video)
    {
        using var scope = NewDisposeScope();
        var frames = Pooling.Normalize(video.Frames);
        var q = query_proj.forward(queries);
        var k = key_proj.forward(frames);
        var logits = einsum("kd,btd->bkt", q, k) / Math.Sqrt(Options.Dim);
        var weights = Pooling.MaskedSoftmax(logits, video.Mask.unsqueeze(1).expand_as(logits));
        return Pooling.Normalize(weights.matmul(frames)).MoveToOuterDisposeScope();
    }
}
