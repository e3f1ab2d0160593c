using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>`mean`: CLIP4Clip meanP. Parameter-free; score = cosine of the query with the mean-pooled video.</summary>
public sealed class MeanPoolingHead : VideoHead
{
    public MeanPoolingHead(HeadOptions options)
        : base(HeadFactory.Mean, options)
    {
        RegisterComponents();
    }

    public override bool IsQueryConditioned => false;

    protected override Tensor ScoreCore(TextInputs text, VideoInputs video)
    {
        using var embedding = Embed(video);
        return Cosine(text.Sentence, embedding);
    }
}
