using TorchSharp;
using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Retrieval.Pretraining;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests.Pretraining;

public class CompactTokenEmbeddingTests
{
    private static readonly long[] Used = [0, 5, 320, 1000, 49406, 49407];

    [Fact]
    public void Text_features_equal_the_models_own_before_training()
    {
        using var model = NewModel();
        using var tokens = new CompactTokenEmbedding(model, Used);
        var (ids, ends) = Batch();
        using var _ = no_grad();
        TensorAssert.Close(model.TextFeatures(ids, ends), tokens.TextFeatures(ids, ends), 1e-6f);
        Assert.Equal(Used.Length, tokens.RowCount);
    }

    [Fact]
    public void Training_the_used_rows_matches_training_the_full_table()
    {
        var (ids, ends) = Batch();
        using var full = NewModel();
        using var compactModel = NewModel();
        using var tokens = new CompactTokenEmbedding(compactModel, Used);
        var fullLosses = Train(full, full.parameters(), () => full.TextFeatures(ids, ends));
        var compactLosses = Train(compactModel, compactModel.parameters().Concat(tokens.parameters()), () => tokens.TextFeatures(ids, ends));

        for (int i = 0; i < fullLosses.Count; i++)
        {
            Assert.Equal(fullLosses[i], compactLosses[i], 4);
        }

        Assert.True(fullLosses[^1] < fullLosses[0], "the loss did not fall, so the comparison says nothing");
        tokens.Release();
        var usedRows = tensor(Used);
        TensorAssert.Close(Table(full).index_select(0, usedRows), Table(compactModel).index_select(0, usedRows), 1e-4f);
        Assert.True(Table(compactModel).requires_grad);
    }

    [Fact]
    public void The_models_table_is_frozen_while_the_rows_train()
    {
        using var model = NewModel();
        using var tokens = new CompactTokenEmbedding(model, Used);
        Assert.False(Table(model).requires_grad);
        Assert.Single(tokens.parameters());
    }

    [Fact]
    public void Ids_outside_the_trained_rows_are_refused()
    {
        using var model = NewModel();
        using var tokens = new CompactTokenEmbedding(model, Used);
        var error = Assert.Throws<VidSearchException>(() => tokens.TextFeatures(tensor(new long[] { 49406, 7, 49407 }, [1, 3]), tensor(new long[] { 2 })));
        Assert.Contains("outside", error.Message);
    }

    [Fact]
    public void Empty_or_out_of_range_ids_are_refused()
    {
        using var model = NewModel();
        Assert.Throws<VidSearchException>(() => new CompactTokenEmbedding(model, []));
        Assert.Throws<VidSearchException>(() => new CompactTokenEmbedding(model, [3, 49408]));
    }

    private static ClipModel NewModel()
    {
        manual_seed(11);
        return new ClipModel(ClipConfig.Tiny);
    }

    private static (Tensor Ids, Tensor Ends) Batch()
    {
        var ids = tensor(new long[] { 49406, 320, 5, 49407, 0, 49406, 1000, 1000, 320, 49407, 49406, 5, 49407, 0, 0 }, [3, 5]);
        return (ids, tensor(new long[] { 3, 4, 2 }));
    }

    private static Tensor Table(ClipModel model)
        => model.named_parameters().Single(p => p.name == "text_model.embeddings.token_embedding.weight").parameter;

    /// <summary>A few AdamW steps of a contrastive loss between fixed images and the texts.</summary>
    private static List<float> Train(ClipModel model, IEnumerable<TorchSharp.Modules.Parameter> parameters, Func<Tensor> text)
    {
        var trainable = parameters.Where(p => p.requires_grad).ToArray();
        using var optimizer = optim.AdamW(trainable, 1e-2, 0.9, 0.98, 1e-6, 0.1);
        manual_seed(3);
        var pixels = randn(3, 3, 32, 32);
        var losses = new List<float>();
        for (int step = 0; step < 4; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = nn.functional.normalize(model.ImageFeatures(pixels), dim: -1).matmul(nn.functional.normalize(text(), dim: -1).t()) * 10;
            var loss = nn.functional.cross_entropy(logits, arange(3));
            losses.Add(loss.item<float>());
            loss.backward();
            nn.utils.clip_grad_norm_(trainable, 1.0);
            optimizer.step();
        }

        return losses;
    }
}
