using TorchSharp;
using TorchSharp.Modules;
using VidSearch.Models.Clip;
using VidSearch.Retrieval.Training;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Pretraining;

/// <summary>
/// One training step of the pretraining loss with the batch cut into shards whose forward and backward passes run at
/// the same time, each on its own thread with one torch thread (data parallelism inside the process). The matrices of a
/// small CLIP are too small to keep libtorch's own threads busy (on 2 cores two threads ran 1.35x one); independent
/// shards do not wait for each other inside every operation. The loss itself is computed once, on the whole batch, from
/// the shards' features, so every item still meets all the batch's negatives; its gradients with respect to the
/// features go back to the shards, and the shards' parameter gradients are summed in shard order, so a run is
/// deterministic for a given shard count (it differs from an unsharded run only by rounding).
/// </summary>
internal sealed class ShardedContrastiveStep : IDisposable
{
    private readonly ClipModel model;
    private readonly Func<Tensor, Tensor, Tensor> textFeatures;
    private readonly PreparedPairs data;
    private readonly StripPooling? pooling;
    private readonly double textContrast;
    private readonly Parameter[] parameters;
    private readonly TorchWorkerThreads workers;

    /// <param name="modules">The modules that train: gradients are computed for their parameters that require them.</param>
    public ShardedContrastiveStep(int shards, ClipModel model, Func<Tensor, Tensor, Tensor> textFeatures, PreparedPairs data,
        IEnumerable<nn.Module> modules, StripPooling? pooling, double textContrast)
    {
        this.model = model;
        this.textFeatures = textFeatures;
        this.data = data;
        this.pooling = pooling;
        this.textContrast = textContrast;
        parameters = modules.SelectMany(m => m.parameters()).Where(p => p.requires_grad).Distinct().ToArray();
        workers = new TorchWorkerThreads(shards);
    }

    public int Shards => workers.Count;

    /// <summary>Computes the batch's loss, adds its gradients to the parameters' gradients and returns its value.</summary>
    public double Run(int[] batch, long step, int? imageSize)
    {
        using var scope = NewDisposeScope();
        var shards = Split(batch, workers.Count);
        var features = workers.Run(k =>
        {
            if (k >= shards.Length)
            {
                return null;
            }

            using var shardScope = NewDisposeScope();
            var shard = ClipPretrainer.Features(model, textFeatures, data, shards[k], step, pooling, imageSize, textContrast);
            shardScope.Detach(shard.All);
            return shard;
        });
        var used = features.OfType<BatchFeatures>().ToArray();
        foreach (var tensor in used.SelectMany(f => f.All))
        {
            scope.Attach(tensor);
        }

        var image = Leaf(used.Select(f => f.Image));
        var text = Leaf(used.Select(f => f.Text));
        var other = textContrast > 0 ? Leaf(used.Select(f => f.OtherText!)) : null;
        var loss = ClipPretrainer.ContrastiveLoss(model, data, batch, image, text, other, textContrast);
        double value = loss.item<float>();
        loss.backward(); // the features' gradients, and the logit scale's

        var leaves = other is null ? new[] { image, text } : new[] { image, text, other };
        var featureGrads = leaves.Select(l => l.grad!).ToArray();
        var gradients = workers.Run(k =>
        {
            if (k >= shards.Length)
            {
                return [];
            }

            using var shardScope = NewDisposeScope();
            long start = shards.Take(k).Sum(s => (long)s.Length);
            var outputs = used[k].All.ToList();
            var gradOutputs = featureGrads.Select(g => g.narrow(0, start, shards[k].Length)).ToList();
            var grads = autograd.grad(outputs, parameters, gradOutputs, allow_unused: true);
            shardScope.Detach(grads.Where(g => !g.IsInvalid).ToArray());
            return grads;
        });

        using (no_grad())
        {
            for (int p = 0; p < parameters.Length; p++)
            {
                Tensor? sum = null;
                foreach (var shardGrads in gradients.Where(g => g.Count > 0))
                {
                    var g = shardGrads[p];
                    if (g.IsInvalid)
                    {
                        continue;
                    }

                    scope.Attach(g);
                    sum = sum is null ? g : sum.add_(g);
                }

                if (sum is null)
                {
                    continue;
                }

                var existing = parameters[p].grad;
                if (existing is null || existing.IsInvalid)
                {
                    parameters[p].grad = sum;
                }
                else
                {
                    existing.add_(sum);
                }
            }
        }

        return value;
    }

    public void Dispose() => workers.Dispose();

    /// <summary>Contiguous shards of the batch, as equal in size as possible.</summary>
    internal static int[][] Split(int[] batch, int shards)
    {
        int count = Math.Min(shards, batch.Length);
        var result = new int[count][];
        int start = 0;
        for (int k = 0; k < count; k++)
        {
            int length = (batch.Length - start) / (count - k);
            result[k] = batch[start..(start + length)];
            start += length;
        }

        return result;
    }

    private static Tensor Leaf(IEnumerable<Tensor> parts) => cat(parts.Select(p => p.detach()).ToList(), 0).requires_grad_(true);
}
