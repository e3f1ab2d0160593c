using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// `temporal`: CLIP4Clip seqTransf / Ju et al. A transformer with temporal position embeddings over the normalised
/// frames (residual, initialised as the identity), then normalised mean pooling over valid frames.
/// Query-independent: score = cosine of the query with the video embedding.
/// </summary>
public sealed class TemporalTransformerHead : VideoHead
{
    private readonly TemporalEncoder temporal;

    public TemporalTransformerHead(HeadOptions options)
        : base(HeadFactory.Temporal, options)
    {
        temporal = new TemporalEncoder(options);
        RegisterComponents();
    }

    public override bool IsQueryConditioned => false;

    protected override void CheckFrameCount(VideoInputs video) => HeadChecks.FrameCount(video, Options.MaxFrames, Name);

    protected override Tensor Embed(VideoInputs video)
    {
        using var scope = NewDisposeScope();
        var encoded = temporal.forward(Pooling.Normalize(video.Frames), video.Mask);
        return Pooling.Normalize(Pooling.MaskedMean(encoded, video.Mask)).MoveToOuterDisposeScope();
    }

    protected override Tensor ScoreCore(TextInputs text, VideoInputs video)
    {
        using var embedding = Embed(video);
        return Cosine(text.Sentence, embedding);
    }
}

internal static class HeadChecks
{
    public static void FrameCount(VideoInputs video, int maxFrames, string head)
    {
        if (video.Frames.shape[1] > maxFrames)
        {
            throw Core.VidSearchException.Argument("video.Frames", $"{video.Frames.shape[1]} frames exceed MaxFrames {maxFrames} of head '{head}'");
        }
    }
}
