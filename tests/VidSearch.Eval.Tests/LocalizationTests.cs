using VidSearch.Core;
using VidSearch.Eval.Tasks;
using static VidSearch.Eval.Tests.Frames;

namespace VidSearch.Eval.Tests;

public class LocalizationTests
{
    [Fact]
    public void TemporalIoUOfOverlappingAndDisjointSegments()
    {
        Assert.Equal(5.0 / 15, DetectionMap.TemporalIoU(0, 10, 5, 15), 12);
        Assert.Equal(0, DetectionMap.TemporalIoU(0, 10, 10, 20));
        Assert.Equal(1, DetectionMap.TemporalIoU(2, 4, 2, 4));
    }

    [Fact]
    public void InterpolatedApMakesPrecisionMonotone()
    {
        // precision [1, .5, 2/3] recall [.5, .5, 1]: .5 * 1 + .5 * 2/3
        Assert.Equal(0.5 + (1.0 / 3), DetectionMap.InterpolatedAp([1, 0.5, 2.0 / 3], [0.5, 0.5, 1]), 12);
    }

    [Fact]
    public void MapMatchesTheHandComputedCase()
    {
        GroundTruthSegment[] truth =
        [
            new("v1", "A", 0, 10), new("v1", "A", 20, 30), new("v2", "B", 5, 15),
        ];
        Detection[] predictions =
        [
            new("v1", "A", 0, 10, 0.9),   // tIoU 1 with the first: TP
            new("v1", "A", 1, 10, 0.8),   // best match already taken, the other is disjoint: FP
            new("v1", "A", 20, 26, 0.7),  // tIoU 0.6 with the second: TP at 0.5, FP at 0.7
            new("v2", "A", 5, 15, 0.95),  // no A in v2: FP (ranked first)
            new("v2", "C", 5, 15, 0.99),  // class absent from the ground truth: ignored
        ];
        var result = DetectionMap.Evaluate(truth, predictions, [0.5, 0.7]);
        // A at 0.5: tp [0,1,0,1] precision [0, .5, 1/3, .5] recall [0, .5, .5, 1] -> .5*.5 + .5*.5 = .5
        // A at 0.7: tp [0,1,0,0] -> .5 * .5 = .25 ; B has no prediction: AP 0
        Assert.Equal(2, result.Classes);
        Assert.Equal(0.25, result.MeanAp[0], 12);
        Assert.Equal(0.125, result.MeanAp[1], 12);
        Assert.Equal(0.1875, result.AverageMap, 12);
        Assert.Equal(0.25, result.ByThreshold["0.50"], 12);
    }

    [Fact]
    public void ApWithoutTheFalsePositiveFirst()
    {
        GroundTruthSegment[] truth = [new("v1", "A", 0, 10), new("v1", "A", 20, 30)];
        Detection[] predictions = [new("v1", "A", 0, 10, 0.9), new("v1", "A", 1, 10, 0.8), new("v1", "A", 20, 26, 0.7)];
        var ap = DetectionMap.AveragePrecision(truth, predictions, [0.5, 0.7]);
        Assert.Equal(0.5 + (0.5 * 2 / 3), ap[0], 12);
        Assert.Equal(0.5, ap[1], 12);
    }

    [Fact]
    public void MapRejectsBadThresholdsAndEmptyTruth()
    {
        Assert.Throws<VidSearchException>(() => DetectionMap.Evaluate([new("v", "A", 0, 1)], [], [0]));
        Assert.Throws<VidSearchException>(() => DetectionMap.Evaluate([], [], [0.5]));
        Assert.Equal(0, DetectionMap.Evaluate([new("v", "A", 0, 1)], [], [0.5]).AverageMap);
    }

