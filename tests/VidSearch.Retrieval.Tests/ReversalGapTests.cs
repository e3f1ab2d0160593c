using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Losses;
using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

/// <summary>
/// The temporal-reliance claim in miniature: videos "A then B" and "B then A" hold the same frames in opposite
/// orders, and each order has its own learned text embedding. A head that pools frames without order (mean) cannot
/// tell them apart; a temporal transformer can.
/// </summary>
public class ReversalGapTests
{
    private const int Dim = 16;
    private const int Pairs = 6;
    private const int FramesPerEvent = 2;

    [Fact]
    public void Mean_pooling_stays_at_chance_while_the_temporal_head_learns_order()
    {
        double mean = TrainAndMeasure(HeadFactory.Mean);
        double temporal = TrainAndMeasure(HeadFactory.Temporal);
        TestContext.Current.TestOutputHelper?.WriteLine($"order accuracy: mean {mean:P1}, temporal {temporal:P1}");
        Assert.InRange(mean, 0.35, 0.65);
        Assert.True(temporal >= 0.9, $"temporal order accuracy {temporal:P1} (mean {mean:P1})");
    }

    private static double TrainAndMeasure(string headName)
    {
        manual_seed(2024);
        var events = nn.functional.normalize(randn(2 * Pairs, Dim), dim: -1);
        var model = new ToyModel(HeadFactory.Create(headName, new HeadOptions { Dim = Dim, MaxFrames = 2 * FramesPerEvent, AttentionHeads = 2, Layers = 1 }));
        var loss = new ContrastiveLoss(new ContrastiveLossOptions { Temperature = 0.05f, LearnableTemperature = false });

        // Item i: pair i / 2, shown in order i % 2 (0 = A then B, 1 = B then A); its text is class i.
        int items = 2 * Pairs;
        Tensor Batch(int[] batch)
        {
            var classes = tensor(batch.Select(i => (long)i).ToArray());
            var video = Videos(events, batch);
            var sims = model.Head.Score(new TextInputs(model.Texts(classes)), video);
            return loss.Forward(sims);
        }

        var options = new TrainerOptions { Epochs = 300, BatchSize = items, LearningRate = 3e-3, WeightDecay = 0, WarmupFraction = 0.05, Seed = 7 };
        using (var trainer = new Trainer(model, options))
        {
            trainer.Fit(items, Batch, cancellationToken: TestContext.Current.CancellationToken);
        }

        using var noGrad = no_grad();
        manual_seed(99);
        int correct = 0, total = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            var all = Enumerable.Range(0, items).ToArray();
            var scores = model.Head.Score(new TextInputs(model.Texts(tensor(all.Select(i => (long)i).ToArray()))), Videos(events, all));
            var s = scores.data<float>().ToArray();
            for (int i = 0; i < items; i++)
            {
                int reversed = i ^ 1;
                correct += s[(i * items) + i] > s[(i * items) + reversed] ? 1 : 0;
                total++;
            }
        }

        return correct / (double)total;
    }

    /// <summary>Frames [B, 2 * FramesPerEvent, D]: the two events of the pair in the item's order, plus noise.</summary>
    private static VideoInputs Videos(Tensor events, int[] batch)
    {
        var first = tensor(batch.Select(i => (long)((2 * (i / 2)) + (i % 2))).ToArray());
        var second = tensor(batch.Select(i => (long)((2 * (i / 2)) + 1 - (i % 2))).ToArray());
        var a = events.index_select(0, first).unsqueeze(1).expand(-1, FramesPerEvent, -1);
        var b = events.index_select(0, second).unsqueeze(1).expand(-1, FramesPerEvent, -1);
        var frames = cat(new[] { a, b }, 1);
        return VideoInputs.Unmasked(frames + (randn_like(frames) * 0.05));
    }

    private sealed class ToyModel : nn.Module
    {
        private readonly Embedding text_table;
        private readonly nn.Module head;

        public ToyModel(IVideoHead videoHead)
            : base("toy")
        {
            Head = videoHead;
            head = videoHead.AsModule();
            text_table = nn.Embedding(2 * Pairs, Dim);
            RegisterComponents();
        }

        public IVideoHead Head { get; }

        public Tensor Texts(Tensor classes) => text_table.forward(classes);
    }
}
