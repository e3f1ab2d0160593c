using VidSearch.Core;
using VidSearch.Eval.Metrics;
using static VidSearch.Eval.Tests.Frames;

namespace VidSearch.Eval.Tests;

public class RetrievalMetricsTests
{
    [Fact]
    public void SquareMatrixGivesHandComputedRanksAndFigures()
    {
        var sim = Matrix([0.9f, 0.1f, 0.2f], [0.8f, 0.5f, 0.1f], [0.3f, 0.2f, 0.1f]);
        var ranks = RankCalculator.Ranks(sim, [0, 1, 2]);
        Assert.Equal([0, 1, 2], ranks);
        var m = RetrievalMetrics.FromRanks(ranks, 3);
        Assert.Equal(100.0 / 3, m.R1, 6);
        Assert.Equal(100, m.R5);
        Assert.Equal(2, m.MedianRank);
        Assert.Equal(2, m.MeanRank);
        Assert.Equal(50, m.RecallCurve.Length);
        Assert.Equal(200.0 / 3, m.RecallCurve[1], 6);
    }

    [Fact]
    public void TiesArePessimistic()
    {
        var sim = Matrix([0.5f, 0.5f, 0.5f], [0.7f, 0.5f, 0.5f], [0.2f, 0.9f, 0.2f]);
        Assert.Equal([2, 2, 0], RankCalculator.Ranks(sim, [1, 1, 1]));
    }

    [Fact]
    public void DuplicateCaptionsOfDifferentVideosBothRankSecond()
    {
        // Two identical captions (identical rows) belong to videos 0 and 1: neither can be first under the policy.
        var sim = Matrix([0.6f, 0.6f, 0.1f], [0.6f, 0.6f, 0.1f], [0.0f, 0.1f, 0.7f]);
        var result = RetrievalEvaluator.Evaluate(sim, [0, 1, 2]);
        Assert.Equal(100.0 / 3, result.TextToVideo.R1, 6);
        Assert.Equal((1 + 1 + 0) / 3.0 + 1, result.TextToVideo.MeanRank, 6);
        Assert.Equal(100.0 / 3, result.VideoToText.R1, 6);
    }

    [Fact]
    public void MedianOfAnEvenCountIsTheMeanOfTheMiddleRanks()
    {
        var m = RetrievalMetrics.FromRanks([3, 0, 2, 1], 4);
        Assert.Equal(2.5, m.MedianRank);
        Assert.Equal(2.5, m.MeanRank);
        Assert.Equal(25, m.R1);
    }

    private static readonly float[,] MultiCaption = Matrix(
        [0.9f, 0.2f, 0.1f],
        [0.3f, 0.4f, 0.1f],
        [0.1f, 0.8f, 0.85f],
        [0.2f, 0.7f, 0.9f],
        [0.5f, 0.6f, 0.4f]);

    private static readonly int[] MultiCaptionVideo = [0, 0, 1, 1, 2];

    [Fact]
    public void NonSquareMultiCaptionTextToVideo()
    {
        var r = RetrievalEvaluator.Evaluate(MultiCaption, MultiCaptionVideo);
        Assert.Equal(5, r.TextToVideo.Queries);
        Assert.Equal(3, r.TextToVideo.Candidates);
        Assert.Equal(20, r.TextToVideo.R1, 6);
        Assert.Equal(100, r.TextToVideo.R5, 6);
        Assert.Equal(2, r.TextToVideo.MedianRank);
        Assert.Equal(2, r.TextToVideo.MeanRank, 6);
    }

    [Fact]
    public void NonSquareMultiCaptionVideoToTextAnyCaptionCountsCaptions()
    {
        var r = RetrievalEvaluator.Evaluate(MultiCaption, MultiCaptionVideo, VideoToTextVariant.AnyCaption);
        Assert.Equal(3, r.VideoToText.Queries);
        Assert.Equal(5, r.VideoToText.Candidates);
        Assert.Equal(200.0 / 3, r.VideoToText.R1, 6);
        Assert.Equal(1, r.VideoToText.MedianRank);
        Assert.Equal((0 + 0 + 2) / 3.0 + 1, r.VideoToText.MeanRank, 6);
        Assert.Contains("any of its captions", r.VideoToTextVariant);
    }

    [Fact]
    public void NonSquareMultiCaptionVideoToTextGroupMaxCountsVideos()
    {
        var r = RetrievalEvaluator.Evaluate(MultiCaption, MultiCaptionVideo, VideoToTextVariant.GroupMax);
        Assert.Equal(3, r.VideoToText.Candidates);
        Assert.Equal((0 + 0 + 1) / 3.0 + 1, r.VideoToText.MeanRank, 6);
    }

    [Fact]
    public void VideosWithoutCaptionsAreCandidatesButNotQueries()
    {
        var sim = Matrix([0.9f, 0.1f, 0.95f], [0.1f, 0.9f, 0.0f]);
        var r = RetrievalEvaluator.Evaluate(sim, [0, 1]);
        Assert.Equal(2, r.VideoToText.Queries);
        Assert.Equal(50, r.TextToVideo.R1);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        var sim = Matrix([0.1f, float.NaN]);
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => RankCalculator.Ranks(sim, [0])).Kind);
        Assert.Throws<VidSearchException>(() => RankCalculator.Ranks(Matrix([0.1f, 0.2f]), [2]));
        Assert.Throws<VidSearchException>(() => RankCalculator.Ranks(Matrix([0.1f, 0.2f]), [0, 1]));
        Assert.Throws<VidSearchException>(() => RetrievalMetrics.FromRanks([], 3));
    }

    [Fact]
    public void AnyCaptionVideoToTextEqualsRankingTheTransposedMatrix()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            int videos = random.Next(1, 7), captions = videos + random.Next(0, 8);
            var captionVideo = Enumerable.Range(0, captions).Select(c => c < videos ? c : random.Next(videos)).ToArray();
            var sim = new float[captions, videos];
            var transposed = new float[videos, captions];
            for (int c = 0; c < captions; c++)
            {
                for (int v = 0; v < videos; v++)
                {
                    sim[c, v] = transposed[v, c] = random.Next(4) / 4f;   // coarse values: many ties
                }
            }

            var truth = Enumerable.Range(0, videos).Select(v => (IReadOnlyList<int>)Enumerable.Range(0, captions).Where(c => captionVideo[c] == v).ToList()).ToList();
            var expected = RetrievalMetrics.FromRanks(RankCalculator.Ranks(transposed, truth), captions);
            var actual = RetrievalEvaluator.VideoToText(sim, captionVideo, VideoToTextVariant.AnyCaption);
            Assert.Equal(expected.RecallCurve, actual.RecallCurve);
            Assert.Equal(expected.MeanRank, actual.MeanRank);
        }
    }
}
