using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Heads;

/// <summary>
/// `xclip`: X-CLIP multi-grained contrast. Frames pass a temporal encoder (identity at initialisation); the video
/// embedding is their normalised mean. Four similarities: video-sentence (cosine), frame-sentence and video-word
/// (softmax-weighted aggregation over frames / words), frame-word (AOSM: aggregate over frames then words, and over
/// words then frames, averaged). They are fused by learnable weights (softmax of logits, starting equal).
/// Without word embeddings only video-sentence and frame-sentence are used.
/// </summary>
public sealed class XClipHead : VideoHead
{
    private readonly TemporalEncoder temporal;
    private readonly Parameter level_logits;

    public XClipHead(HeadOptions options)
        : base(HeadFactory.XClip, options)
    {
        temporal = new TemporalEncoder(options);
        level_logits = new Parameter(zeros(4));
        RegisterComponents();
    }

    public override bool IsQueryConditioned => true;

    protected override void CheckFrameCount(VideoInputs video) => HeadChecks.FrameCount(video, Options.MaxFrames, Name);

    protected override Tensor ScoreCore(TextInputs text, VideoInputs video)
    {
        using var scope = NewDisposeScope();
        double tau = Options.Temperature;
        var frames = Pooling.Normalize(temporal.forward(Pooling.Normalize(video.Frames), video.Mask));
        var videoEmbedding = Pooling.Normalize(Pooling.MaskedMean(frames, video.Mask));
        var sentence = Pooling.Normalize(text.Sentence);

        var videoSentence = sentence.matmul(videoEmbedding.t());
        var frameSentenceSims = einsum("qd,btd->qbt", sentence, frames);
        var frameMask = video.Mask.unsqueeze(0).expand_as(frameSentenceSims);
        var frameSentence = SimilarityAggregation.SoftAggregate(frameSentenceSims, frameMask, tau);

        Tensor fused;
        if (text.Words is null)
        {
            var w = level_logits.narrow(0, 0, 2).softmax(0);
            fused = w[0] * videoSentence + w[1] * frameSentence;
        }
        else
        {
            var words = Pooling.Normalize(text.Words);
            var wordMask = text.WordMask!;
            long q = words.shape[0], l = words.shape[1], b = frames.shape[0], t = frames.shape[1];

            var videoWordSims = einsum("qld,bd->qbl", words, videoEmbedding);
            var videoWordMask = wordMask.unsqueeze(1).expand(q, b, l);
            var videoWord = SimilarityAggregation.SoftAggregate(videoWordSims, videoWordMask, tau);

            var frameWordSims = einsum("qld,btd->qbtl", words, frames);
            var pairMask = video.Mask.view(1, b, t, 1).logical_and(wordMask.view(q, 1, 1, l));
            var wordAnyFrame = wordMask.view(q, 1, l).expand(q, b, l);
            var frameAnyWord = video.Mask.view(1, b, t).expand(q, b, t);
            // For each word, aggregate over frames, then over words; and the other way round.
            var wordScores = SimilarityAggregation.SoftAggregate(frameWordSims.transpose(2, 3), pairMask.transpose(2, 3), tau);
            var framesThenWords = SimilarityAggregation.SoftAggregate(wordScores, wordAnyFrame, tau);
            var frameScores = SimilarityAggregation.SoftAggregate(frameWordSims, pairMask, tau);
            var wordsThenFrames = SimilarityAggregation.SoftAggregate(frameScores, frameAnyWord, tau);
            var frameWord = (framesThenWords + wordsThenFrames) / 2;

            var w = level_logits.softmax(0);
            fused = w[0] * videoSentence + w[1] * frameSentence + w[2] * videoWord + w[3] * frameWord;
        }

        return fused.MoveToOuterDisposeScope();
    }
}
