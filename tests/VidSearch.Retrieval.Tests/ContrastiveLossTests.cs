using VidSearch.Core;
using VidSearch.Retrieval.Losses;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

public class ContrastiveLossTests
{
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

    [Fact]
    public void InfoNCE_matches_a_hand_computation_on_two_pairs()
    {
        var loss = new ContrastiveLoss(new ContrastiveLossOptions { Temperature = 0.5f, LearnableTemperature = false });
        var sim = TensorAssert.Matrix(new float[,] { { 0.9f, 0.1f }, { 0.2f, 0.8f } });
        // logits = 2 * sim; each term is -log softmax of the diagonal = log(1 + exp(other - diagonal)).
        double rows = (Softplus(0.2 - 1.8) + Softplus(0.4 - 1.6)) / 2;
        double columns = (Softplus(0.4 - 1.8) + Softplus(0.2 - 1.6)) / 2;
        Assert.Equal((rows + columns) / 2, loss.Forward(sim).item<float>(), 5);
        Assert.Equal(2f, loss.LogitScale, 5);
        Assert.DoesNotContain(loss.parameters(), p => p.requires_grad);
    }

    [Fact]
    public void Several_captions_of_one_clip_are_all_positives()
    {
        var loss = new ContrastiveLoss(new ContrastiveLossOptions { Temperature = 1f, LearnableTemperature = false });
        // Texts 0 and 1 describe clip 7, text 2 clip 9; videos are clip 7 and clip 9.
        var sim = TensorAssert.Matrix(new float[,] { { 0.5f, 0.1f }, { 0.3f, 0.2f }, { 0.0f, 0.6f } });
        var positives = ContrastiveLoss.PositivesFromIds([7, 7, 9], [7, 9]);
        Assert.Equal(new[] { true, false, true, false, false, true }, positives.data<bool>().ToArray());

        double Row(double pos, double neg) => -Math.Log(Math.Exp(pos) / (Math.Exp(pos) + Math.Exp(neg)));
        double rows = (Row(0.5, 0.1) + Row(0.3, 0.2) + Row(0.6, 0.0)) / 3;
        double column0 = -Math.Log((Math.Exp(0.5) + Math.Exp(0.3)) / (Math.Exp(0.5) + Math.Exp(0.3) + Math.Exp(0.0)));
        double column1 = -Math.Log(Math.Exp(0.6) / (Math.Exp(0.1) + Math.Exp(0.2) + Math.Exp(0.6)));
        double expected = (rows + ((column0 + column1) / 2)) / 2;
        Assert.Equal(expected, loss.Forward(sim, positives).item<float>(), 5);

        // The same clip twice in a batch: both columns are positives of its caption.
        var twice = ContrastiveLoss.PositivesFromIds([7, 7], [7, 7]);
        var equal = TensorAssert.Matrix(new float[,] { { 0.4f, 0.4f }, { 0.4f, 0.4f } });
        Assert.Equal(0f, loss.Forward(equal, twice).item<float>(), 6);
    }

    [Fact]
    public void Dual_softmax_training_option_reweights_logits_by_the_other_direction()
    {
        var loss = new ContrastiveLoss(new ContrastiveLossOptions { Temperature = 1f, LearnableTemperature = false, DualSoftmax = true });
        double[,] l = { { 0.9, 0.1 }, { 0.2, 0.8 } };
        var sim = TensorAssert.Matrix(new float[,] { { 0.9f, 0.1f }, { 0.2f, 0.8f } });
        double ColumnSoftmax(int i, int j) => Math.Exp(l[i, j]) / (Math.Exp(l[0, j]) + Math.Exp(l[1, j]));
        double RowSoftmax(int i, int j) => Math.Exp(l[i, j]) / (Math.Exp(l[i, 0]) + Math.Exp(l[i, 1]));
        double Ce(double pos, double neg) => Softplus(neg - pos);
        double r(int i, int j) => l[i, j] + Math.Log(ColumnSoftmax(i, j));
        double c(int i, int j) => l[i, j] + Math.Log(RowSoftmax(i, j));
        double rows = (Ce(r(0, 0), r(0, 1)) + Ce(r(1, 1), r(1, 0))) / 2;
        double columns = (Ce(c(0, 0), c(1, 0)) + Ce(c(1, 1), c(0, 1))) / 2;
        Assert.Equal((rows + columns) / 2, loss.Forward(sim).item<float>(), 5);
    }

