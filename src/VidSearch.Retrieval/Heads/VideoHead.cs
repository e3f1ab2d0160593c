using TorchSharp;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>Base of the heads: input checks and the mean-pooling first stage shared by query-conditioned heads.</summary>
public abstract class VideoHead : nn.Module, IVideoHead
{
    protected VideoHead(string name, HeadOptions options)
        : base(name)
    {
        options.Validate();
        Name = name;
        Options = options;
    }

    public string Name { get; }

    public HeadOptions Options { get; }

    public abstract bool IsQueryConditioned { get; }

    public nn.Module AsModule() => this;

    public Tensor VideoEmbedding(Tensor frames, Tensor mask)
    {
        var video = new VideoInputs(frames, mask);
        video.Validate(Options.Dim);
        CheckFrameCount(video);
        return Embed(video);
    }

    public Tensor Score(TextInputs text, VideoInputs video)
    {
        text.Validate(Options.Dim);
        video.Validate(Options.Dim);
        CheckFrameCount(video);
        return ScoreCore(text, video);
    }

    /// <summary>Query-independent embedding; the default is the mean pooling of <see cref="Pooling.MeanPool"/>.</summary>
    protected virtual Tensor Embed(VideoInputs video) => Pooling.MeanPool(video.Frames, video.Mask);

    protected abstract Tensor ScoreCore(TextInputs text, VideoInputs video);

    protected virtual void CheckFrameCount(VideoInputs video)
    {
    }

    /// <summary>Cosine matrix of normalised queries against normalised video embeddings.</summary>
    protected static Tensor Cosine(Tensor sentence, Tensor videos) =>
        Pooling.Normalize(sentence).matmul(videos.t());
}

/// <summary>Tensor helpers shared by the heads.</summary>
public static class Pooling
{
    public static Tensor Normalize(Tensor x) => nn.functional.normalize(x, p: 2, dim: -1, eps: 1e-8);

    /// <summary>CLIP4Clip meanP: normalise frames, mean over valid frames, normalise. [B,T,D],[B,T] -> [B,D].</summary>
    public static Tensor MeanPool(Tensor frames, Tensor mask) => Normalize(MaskedMean(Normalize(frames), mask));

    /// <summary>Mean over the valid frames (dimension 1) without normalisation. [B,T,D],[B,T] -> [B,D].</summary>
    public static Tensor MaskedMean(Tensor frames, Tensor mask)
    {
        using var weights = mask.to_type(frames.dtype).unsqueeze(-1);
        using var sum = (frames * weights).sum(1);
        using var count = weights.sum(1).clamp_min(1);
        return sum / count;
    }

    /// <summary>
    /// Softmax over the last dimension where masked entries (mask false) get zero weight. A row with no valid entry
    /// gets uniform weights instead of NaN (its result must be masked downstream); this keeps gradients finite.
    /// </summary>
    public static Tensor MaskedSoftmax(Tensor logits, Tensor mask)
    {
        using var invalid = mask.logical_not();
        using var filled = logits.masked_fill(invalid, MaskedLogit);
        return filled.softmax(-1);
    }

    /// <summary>The logit given to masked entries: exp of it underflows to exactly zero next to any valid logit.</summary>
    public const float MaskedLogit = -1e9f;
}

/// <summary>Similarity aggregations shared by the query-conditioned heads.</summary>
public static class SimilarityAggregation
{
    /// <summary>Cosines of every query with every frame: [Q,D],[B,T,D] -> [Q,B,T].</summary>
    public static Tensor QueryFrame(Tensor sentence, Tensor frames) =>
        einsum("qd,btd->qbt", Pooling.Normalize(sentence), Pooling.Normalize(frames));

    /// <summary>
    /// Softmax-weighted sum over the last dimension (the AOSM aggregation of X-CLIP): sum_i softmax(s/tau)_i s_i,
    /// where entries with mask false get zero weight.
    /// </summary>
    public static Tensor SoftAggregate(Tensor similarity, Tensor mask, double temperature)
    {
        using var scope = NewDisposeScope();
        var weights = Pooling.MaskedSoftmax(similarity / temperature, mask);
        var safe = similarity.masked_fill(mask.logical_not(), 0);
        return (weights * safe).sum(-1).MoveToOuterDisposeScope();
    }
}
