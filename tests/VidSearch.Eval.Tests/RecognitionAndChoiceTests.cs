using VidSearch.Core;
using VidSearch.Eval.Tasks;
using static VidSearch.Eval.Tests.Frames;

namespace VidSearch.Eval.Tests;

public class RecognitionAndChoiceTests
{
    [Fact]
    public void TopKAccuracyWithPessimisticTies()
    {
        var scores = Matrix(
            [0.9f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f],
            [0.5f, 0.5f, 0.5f, 0.1f, 0.1f, 0.1f],
            [0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f]);
        var r = ActionRecognition.Score("test", scores, [0, 2, 5]);
        Assert.Equal(100.0 / 3, r.Top1, 6);
        Assert.Equal(200.0 / 3, r.Top5, 6);
        Assert.Equal(100.0 / 3, r.MeanClassTop1, 6);
        Assert.Equal(6, r.Classes);
    }

    [Fact]
    public void ZeroShotUsesTheHead()
    {
        var classes = new EmbeddingMatrix(3, 4);
        for (int c = 0; c < 3; c++)
        {
            classes.Row(c)[c] = 1;
        }

        LabelledVideo[] test = [new(Of(OneHot(4, 0), OneHot(4, 0)), 0), new(Of(OneHot(4, 1), OneHot(4, 2), OneHot(4, 2)), 2), new(Of(OneHot(4, 1)), 0)];
        var r = ActionRecognition.ZeroShot(new MeanPoolingScorer(), test, classes);
        Assert.Equal(200.0 / 3, r.Top1, 6);
        Assert.Equal(3, r.Videos);
    }

    [Fact]
    public void LinearProbeSeparatesSupportSetsThatThePrototypesConfuse()
    {
        // Unit vectors at angles (degrees). Class 0's support is tight (0, 10), class 1's is spread (40, 170): the
        // class-1 prototype points at 105 degrees, so a class-1 video at 45 degrees is nearer the class-0 prototype (5).
        // A linear classifier separates the support between 10 and 40 degrees and gets it right.
        static float[] At(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180), 0];
        LabelledVideo[] train = [new(Of(At(0)), 0), new(Of(At(10)), 0), new(Of(At(40)), 1), new(Of(At(170)), 1)];
        LabelledVideo[] test = [new(Of(At(5)), 0), new(Of(At(45)), 1)];
        var prototypes = ActionRecognition.FewShot(new MeanPoolingScorer(), train, test, classes: 2, shots: 2, seed: 1);
        var probe = ActionRecognition.LinearProbeFewShot(new MeanPoolingScorer(), train, test, classes: 2, shots: 2, seed: 1, new LinearProbeOptions { Steps = 2000 });
        Assert.Equal(50, prototypes.Top1);
        Assert.Equal(100, probe.Top1);
        Assert.Equal("linear-probe K=2", probe.Protocol);

