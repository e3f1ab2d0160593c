using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// `salient`: LGDN's language-guided frame selection. For each query, only the SalientFrames valid frames most similar
/// to it are kept (redundant and noisy frames dropped); their normalised mean is scored by cosine with the query.
/// Videos with fewer valid frames keep all of them.
/// </summary>
public sealed class SalientFrameHead : VideoHead
{
    public SalientFrameHead(HeadOptions options)
        : base(HeadFactory.Salient, options)
    {
        RegisterComponents();
    }

    public override bool IsQueryConditioned => true;

    protected override Tensor ScoreCore(TextInputs text, VideoInputs video)
    {
        using var scope = NewDisposeScope();
        var query = Pooling.Normalize(text.Sentence);
        var frames = Pooling.Normalize(video.Frames);
        var sims = einsum("qd,btd->qbt", query, frames);
        var valid = video.Mask.unsqueeze(0).expand_as(sims);
        var ranked = sims.masked_fill(valid.logical_not(), float.NegativeInfinity);
        long k = Math.Min(Options.SalientFrames, sims.shape[2]);
        var (_, indices) = ranked.topk((int)k, dim: -1);
        var selected = zeros_like(sims).scatter(-1, indices, ones_like(indices, dtype: sims.dtype)) * valid.to_type(sims.dtype);
        var pooled = Pooling.Normalize(einsum("qbt,btd->qbd", selected, frames));
        return einsum("qd,qbd->qb", query, pooled).MoveToOuterDisposeScope();
    }
}
