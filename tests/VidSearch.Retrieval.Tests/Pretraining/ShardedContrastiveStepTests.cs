using TorchSharp;
using VidSearch.Models.Clip;
using VidSearch.Retrieval.Pretraining;
using VidSearch.TestSupport;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests.Pretraining;

public class ShardedContrastiveStepTests
{
    [Theory]
    [InlineData(0.0, 2)]
    [InlineData(1.0, 3)]
    public async Task A_sharded_step_gives_the_loss_and_gradients_of_the_whole_batch(double textContrast, int shards)
    {
        // Stills first, strips (pooled over their frames) last: the first shard has no strip, so the pooling's
        // parameters get gradients from some shards only.
        using var temp = new TempDirectory();
        var (_, data) = await PretrainingWorlds.Prepared(temp, stills: 40, strips: 8, seed: 4);
        Assert.Contains(data.Pairs, p => p.IsStrip);
        manual_seed(1);
        using var model = new ClipModel(PretrainingPresets.Get("micro"), PretrainingWorlds.Tokenizer, "test");
        using var tokens = new CompactTokenEmbedding(model, data.Captions.SelectMany(c => c.Ids));
        using var pooling = new StripPooling(model.EmbeddingDim, data.StripFrames);
        nn.Module[] modules = [model, tokens, pooling];
        var parameters = modules.SelectMany(m => m.parameters()).Where(p => p.requires_grad).ToArray();
        int[] batch = Enumerable.Range(0, data.Count).ToArray();
        const long step = 3;

        var wholeLoss = ClipPretrainer.Loss(model, tokens.TextFeatures, data, batch, step, pooling, null, textContrast);
        wholeLoss.backward();
        var expected = parameters.Select(p => p.grad!.clone()).ToArray();
        foreach (var p in parameters)
        {
            p.grad!.zero_();
        }

        using var sharded = new ShardedContrastiveStep(shards, model, tokens.TextFeatures, data, modules, pooling, textContrast);
        double loss = sharded.Run(batch, step, null);

        Assert.Equal(wholeLoss.item<float>(), loss, 5);
        for (int i = 0; i < parameters.Length; i++)
        {
            var actual = parameters[i].grad!;
            double scale = expected[i].abs().max().item<float>();
            double difference = (actual - expected[i]).abs().max().item<float>();
            Assert.True(scale > 0, $"parameter {i} has no gradient in the whole batch");
            Assert.True(difference <= (1e-4 * scale) + 1e-7, $"parameter {i} [{string.Join(", ", actual.shape)}]: largest difference {difference:G3} against a largest gradient of {scale:G3}");
        }
    }

    [Fact]
    public void A_batch_is_cut_into_contiguous_shards_of_nearly_equal_size()
    {
        int[] batch = Enumerable.Range(10, 7).ToArray();
        var shards = ShardedContrastiveStep.Split(batch, 3);
        Assert.Equal([[10, 11], [12, 13], [14, 15, 16]], shards);
        Assert.Equal(2, ShardedContrastiveStep.Split([1, 2], 4).Length);
    }
}
