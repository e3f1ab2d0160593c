using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// `text-pool`: LiteVL's parameter-free text-dependent pooling. For each query, the valid frames are weighted by
/// softmax(cos(query, frame) / Temperature); the weighted mean of the normalised frames is normalised and scored by
/// cosine with the query. With equal similarities it reduces to mean pooling.
/// </summary>
public sealed class TextPoolingHead : VideoHead
{
    public TextPoolingHead(HeadOptions options)
        : base(HeadFactory.TextPool, options)
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
        var weights = Pooling.MaskedSoftmax(sims / Options.Temperature, video.Mask.unsqueeze(0).expand_as(sims));
        var pooled = Pooling.Normalize(einsum("qbt,btd->qbd", weights, frames));
        return einsum("qd,qbd->qb", query, pooled).MoveToOuterDisposeScope();
    }
}
