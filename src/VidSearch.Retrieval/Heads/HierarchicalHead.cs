using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// `hierarchical`: HCMI's frame / clip / video levels. Frames pass a temporal encoder (self-attention, identity at
/// initialisation), are grouped into clips of ClipFrames contiguous frames (a clip embedding is the normalised mean
/// of its valid frames; clips without valid frames are ignored), and the video embedding is the normalised mean of
/// all valid frames. Score = mean of video-sentence cosine, clip-sentence and frame-level similarities, the latter
/// two aggregated by softmax(s / Temperature); at frame level, word embeddings (when given) are matched to frames
/// (frame-word, aggregated over frames then words) instead of the sentence.
/// </summary>
public sealed class HierarchicalHead : VideoHead
{
    private readonly TemporalEncoder temporal;

    public HierarchicalHead(HeadOptions options)
        : base(HeadFactory.Hierarchical, options)
    {
        temporal = new TemporalEncoder(options);
        RegisterComponents();
    }

    public override bool IsQueryConditioned => true;

    protected override void CheckFrameCount(VideoInputs video) => HeadChecks.FrameCount(video, Options.MaxFrames, Name);

    protected override Tensor ScoreCore(TextInputs text, VideoInputs video)
    {
        using var scope = NewDisposeScope();
        double tau = Options.Temperature;
        var mask = video.Mask;
        var frames = Pooling.Normalize(temporal.forward(Pooling.Normalize(video.Frames), mask));
        long b = frames.shape[0], t = frames.shape[1], d = frames.shape[2];
        var sentence = Pooling.Normalize(text.Sentence);
        long q = sentence.shape[0];

        var videoEmbedding = Pooling.Normalize(Pooling.MaskedMean(frames, mask));
        var videoLevel = sentence.matmul(videoEmbedding.t());

        long c = Options.ClipFrames;
        long clips = (t + c - 1) / c;
        long padded = clips * c;
        var clipFrames = frames;
        var clipMask = mask;
        if (padded > t)
        {
            clipFrames = cat(new[] { frames, zeros(b, padded - t, d, dtype: frames.dtype, device: frames.device) }, 1);
            clipMask = cat(new[] { mask, zeros(b, padded - t, dtype: ScalarType.Bool, device: mask.device) }, 1);
        }

        var groupedMask = clipMask.view(b, clips, c);
        var clipEmbeddings = Pooling.Normalize(Pooling.MaskedMean(clipFrames.view(b * clips, c, d), groupedMask.view(b * clips, c)).view(b, clips, d));
        var clipValid = groupedMask.any(-1);
        var clipSims = einsum("qd,bcd->qbc", sentence, clipEmbeddings);
        var clipLevel = SimilarityAggregation.SoftAggregate(clipSims, clipValid.unsqueeze(0).expand_as(clipSims), tau);

        Tensor frameLevel;
        if (text.Words is null)
        {
            var frameSims = einsum("qd,btd->qbt", sentence, frames);
            frameLevel = SimilarityAggregation.SoftAggregate(frameSims, mask.unsqueeze(0).expand_as(frameSims), tau);
        }
        else
        {
            var words = Pooling.Normalize(text.Words);
            var wordMask = text.WordMask!;
            long l = words.shape[1];
            var frameWordSims = einsum("qld,btd->qblt", words, frames);
            var pairMask = wordMask.view(q, 1, l, 1).logical_and(mask.view(1, b, 1, t));
            var perWord = SimilarityAggregation.SoftAggregate(frameWordSims, pairMask, tau);
            frameLevel = SimilarityAggregation.SoftAggregate(perWord, wordMask.view(q, 1, l).expand(q, b, l), tau);
        }

        return ((videoLevel + clipLevel + frameLevel) / 3).MoveToOuterDisposeScope();
    }
}
