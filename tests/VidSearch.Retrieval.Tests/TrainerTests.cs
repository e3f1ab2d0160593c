using VidSearch.Core;
using VidSearch.Retrieval.Training;
using VidSearch.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

public class TrainerTests
{
    private const int Items = 40;

    private static (nn.Module Model, Func<int[], Tensor> Loss) Regression(long initSeed)
    {
        manual_seed(1234);
        var x = randn(Items, 4);
        var y = x.matmul(tensor(new float[] { 1, -2, 0.5f, 3 }).view(4, 1)).sin();
        manual_seed(initSeed);
        var model = nn.Sequential(("fc1", nn.Linear(4, 16)), ("drop", nn.Dropout(0.3)), ("act", nn.ReLU()), ("fc2", nn.Linear(16, 1)));
        Tensor Loss(int[] batch)
        {
            var rows = tensor(batch.Select(b => (long)b).ToArray());
            return nn.functional.mse_loss(model.forward(x.index_select(0, rows)), y.index_select(0, rows));
        }

        return (model, Loss);
    }

    private static TrainerOptions Options(string? checkpoints = null) => new()
    {
        Epochs = 4,
        BatchSize = 8,
        LearningRate = 1e-2,
        WarmupFraction = 0.2,
        Seed = 99,
        CheckpointDirectory = checkpoints,
    };

    private static float[] Weights(nn.Module model) =>
        model.parameters().SelectMany(p => TensorAssert.Values(p)).ToArray();

    [Fact]
    public void Same_seed_gives_identical_weights_and_another_seed_does_not()
    {
        var (m1, l1) = Regression(5);
        using (var t1 = new Trainer(m1, Options()))
        {
            t1.Fit(Items, l1, cancellationToken: TestContext.Current.CancellationToken);
        }

        var (m2, l2) = Regression(5);
        using (var t2 = new Trainer(m2, Options()))
        {
            t2.Fit(Items, l2, cancellationToken: TestContext.Current.CancellationToken);
        }

        var (m3, l3) = Regression(5);
        using (var t3 = new Trainer(m3, Options() with { Seed = 100 }))
        {
            t3.Fit(Items, l3, cancellationToken: TestContext.Current.CancellationToken);
        }

        Assert.Equal(Weights(m1), Weights(m2));
        Assert.NotEqual(Weights(m1), Weights(m3));
    }

    [Fact]
    public void Resuming_after_an_interruption_ends_with_the_weights_of_an_uninterrupted_run()
    {
        using var dirA = new TempDirectory();
        using var dirB = new TempDirectory();
        var (reference, referenceLoss) = Regression(5);
        TrainingLog referenceLog;
        using (var trainer = new Trainer(reference, Options(dirA.Path)))
        {
            referenceLog = trainer.Fit(Items, referenceLoss, epoch => new Dictionary<string, double> { ["epoch_twice"] = 2 * epoch }, cancellationToken: TestContext.Current.CancellationToken);
        }

        // Interrupted run: cancelled in the middle of the third epoch (after 2 checkpoints).
        var (interrupted, interruptedLoss) = Regression(5);
        using var cancel = new CancellationTokenSource();
        int calls = 0;
        Tensor CountingLoss(int[] batch)
        {
            if (++calls == 13)
            {
                cancel.Cancel();
            }

            return interruptedLoss(batch);
        }

        using (var trainer = new Trainer(interrupted, Options(dirB.Path)))
        {
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(Items, CountingLoss, epoch => new Dictionary<string, double> { ["epoch_twice"] = 2 * epoch }, cancellationToken: cancel.Token));
        }

        Assert.Equal("epoch-0002", File.ReadAllText(Path.Combine(dirB.Path, "latest")));