        var again = ActionRecognition.LinearProbeFewShot(new MeanPoolingScorer(), train, test, 2, 2, 1, new LinearProbeOptions { Steps = 2000 });
        Assert.Equal(probe, again);
        Assert.Throws<VidSearchException>(() => ActionRecognition.LinearProbeFewShot(new MeanPoolingScorer(), train, test, 2, 3, 1));
        Assert.Throws<VidSearchException>(() => new LinearProbeOptions { Steps = 0 }.Validate());
        Assert.Throws<VidSearchException>(() => LinearProbe.Train(new EmbeddingMatrix(2, 3), [0, 2], 2));
    }

    [Fact]
    public void FewShotClassifiesByThePrototypeOfTheSupportVideos()
    {
        // Class 0 support: e0 and e2; class 1: e1 and e3. A test video e2 can only be recognised through the mean.
        LabelledVideo[] train = [new(Of(OneHot(4, 0)), 0), new(Of(OneHot(4, 2)), 0), new(Of(OneHot(4, 1)), 1), new(Of(OneHot(4, 3)), 1)];
        LabelledVideo[] test = [new(Of(OneHot(4, 2)), 0), new(Of(OneHot(4, 3)), 1), new(Of(OneHot(4, 0)), 1)];
        var r = ActionRecognition.FewShot(new MeanPoolingScorer(), train, test, classes: 2, shots: 2, seed: 7);
        Assert.Equal(200.0 / 3, r.Top1, 6);
        Assert.Equal("few-shot K=2", r.Protocol);
        Assert.Throws<VidSearchException>(() => ActionRecognition.FewShot(new MeanPoolingScorer(), train, test, 2, 3, 7));
        Assert.Throws<VidSearchException>(() => ActionRecognition.FewShot(new MeanPoolingScorer(), train, test, 2, 0, 7));
    }

    [Fact]
    public void OpenSetSeparatesSeenAndUnseenClasses()
    {
        var classes = new EmbeddingMatrix(4, 6);
        for (int c = 0; c < 4; c++)
        {
            classes.Row(c)[c] = 1;
        }

        // seen classes 0 and 1 are learned from training videos whose frames lie on e4 and e5 (not on their text);
        // unseen classes 2 and 3 have no training videos and are recognised from text alone.
        LabelledVideo[] train = [new(Of(OneHot(6, 4)), 0), new(Of(OneHot(6, 5)), 1)];
        LabelledVideo[] test = [new(Of(OneHot(6, 4)), 0), new(Of(OneHot(6, 5)), 1), new(Of(OneHot(6, 2)), 2), new(Of(OneHot(6, 3)), 3), new(Of(OneHot(6, 2)), 3)];
        var head = new MeanPoolingScorer();
        var (seen, unseen) = ActionRecognition.OpenSet(head, head, train, test, classes, new HashSet<int> { 2, 3 });
        Assert.Equal((2, 2, 100.0), (seen.Videos, seen.Classes, seen.Top1));
        Assert.Equal((3, 2), (unseen.Videos, unseen.Classes));
        Assert.Equal(200.0 / 3, unseen.Top1, 6);
        Assert.Throws<VidSearchException>(() => ActionRecognition.OpenSet(head, head, train, test, classes, new HashSet<int> { 0, 1, 2, 3 }));
    }

    [Fact]
    public void PromptEnsembleAveragesNormalisedTemplateEmbeddings()
    {
        var encoder = new BagOfWordsEncoder();
        var ensemble = new PromptEnsemble(["a video of {}.", "{} in action"]);
        Assert.Equal(["a video of brush hair.", "brush hair in action"], ensemble.Prompts("brush_hair"));
        var rows = ensemble.Encode(encoder, ["brush_hair", "Archery"]);
        var expected = BagOfWordsEncoder.Vector("a video of brush hair.").Zip(BagOfWordsEncoder.Vector("brush hair in action"), (a, b) => a + b).ToArray();
        VectorMath.NormalizeInPlace(expected);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], rows.Row(0)[i], 5);
        }

        Assert.Throws<VidSearchException>(() => new PromptEnsemble(["no placeholder"]));
        Assert.Throws<VidSearchException>(() => new PromptEnsemble([]));
        Assert.Equal(6, new PromptEnsemble().Templates.Count);
    }

    [Fact]
    public void MultipleChoiceCountsTiesAsWrong()
    {
        var choicesA = new EmbeddingMatrix(3, 4);
        choicesA.Row(0)[1] = 1;
        choicesA.Row(1)[0] = 1;
        choicesA.Row(2)[2] = 1;
        var choicesB = new EmbeddingMatrix(3, 4);
        choicesB.Row(0)[0] = 1;
        choicesB.Row(1)[0] = 1;
        choicesB.Row(2)[1] = 1;
        var video = Of(OneHot(4, 0));
        var r = MultipleChoice.Evaluate(new MeanPoolingScorer(), [new(video, choicesA, 1), new(video, choicesB, 0)]);
        Assert.Equal(2, r.Questions);
        Assert.Equal(50, r.Accuracy);
        Assert.Equal(100.0 / 3, r.Chance, 6);
        Assert.Throws<VidSearchException>(() => MultipleChoice.Evaluate(new MeanPoolingScorer(), []));
        Assert.Throws<VidSearchException>(() => MultipleChoice.Evaluate(new MeanPoolingScorer(), [new(video, choicesA, 3)]));
    }

    [Fact]
    public void ReversalNeedsAStrictWinOverTheTwin()
    {
        var sim = Matrix([0.9f, 0.1f], [0.5f, 0.5f], [0.2f, 0.8f], [0.6f, 0.4f]);
        var r = ReversalTest.Evaluate(sim, [0, 0, 1, 1], ["g", "g"]);
        Assert.Equal((4, 1, 50.0), (r.Queries, r.Pairs, r.Accuracy));
        Assert.Throws<VidSearchException>(() => ReversalTest.Evaluate(sim, [0, 0, 1, 1], [null, "g"]));
    }

    [Fact]
    public void MeanPoolingIgnoresMaskedFramesAndChecksDimensions()
    {
        var frames = new EmbeddingMatrix(2, 2);
        frames.Row(0)[0] = 1;
        frames.Row(1)[1] = 1;
        var video = new FrameEmbeddings(frames, [0, 1], [true, false]);
        var texts = new EmbeddingMatrix(2, 2);
        texts.Row(0)[0] = 2;
        texts.Row(1)[1] = 1;
        var sim = new MeanPoolingScorer().Score([video], texts);
        Assert.Equal(1, sim[0, 0], 6);
        Assert.Equal(0, sim[1, 0], 6);
        Assert.Equal(ErrorKind.Incompatible, Assert.Throws<VidSearchException>(() => new MeanPoolingScorer().Score([video], new EmbeddingMatrix(1, 3))).Kind);
    }
}
