using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Core;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Training;

/// <summary>
/// Trains any set of TorchSharp modules with a loss closure: AdamW, linear warmup + cosine schedule, gradient
/// clipping, deterministic shuffled batches, a validation callback and a checkpoint (modules, optimizer, step, seed,
/// log) at the end of every epoch. A run interrupted at any point and started again with the same options resumes
/// from the last checkpoint and ends with exactly the weights of an uninterrupted run: the data order and torch's
/// generator depend only on (seed, epoch). State outside the modules (e.g. a <see cref="Losses.NegativeQueue"/>) is
/// not checkpointed and breaks that guarantee, and so does other code drawing from torch's process-wide generator
/// while training runs.
/// </summary>
public sealed class Trainer : IDisposable
{
    private const string LatestFile = "latest";
    private const string StateFile = "state.json";
    private const string OptimizerFile = "optimizer.bin";
    public const string LogFile = "training-log.json";

    private readonly IReadOnlyList<nn.Module> modules;
    private readonly AdamW optimizer;
    private readonly Parameter[] trainable;

    public Trainer(nn.Module module, TrainerOptions options)
        : this([module], options)
    {
    }

    /// <param name="modules">Every module whose parameters train (e.g. a head and its <see cref="Losses.ContrastiveLoss"/>).</param>
    public Trainer(IReadOnlyList<nn.Module> modules, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.modules = modules;
        Options = options;
        trainable = modules.SelectMany(m => m.parameters()).Where(p => p.requires_grad).ToArray();
        if (trainable.Length == 0)
        {
            throw VidSearchException.Argument("modules", "have no trainable parameter");
        }

        var decay = trainable.Where(p => p.dim() >= 2).ToArray();
        var noDecay = trainable.Where(p => p.dim() < 2).ToArray();
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Length > 0)
        {
            groups.Add(new AdamW.ParamGroup(decay, new AdamW.Options { weight_decay = options.WeightDecay }));
        }

        if (noDecay.Length > 0)
        {
            groups.Add(new AdamW.ParamGroup(noDecay, new AdamW.Options { weight_decay = 0 }));
        }