        // A fresh process: other initial weights, restored from the checkpoint.
        var (resumed, resumedLoss) = Regression(77);
        TrainingLog resumedLog;
        using (var trainer = new Trainer(resumed, Options(dirB.Path)))
        {
            resumedLog = trainer.Fit(Items, resumedLoss, epoch => new Dictionary<string, double> { ["epoch_twice"] = 2 * epoch }, cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(20, trainer.Step);
        }

        Assert.Equal(Weights(reference), Weights(resumed));
        Assert.Equal(referenceLog.Epochs.Select(e => e.Loss), resumedLog.Epochs.Select(e => e.Loss));
        Assert.Equal([1, 2, 3, 4], resumedLog.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void Checkpoints_and_the_json_log_are_written_every_epoch()
    {
        using var dir = new TempDirectory();
        var (model, loss) = Regression(5);
        var reports = new List<WorkProgress>();
        var progress = new SynchronousProgress(reports.Add);
        using (var trainer = new Trainer(model, Options(dir.Path)))
        {
            trainer.Fit(Items, loss, epoch => new Dictionary<string, double> { ["r@1"] = epoch / 10.0 }, progress, cancellationToken: TestContext.Current.CancellationToken);
        }

        Assert.Equal(["epoch-0003", "epoch-0004"], Directory.GetDirectories(dir.Path).Select(Path.GetFileName).Order());
        Assert.Equal("epoch-0004", File.ReadAllText(Path.Combine(dir.Path, "latest")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*tmp*", SearchOption.AllDirectories));

        var log = TrainingLog.FromJson(File.ReadAllText(Path.Combine(dir.Path, Trainer.LogFile)));
        Assert.Equal(99, log.Seed);
        Assert.Equal(4, log.Epochs.Count);
        Assert.Equal(0.3, log.Epochs[3].Metrics["r@1"], 10);
        Assert.Equal([5L, 10L, 15L, 20L], log.Epochs.Select(e => e.Step));
        Assert.All(log.Epochs, e => Assert.True(double.IsFinite(e.Loss) && e.Seconds >= 0 && e.SamplesPerSecond > 0));
        Assert.True(log.Epochs[3].Loss < log.Epochs[0].Loss, "the loss goes down");
        Assert.Contains("\"learning_rate\"", File.ReadAllText(Path.Combine(dir.Path, Trainer.LogFile)));

        Assert.Equal(20, reports.Count);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), reports.Select(r => r.Done));
        Assert.All(reports, r => Assert.Equal(20, r.Total));
        Assert.All(reports, r => Assert.Contains("samples/s", r.Detail));
        Assert.StartsWith("epoch 1/4 loss ", reports[0].Detail);
    }

    [Fact]
    public void A_checkpoint_of_another_run_is_refused()
    {
        using var dir = new TempDirectory();
        var (model, loss) = Regression(5);
        using (var trainer = new Trainer(model, Options(dir.Path) with { Epochs = 1 }))
        {
            trainer.Fit(Items, loss, cancellationToken: TestContext.Current.CancellationToken);
        }

        using var other = new Trainer(model, Options(dir.Path));
        var e = Assert.Throws<VidSearchException>(() => other.Fit(Items - 8, loss, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(ErrorKind.Incompatible, e.Kind);
    }

    [Fact]
    public void A_non_finite_loss_stops_training_with_a_clear_error()
    {
        var (model, _) = Regression(5);
        using var trainer = new Trainer(model, Options());
        var e = Assert.Throws<VidSearchException>(() => trainer.Fit(Items, _ => model.parameters().First().sum() * float.NaN, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("NaN", e.Message);
    }

    [Fact]
    public void Gradient_clipping_bounds_the_updates()
    {
        float Change(double? clip)
        {
            var (model, loss) = Regression(5);
            var before = Weights(model);
            using (var trainer = new Trainer(model, Options() with { Epochs = 1, WeightDecay = 0, GradientClipNorm = clip }))
            {
                trainer.Fit(Items, loss, cancellationToken: TestContext.Current.CancellationToken);
            }

            return before.Zip(Weights(model), (a, b) => Math.Abs(a - b)).Max();
        }

        // Adam divides by the gradient scale, so a clip to 1e-12 leaves updates of about lr * 1e-12 / eps.
        Assert.True(Change(1e-12) < 1e-4f, $"clipped change {Change(1e-12)}");
        Assert.True(Change(null) > 1e-3f);
    }

    [Fact]
    public void Absurd_options_are_rejected()
    {
        var (model, _) = Regression(5);
        Assert.Throws<VidSearchException>(() => new Trainer(model, Options() with { LearningRate = 0 }));
        Assert.Throws<VidSearchException>(() => new Trainer(model, Options() with { WarmupFraction = 1 }));
        Assert.Throws<VidSearchException>(() => new Trainer(model, Options() with { Epochs = 0 }));
        Assert.Throws<VidSearchException>(() => new Trainer(model, Options() with { GradientClipNorm = -1 }));
    }

    [Fact]
    public void Schedule_warms_up_linearly_then_decays_by_cosine_to_the_minimum()
    {
        var schedule = new LearningRateSchedule(1.0, 0.1, WarmupSteps: 4, TotalSteps: 13);
        Assert.Equal(0.25, schedule.At(0), 10);
        Assert.Equal(1.0, schedule.At(3), 10);
        Assert.Equal(1.0, schedule.At(4), 10);
        Assert.Equal(0.55, schedule.At(8), 10);
        Assert.Equal(0.1, schedule.At(12), 10);
        Assert.True(schedule.At(6) > schedule.At(7));
    }

    [Fact]
    public void Batch_sampler_is_a_seeded_permutation_per_epoch()
    {
        var sampler = new BatchSampler(10, 4, seed: 1, dropLast: false);
        var epoch0 = sampler.Epoch(0);
        Assert.Equal([4, 4, 2], epoch0.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10), epoch0.SelectMany(b => b).Order());
        Assert.Equal(epoch0.SelectMany(b => b), new BatchSampler(10, 4, 1, false).Epoch(0).SelectMany(b => b));
        Assert.NotEqual(epoch0.SelectMany(b => b), sampler.Epoch(1).SelectMany(b => b));
        Assert.NotEqual(epoch0.SelectMany(b => b), new BatchSampler(10, 4, 2, false).Epoch(0).SelectMany(b => b));
        Assert.Equal(2, new BatchSampler(10, 4, 1, dropLast: true).Epoch(0).Count);
        Assert.Throws<VidSearchException>(() => new BatchSampler(0, 4, 1, false));
    }

    private sealed class SynchronousProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
