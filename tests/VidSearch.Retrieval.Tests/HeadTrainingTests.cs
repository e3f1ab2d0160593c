using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Losses;
using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

/// <summary>Every trainable head trains with the Trainer on toy frame features, with each loss option.</summary>
public class HeadTrainingTests
{
    private const int Dim = 8;
    private const int Clips = 12;

    public static TheoryData<string, bool, bool> Setups() => new()
    {
        { "temporal", false, false },
        { "temporal", true, false },
        { "temporal", false, true },
        { "xclip", false, false },
        { "prototypes", false, false },
        { "hierarchical", true, false },
    };

    [Theory]
    [MemberData(nameof(Setups))]
    public void Loss_goes_down(string name, bool dualSoftmax, bool useQueue)
    {
        manual_seed(3);
        var frames = randn(Clips, 4, Dim);
        var mask = ones(Clips, 4, dtype: ScalarType.Bool);
        mask[0, 3] = tensor(false);
        var head = HeadFactory.Create(name, new HeadOptions { Dim = Dim, AttentionHeads = 2, MaxFrames = 4, Prototypes = 2, ClipFrames = 2, Temperature = 0.1f });
        var texts = new Holder(nn.Embedding(Clips, Dim));
        var loss = new ContrastiveLoss(new ContrastiveLossOptions { DualSoftmax = dualSoftmax });
        using var queue = useQueue ? new NegativeQueue(Dim, 8) : null;

        // Two captions per clip: items 2c and 2c+1 both describe clip c (multi-positive when they meet in a batch).
        Tensor Batch(int[] batch)
        {
            var clipIds = batch.Select(i => (long)(i / 2)).ToArray();
            var uniqueClips = clipIds.Distinct().ToArray();
            var text = new TextInputs(texts.Table.forward(tensor(clipIds)));
            var video = new VideoInputs(frames, mask).Select(tensor(uniqueClips));
            var positives = ContrastiveLoss.PositivesFromIds(clipIds, uniqueClips);
            var value = HeadObjective.Loss(head, loss, text, video, positives, queue);
            queue?.Enqueue(head.VideoEmbedding(video.Frames, video.Mask), text.Sentence.index_select(0, tensor(uniqueClips.Select(c => (long)Array.IndexOf(clipIds, c)).ToArray())));
            return value;
        }

        using var trainer = new Trainer([head.AsModule(), texts, loss], new TrainerOptions { Epochs = 15, BatchSize = 8, LearningRate = 1e-2, Seed = 1 });
        var log = trainer.Fit(2 * Clips, Batch, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(log.Epochs[^1].Loss < 0.8 * log.Epochs[0].Loss, $"{name}: loss {log.Epochs[0].Loss:F3} -> {log.Epochs[^1].Loss:F3}");
    }

    [Fact]
    public void A_queue_with_a_query_conditioned_head_is_refused()
    {
        var head = HeadFactory.Create("text-pool", new HeadOptions { Dim = Dim, AttentionHeads = 1 });
        using var queue = new NegativeQueue(Dim, 4);
        queue.Enqueue(randn(2, Dim), randn(2, Dim));
        var e = Assert.Throws<VidSearchException>(() => HeadObjective.Loss(head, new ContrastiveLoss(), new TextInputs(randn(2, Dim)), VideoInputs.Unmasked(randn(2, 3, Dim)), null, queue));
        Assert.Contains("query-conditioned", e.Message);
    }

    private sealed class Holder : nn.Module
    {
        private readonly Embedding table;

        public Holder(Embedding table)
            : base("texts")
        {
            this.table = table;
            RegisterComponents();
        }

        public Embedding Table => table;
    }
}