        optimizer = optim.AdamW(groups, options.LearningRate, options.Beta1, options.Beta2, options.Epsilon, options.WeightDecay);
    }

    public TrainerOptions Options { get; }

    /// <summary>Optimizer steps taken so far (including those restored from a checkpoint).</summary>
    public long Step { get; private set; }

    /// <summary>The epoch being trained (0-based), for losses that change with it.</summary>
    public int Epoch { get; private set; }

    /// <summary>
    /// Runs the remaining epochs. <paramref name="loss"/> receives the item indices of a batch and returns the scalar
    /// loss (with its graph); <paramref name="validate"/> (optional) runs after each epoch in eval mode without
    /// gradients and returns metrics to log. Returns the whole log (restored epochs included).
    /// <paramref name="samplesOf"/> counts the samples of a batch for the throughput figures (default: its length; a
    /// batch of units of several items counts its items).
    /// Each step runs in a dispose scope: tensors the closure creates are freed after the step (copy what must live
    /// longer, as <see cref="Losses.NegativeQueue.Enqueue"/> does, or detach it from the scope).
    /// </summary>
    public TrainingLog Fit(
        int itemCount,
        Func<int[], Tensor> loss,
        Func<int, IReadOnlyDictionary<string, double>>? validate = null,
        IProgress<WorkProgress>? progress = null,
        CancellationToken cancellationToken = default,
        Func<int[], int>? samplesOf = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return FitSteps(itemCount, batch => Backward(loss(batch)), validate, progress, cancellationToken, samplesOf);
    }

    /// <summary>
    /// As <see cref="Fit"/>, for a step that computes its gradients itself (e.g. in parts on several threads):
    /// <paramref name="lossAndGradients"/> receives the item indices of a batch, adds the gradients of the batch's loss
    /// to the trainable parameters' gradients (zeroed before each step) and returns the loss's value; the trainer then
    /// clips the gradients and steps the optimizer.
    /// </summary>
    public TrainingLog FitSteps(
        int itemCount,
        Func<int[], double> lossAndGradients,
        Func<int, IReadOnlyDictionary<string, double>>? validate = null,
        IProgress<WorkProgress>? progress = null,
        CancellationToken cancellationToken = default,
        Func<int[], int>? samplesOf = null)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        var sampler = new BatchSampler(itemCount, Options.BatchSize, Options.Seed, Options.DropLast);
        long totalSteps = (long)Options.Epochs * sampler.BatchesPerEpoch;
        var schedule = new LearningRateSchedule(Options.LearningRate, Options.MinLearningRate, (long)(Options.WarmupFraction * totalSteps), totalSteps);

        var log = new TrainingLog { Seed = Options.Seed };
        int firstEpoch = 0;
        if (Options.CheckpointDirectory is not null && Options.Resume)
        {
            var restored = TryRestore(Options.CheckpointDirectory, itemCount);
            if (restored is not null)
            {
                log = restored.Log;
                firstEpoch = restored.Epoch + 1;
                Step = restored.Step;
            }
        }

        for (int epoch = firstEpoch; epoch < Options.Epochs; epoch++)
        {
            Epoch = epoch;
            manual_seed(BatchSampler.EpochSeed(Options.Seed, epoch));
            SetTraining(true);
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long samples = 0;
            double lr = 0;
            var batches = sampler.Epoch(epoch);
            for (int b = 0; b < batches.Count; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                lr = schedule.At(Step);
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = lr;
                }

                double value;
                using (var scope = NewDisposeScope())
                {
                    optimizer.zero_grad();
                    value = lossAndGradients(batches[b]);
                    if (!double.IsFinite(value))
                    {
                        throw new VidSearchException(ErrorKind.InvalidInput, "training", $"loss is {value} at step {Step} (epoch {epoch + 1}); lower the learning rate or check the data");
                    }

                    if (Options.GradientClipNorm is double maxNorm)
                    {
                        nn.utils.clip_grad_norm_(trainable, maxNorm);
                    }

                    optimizer.step();
                }

                Step++;
                lossSum += value;
                samples += samplesOf?.Invoke(batches[b]) ?? batches[b].Length;
                double rate = samples / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                progress?.Report(new WorkProgress(
                    "train",
                    Step,
                    totalSteps,
                    "steps",
                    string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}/{Options.Epochs} loss {value:F4} lr {lr:G3} {rate:F1} samples/s")));
            }

            double trainSeconds = clock.Elapsed.TotalSeconds;
            IReadOnlyDictionary<string, double> metrics = new Dictionary<string, double>();
            if (validate is not null)
            {
                SetTraining(false);
                using (no_grad())
                {
                    metrics = new Dictionary<string, double>(validate(epoch));
                }

                SetTraining(true);
            }

            log.Epochs.Add(new EpochRecord(
                epoch + 1,
                Step,
                lossSum / batches.Count,
                lr,
                clock.Elapsed.TotalSeconds,
                samples / Math.Max(trainSeconds, 1e-9),
                metrics));
            if (Options.CheckpointDirectory is not null)
            {
                SaveCheckpoint(Options.CheckpointDirectory, epoch, itemCount, log);
            }
        }

        SetTraining(false);
        return log;
    }

    public void Dispose() => optimizer.Dispose();

    /// <summary>Back-propagates a scalar loss (unless it is not finite) and returns its value.</summary>
    public static double Backward(Tensor batchLoss)
    {
        if (batchLoss.numel() != 1)
        {
            throw VidSearchException.Argument("loss", $"must return a scalar, got shape [{string.Join(", ", batchLoss.shape)}]");
        }

        double value = batchLoss.item<float>();
        if (double.IsFinite(value))
        {
            batchLoss.backward();
        }

        return value;
    }

    private void SetTraining(bool training)
    {
        foreach (var module in modules)
        {
            module.train(training);
        }
    }

    private void SaveCheckpoint(string directory, int epoch, int itemCount, TrainingLog log)
    {
        Directory.CreateDirectory(directory);
        string name = $"epoch-{epoch + 1:D4}";
        string final = Path.Combine(directory, name);
        string temp = Path.Combine(directory, $".{name}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        for (int i = 0; i < modules.Count; i++)
        {
            modules[i].save(Path.Combine(temp, $"module-{i}.bin"));
        }

        optimizer.save_state_dict(Path.Combine(temp, OptimizerFile));
        var state = new CheckpointState(epoch, Step, Options.Seed, itemCount, Options.BatchSize, Options.DropLast, modules.Count, log);
        File.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state, TrainingLog.Json));
        if (Directory.Exists(final))
        {
            Directory.Delete(final, recursive: true);
        }

        Directory.Move(temp, final);
        AtomicFile.WriteAllText(Path.Combine(directory, LatestFile), name);
        AtomicFile.WriteAllText(Path.Combine(directory, LogFile), log.ToJson());

        var old = Directory.GetDirectories(directory, "epoch-*")
            .Select(Path.GetFileName)
            .Where(n => n is not null && n != name)
            .Order(StringComparer.Ordinal)
            .ToList();
        for (int i = 0; i < old.Count - (Options.KeepCheckpoints - 1); i++)
        {
            Directory.Delete(Path.Combine(directory, old[i]!), recursive: true);
        }
    }

    private CheckpointState? TryRestore(string directory, int itemCount)
    {
        string latest = Path.Combine(directory, LatestFile);
        if (!File.Exists(latest))
        {
            return null;
        }

        string folder = Path.Combine(directory, File.ReadAllText(latest).Trim());
        CheckpointState state;
        try
        {
            state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(folder, StateFile)), TrainingLog.Json)
                ?? throw new JsonException("empty state");
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, folder, "checkpoint state is missing or corrupt: " + e.Message, e);
        }

        if (state.Seed != Options.Seed || state.ItemCount != itemCount || state.BatchSize != Options.BatchSize
            || state.DropLast != Options.DropLast || state.ModuleCount != modules.Count)
        {
            throw new VidSearchException(
                ErrorKind.Incompatible,
                folder,
                $"checkpoint was made with seed {state.Seed}, {state.ItemCount} items, batch {state.BatchSize}, {state.ModuleCount} modules; " +
                $"this run has seed {Options.Seed}, {itemCount} items, batch {Options.BatchSize}, {modules.Count} modules (use another checkpoint folder or set Resume = false)");
        }

        try
        {
            for (int i = 0; i < modules.Count; i++)
            {
                modules[i].load(Path.Combine(folder, $"module-{i}.bin"));
            }

            optimizer.load_state_dict(Path.Combine(folder, OptimizerFile));
        }
        catch (Exception e) when (e is not VidSearchException)
        {
            throw new VidSearchException(ErrorKind.Incompatible, folder, "checkpoint does not fit these modules: " + e.Message, e);
        }

        return state;
    }

    private sealed record CheckpointState(int Epoch, long Step, long Seed, int ItemCount, int BatchSize, bool DropLast, int ModuleCount, TrainingLog Log);
}

/// <summary>Writes a file through a temporary sibling and a rename, so readers never see half a file.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }
}