    [Fact]
    public void Dual_softmax_training_prefers_the_right_ranking_even_with_negative_similarities()
    {
        // CAMoE's product form (logits * softmax * N) scores the inverted ranking below the right one once every
        // similarity is negative; the log-space prior must not.
        var loss = new ContrastiveLoss(new ContrastiveLossOptions { Temperature = 0.05f, LearnableTemperature = false, DualSoftmax = true });
        foreach (float shift in new[] { 0f, -0.5f, -1.5f })
        {
            var right = TensorAssert.Matrix(new float[,] { { 0.6f + shift, 0.1f + shift, 0.2f + shift }, { 0.1f + shift, 0.5f + shift, 0f + shift }, { 0.2f + shift, 0f + shift, 0.7f + shift } });
            var inverted = TensorAssert.Matrix(new float[,] { { -0.6f + shift, 0.1f + shift, 0.2f + shift }, { 0.1f + shift, -0.5f + shift, 0f + shift }, { 0.2f + shift, 0f + shift, -0.7f + shift } });
            Assert.True(loss.Forward(right).item<float>() < loss.Forward(inverted).item<float>(), $"shift {shift}");
        }
    }

    [Fact]
    public void Queued_embeddings_are_extra_negatives()
    {
        manual_seed(3);
        var loss = new ContrastiveLoss(new ContrastiveLossOptions { Temperature = 0.1f, LearnableTemperature = false });
        var text = nn.functional.normalize(randn(3, 4), dim: -1);
        var video = nn.functional.normalize(randn(3, 4), dim: -1);
        using var queue = new NegativeQueue(4, capacity: 5);
        Assert.Equal(loss.Forward(text.matmul(video.t())).item<float>(), loss.FromEmbeddings(text, video, null, queue).item<float>(), 5);

        var pastVideos = randn(2, 4);
        var pastTexts = randn(2, 4);
        queue.Enqueue(pastVideos, pastTexts);
        Assert.Equal(2, queue.Count);
        var expected = loss.Forward(
            text.matmul(video.t()),
            null,
            text.matmul(nn.functional.normalize(pastVideos, dim: -1).t()),
            video.matmul(nn.functional.normalize(pastTexts, dim: -1).t()));
        var withQueue = loss.FromEmbeddings(text, video, null, queue);
        Assert.Equal(expected.item<float>(), withQueue.item<float>(), 5);
        Assert.True(withQueue.item<float>() > loss.FromEmbeddings(text, video).item<float>());
    }

    [Fact]
    public void Queue_is_first_in_first_out_with_fixed_capacity()
    {
        using var queue = new NegativeQueue(2, capacity: 3);
        var v = TensorAssert.Matrix(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 }, { -1, 0 } });
        queue.Enqueue(v.narrow(0, 0, 2), v.narrow(0, 0, 2));
        queue.Enqueue(v.narrow(0, 2, 2), v.narrow(0, 2, 2));
        Assert.Equal(3, queue.Count);
        float s = 1 / MathF.Sqrt(2);
        // Slots: a (slot 0) was the oldest and was replaced by d.
        TensorAssert.Close([-1, 0, 0, 1, s, s], TensorAssert.Values(queue.Videos()));
        Assert.Throws<VidSearchException>(() => queue.Enqueue(zeros(2, 3), zeros(2, 3)));
        Assert.Throws<VidSearchException>(() => queue.Enqueue(zeros(2, 2), zeros(1, 2)));
    }

    [Fact]
    public void Momentum_update_moves_the_copy_towards_the_online_model()
    {
        var online = nn.Linear(2, 1, hasBias: false);
        var target = nn.Linear(2, 1, hasBias: false);
        using (no_grad())
        {
            online.weight!.copy_(tensor(new float[] { 1, 1 }).view(1, 2));
            target.weight!.copy_(tensor(new float[] { 0, 2 }).view(1, 2));
        }

        NegativeQueue.MomentumUpdate(online, target, 0.9);
        TensorAssert.Close([0.1f, 1.9f], TensorAssert.Values(target.weight!));
    }

    [Fact]
    public void Learnable_temperature_receives_gradients_and_bad_inputs_are_rejected()
    {
        var loss = new ContrastiveLoss();
        var sim = TensorAssert.Matrix(new float[,] { { 0.9f, 0.1f }, { 0.2f, 0.8f } });
        loss.Forward(sim).backward();
        var scale = loss.parameters().Single();
        Assert.True(scale.requires_grad);
        Assert.NotEqual(0f, scale.grad!.item<float>());

        Assert.Throws<VidSearchException>(() => loss.Forward(zeros(2, 3)));
        Assert.Throws<VidSearchException>(() => loss.Forward(zeros(2, 2), zeros(2, 2, dtype: ScalarType.Bool)));
        Assert.Throws<VidSearchException>(() => new ContrastiveLoss(new ContrastiveLossOptions { Temperature = -1 }));
    }
}
