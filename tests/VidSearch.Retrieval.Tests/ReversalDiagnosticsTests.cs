using VidSearch.Retrieval.Ablation;
using VidSearch.Retrieval.Video;
using VidSearch.Synthetic.Manifest;

namespace VidSearch.Retrieval.Tests;

public sealed class ReversalDiagnosticsTests
{
    [Theory]
    [InlineData("a large red circle moves to the left", "left/right", 1)]
    [InlineData("the green triangle travels rightward", "left/right", 0)]
    [InlineData("a small purple square drifts toward the top", "up/down", 1)]
    [InlineData("the blue square sinks", "up/down", 0)]
    [InlineData("the white diamond becomes larger", "grow/shrink", 1)]
    [InlineData("a yellow square dwindles", "grow/shrink", 0)]
    [InlineData("the orange diamond fades in", "appear/disappear", 1)]
    [InlineData("the purple circle fades away", "appear/disappear", 0)]
    [InlineData("a red cross is recolored from red to blue", "colour change", -1)]
    [InlineData("a red cross becomes blue", "colour change", -1)]
    [InlineData("the white diamond travels leftward before it travels downward", ReversalDiagnostics.TwoEvents, -1)]
    [InlineData("a yellow triangle shrinks after the green square grows", ReversalDiagnostics.TwoEvents, -1)]
    public void Captions_of_both_template_sets_map_to_their_event_family(string caption, string family, int direction)
    {
        Assert.Equal(new EventFamily(family, direction), ReversalDiagnostics.Classify(caption));
    }

    [Fact]
    public void A_caption_without_an_event_has_no_family()
    {
        Assert.Null(ReversalDiagnostics.Classify("a large red circle and a small blue square"));
    }

    [Fact]
    public void Reversal_accuracy_is_counted_per_family_with_ties_wrong()
    {
        // Clips 0/1: a left/right pair; clips 2/3: a grow/shrink pair.
        var rows = new[]
        {
            Row("a", "p0", "the red circle moves left"), Row("b", "p0", "the red circle moves right"),
            Row("c", "p1", "the blue square grows"), Row("d", "p1", "the blue square shrinks"),
        };
        using var set = VideoSetOf(rows);
        var scores = new float[,]
        {
            { 0.9f, 0.1f, 0, 0 }, // correct
            { 0.9f, 0.1f, 0, 0 }, // wrong (its clip is 1)
            { 0, 0, 0.5f, 0.5f }, // tie: wrong
            { 0, 0, 0.2f, 0.3f }, // correct
        };
        var families = ReversalDiagnostics.ReversalByFamily(scores, [0, 1, 2, 3], set);
        Assert.Equal(new FamilyReversal(2, 50), families["left/right"]);
        Assert.Equal(new FamilyReversal(2, 50), families["grow/shrink"]);
    }

    [Fact]
    public void The_linear_probe_finds_a_separable_direction_and_not_a_random_label()
    {
        var random = new Random(3);
        List<float[]> Points(int n, Func<int, int> label, out List<int> labels)
        {
            var ys = Enumerable.Range(0, n).Select(label).ToList();
            labels = ys;
            return ys.Select(y => Enumerable.Range(0, 8).Select(d => (float)(random.NextDouble() - 0.5) + (d == 2 ? (y == 1 ? 1f : -1f) : 0)).ToArray()).ToList();
        }

        var trainX = Points(60, i => i % 2, out var trainY);
        var testX = Points(40, i => i % 2, out var testY);
        Assert.True(ReversalDiagnostics.Fit(trainX, trainY, testX, testY) >= 95);

        var noise = new Random(9);
        var shuffledTrain = trainY.Select(_ => noise.Next(2)).ToList();
        var shuffledTest = testY.Select(_ => noise.Next(2)).ToList();
        Assert.InRange(ReversalDiagnostics.Fit(trainX, shuffledTrain, testX, shuffledTest)!.Value, 20, 80);
        Assert.Null(ReversalDiagnostics.Fit(trainX, trainY.Select(_ => 1).ToList(), testX, testY)); // one class only
    }

    private static ManifestRow Row(string id, string group, string caption) =>
        new() { Id = id, Video = "v.mp4", Split = "test", Captions = [caption], Group = group };

    internal static VideoSet VideoSetOf(IReadOnlyList<ManifestRow> rows, int frames = 2, int size = 32)
    {
        var clips = rows.Select(r => new VideoClipPixels(r, new float[frames * 3 * size * size], Enumerable.Repeat(true, frames).ToArray())).ToList();
        TorchSharp.torch.manual_seed(1);
        var config = VidSearch.Models.Clip.ClipConfig.Create(imageSize: size, patch: 8, visionWidth: 32, visionLayers: 1, visionHeads: 2,
            textWidth: 32, textLayers: 1, textHeads: 2, embedDim: 16);
        using var clip = new VidSearch.Models.Clip.ClipModel(config);
        clip.eval();
        return VideoSet.Encode(clip, clips, keepPixels: false);
    }
}