    [Fact]
    public void ProposalsGroupFramesAboveThresholdAndSuppressOverlaps()
    {
        var localizer = new TemporalLocalizer(new LocalizationOptions { Thresholds = [0.5], WindowFrames = [] });
        var proposals = localizer.Propose([0, 1, 2, 3, 4], [0.1, 0.9, 0.8, 0.2, 0.7]);
        Assert.Equal(2, proposals.Count);
        Assert.Equal(new Proposal(1, 3, 0.85), proposals[0] with { Score = Math.Round(proposals[0].Score, 6) });
        Assert.Equal(new Proposal(4, 5, 0.7), proposals[1]);

        var kept = TemporalLocalizer.Suppress([new(0, 10, 0.9), new(1, 10, 0.8), new(20, 30, 0.7)], 0.5, 10);
        Assert.Equal([0.9, 0.7], kept.Select(p => p.Score));
        Assert.Single(TemporalLocalizer.Suppress([new(0, 10, 0.9), new(20, 30, 0.7)], 0.5, 1));
    }

    [Fact]
    public void LocalizerFindsTwoActionsInASyntheticVideo()
    {
        const int dim = 8;
        var frames = Enumerable.Range(0, 12).Select(i => i < 4 ? OneHot(dim, 0) : i < 8 ? OneHot(dim, 7) : OneHot(dim, 1)).ToArray();
        var classes = new EmbeddingMatrix(2, dim);
        classes.Row(0)[0] = 1;
        classes.Row(1)[1] = 1;
        var localizer = new TemporalLocalizer(new LocalizationOptions { Thresholds = [0.5], WindowFrames = [4] });
        var detections = localizer.Localize("v", Of(frames), classes, ["A", "B"], logitScale: 100);
        var bestA = detections.Where(d => d.Label == "A").MaxBy(d => d.Score)!;
        var bestB = detections.Where(d => d.Label == "B").MaxBy(d => d.Score)!;
        Assert.Equal((0.0, 4.0), (bestA.Start, bestA.End));
        Assert.Equal((8.0, 12.0), (bestB.Start, bestB.End));
        var map = DetectionMap.Evaluate([new("v", "A", 0, 4), new("v", "B", 8, 12)], detections, DetectionMap.ThumosThresholds);
        Assert.Equal(1, map.AverageMap, 9);
    }

    [Fact]
    public void BackToBackActionsAreSplitWhereTheNearestClassChanges()
    {
        const int dim = 8;
        var frames = Enumerable.Range(0, 8).Select(i => i < 4 ? OneHot(dim, 0) : OneHot(dim, 1)).ToArray();
        var classes = new EmbeddingMatrix(2, dim);
        classes.Row(0)[0] = 1;
        classes.Row(1)[1] = 1;
        var localizer = new TemporalLocalizer();
        var detections = localizer.Localize("v", Of(frames), classes, ["A", "B"], logitScale: 100);
        var map = DetectionMap.Evaluate([new("v", "A", 0, 4), new("v", "B", 4, 8)], detections, DetectionMap.ActivityNetThresholds);
        Assert.Equal(1, map.AverageMap, 9);

        var proposals = new TemporalLocalizer(new LocalizationOptions { Thresholds = [0.5], WindowFrames = [4], WindowStride = 0.25 })
            .Propose([0, 1, 2, 3, 4, 5], [1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1]);
        Assert.Equal([(0.0, 3.0, 1.0), (3.0, 6.0, 1.0)], proposals.Take(2).Select(p => (p.Start, p.End, p.Score)));
        Assert.Contains(proposals, p => (p.Start, p.End, p.Score) == (1.0, 5.0, 0.5));
    }

    [Fact]
    public void AbsurdOptionsAreRejected()
    {
        Assert.Throws<VidSearchException>(() => new TemporalLocalizer(new LocalizationOptions { Thresholds = [1.5] }));
        Assert.Throws<VidSearchException>(() => new TemporalLocalizer(new LocalizationOptions { NmsThreshold = 0 }));
        Assert.Throws<VidSearchException>(() => new TemporalLocalizer(new LocalizationOptions { Thresholds = [], WindowFrames = [] }));
    }
}
