using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// `ensemble`: Singularity's inference-time frame ensemble: the score is the mean over valid frames of the cosine
/// between the query and each frame. (This equals the dot product with the unnormalised mean of normalised frames,
/// so it ranks differently from `mean`; it re-scores candidates of the mean-pooling first stage.)
/// </summary>
public sealed class FrameEnsembleHead : VideoHead
{
    public FrameEnsembleHead(HeadOptions options)
        : base(HeadFactory.Ensemble, options)
    {
        RegisterComponents();
    }

    public override bool IsQueryConditioned => true;

    protected override Tensor ScoreCore(TextInputs text, VideoInputs video)
    {
        using var scope = NewDisposeScope();
        var sims = SimilarityAggregation.QueryFrame(text.Sentence, video.Frames);
        var weights = video.Mask.to_type(sims.dtype).unsqueeze(0);
        var count = weights.sum(-1).clamp_min(1);
        return ((sims * weights).sum(-1) / count).MoveToOuterDisposeScope();
    }
}
