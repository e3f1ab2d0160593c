using TorchSharp;
using VidSearch.Core;
using VidSearch.Models.Clip;
using static TorchSharp.torch;

namespace VidSearch.Models.Tests.Clip;

public class ClipModelTests
{
    [Fact]
    public void Text_and_image_features_match_an_independent_reference_forward()
    {
        using var model = TestModels.Tiny();
        var p = model.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        var config = model.Config;
        var tokens = new CharacterTokenizer().EncodeBatch(TestModels.Texts);
        using var _ = no_grad();
        using var ids = tensor(tokens.Ids, [tokens.Count, tokens.Length]);
        using var actualText = model.TextFeatures(ids);
        using var expectedText = ReferenceText(p, config, ids);
        AssertTensorsClose(expectedText, actualText, 1e-4f);

        var images = TestModels.RandomImages(3, config.ImageSize);
        using var pixels = tensor(images.Data, [3, 3, config.ImageSize, config.ImageSize]);
        using var actualImage = model.ImageFeatures(pixels);
        using var expectedImage = ReferenceImage(p, config, pixels);
        AssertTensorsClose(expectedImage, actualImage, 1e-4f);
    }

    [Fact]
    public void Text_encoding_ignores_padding_after_the_end_token()
    {
        using var model = TestModels.Tiny();
        var tokens = new CharacterTokenizer().EncodeBatch(TestModels.Texts);
        using var _ = no_grad();
        using var full = tensor(tokens.Ids, [tokens.Count, tokens.Length]);
        using var fullFeatures = model.TextFeatures(full);
        var fromFull = new EmbeddingMatrix(fullFeatures.data<float>().ToArray(), tokens.Count, model.EmbeddingDim).NormalizeRows();

        var trimmed = model.EncodeTexts(TestModels.Texts);
        TestModels.AssertClose(fromFull, trimmed, 1e-5f);
        TestModels.AssertUnitRows(trimmed);

        var alone = model.EncodeTexts([TestModels.Texts[2]]);
        TestModels.AssertClose(alone, trimmed.Slice(2, 1), 1e-5f);
    }

    [Fact]
    public void Token_features_agree_with_pooled_features()
    {
        using var model = TestModels.Tiny();
        var tokens = new CharacterTokenizer().EncodeBatch(TestModels.Texts);
        using var _ = no_grad();
        using var ids = tensor(tokens.Ids, [tokens.Count, tokens.Length]);
        using var text = model.TextTokenFeatures(ids);
        using var pooled = model.TextFeatures(ids);
        Assert.Equal(new long[] { tokens.Count, tokens.Length, model.EmbeddingDim }, text.Tokens.shape);
        Assert.Equal(new long[] { tokens.Count, tokens.Length, model.Config.Text.HiddenSize }, text.Hidden.shape);
        AssertTensorsClose(pooled, text.Pooled, 1e-6f);
        Assert.Equal(tokens.EndPositions.Select(e => (long)e), text.EndPositions.data<long>().ToArray());

        int size = model.Config.ImageSize;
        using var pixels = tensor(TestModels.RandomImages(2, size).Data, [2, 3, size, size]);
        using var image = model.ImageTokenFeatures(pixels);
        using var imagePooled = model.ImageFeatures(pixels);
        int patches = model.Config.PatchGrid * model.Config.PatchGrid;
        Assert.Equal(new long[] { 2, patches + 1, model.EmbeddingDim }, image.Tokens.shape);
        AssertTensorsClose(imagePooled, image.Pooled, 1e-5f);
    }

    [Fact]
    public void Forward_is_differentiable_for_training()
    {
        using var model = TestModels.Tiny();
        model.train();
        int size = model.Config.ImageSize;
        using var pixels = tensor(TestModels.RandomImages(2, size).Data, [2, 3, size, size]);
        var tokens = new CharacterTokenizer().EncodeBatch(TestModels.Texts[..2]);
        using var ids = tensor(tokens.Ids, [2, tokens.Length]);
        using var logits = model.forward(pixels, ids);
        Assert.Equal(new long[] { 2, 2 }, logits.shape);
        using var labels = tensor(new long[] { 0, 1 });
        using var loss = nn.functional.cross_entropy(logits, labels);
        loss.backward();
        var grads = model.named_parameters().ToDictionary(x => x.name, x => x.parameter.grad);
        Assert.NotNull(grads["logit_scale"]);
        Assert.True(grads["vision_model.embeddings.patch_embedding.weight"]!.abs().sum().item<float>() > 0);
        Assert.True(grads["text_model.encoder.layers.0.self_attn.q_proj.weight"]!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Images_of_half_the_size_use_the_position_grid_averaged_in_2x2_blocks()
    {
        // Bilinear resizing (align_corners false) by exactly one half reads each output position midway between two
        // input rows and two input columns: the mean of a 2x2 block, computed here independently of the model.
        using var model = TestModels.Tiny();
        var p = model.named_parameters().ToDictionary(x => x.name, x => (Tensor)x.parameter);
        var config = model.Config;
        int grid = config.PatchGrid, half = config.ImageSize / 2, width = config.Vision.HiddenSize;
        var table = p["vision_model.embeddings.position_embedding.weight"];
        using var _ = no_grad();
        var blocks = nn.functional.avg_pool2d(table.narrow(0, 1, grid * grid).reshape(1, grid, grid, width).permute(0, 3, 1, 2), 2);
        var positions = cat([table.narrow(0, 0, 1), blocks.permute(0, 2, 3, 1).reshape(-1, width)], 0);

        using var pixels = tensor(TestModels.RandomImages(3, half).Data, [3, 3, half, half]);
        AssertTensorsClose(ReferenceImage(p, config, pixels, positions), model.ImageFeatures(pixels), 1e-4f);

        var error = Assert.Throws<VidSearchException>(() => model.ImageFeatures(zeros(1, 3, half + 1, half + 1)));
        Assert.Contains($"multiple of the {config.Vision.PatchSize} px patch", error.Message);
    }

    [Fact]
    public void Encode_images_returns_unit_rows_and_splits_big_batches_consistently()
    {
        using var model = TestModels.Tiny();
        var images = TestModels.RandomImages(5, model.Config.ImageSize);
        var whole = model.EncodeImages(images);
        TestModels.AssertUnitRows(whole);
        model.MaxBatchSize = 2;
        TestModels.AssertClose(whole, model.EncodeImages(images), 1e-5f);
        Assert.Equal(0, model.EncodeImages(new ImageBatch([], 0, 32, 32)).Rows);
    }

    [Fact]
    public void Wrong_image_size_or_missing_tokenizer_is_a_clear_error()
    {
        using var model = TestModels.Tiny();
        var error = Assert.Throws<VidSearchException>(() => model.EncodeImages(TestModels.RandomImages(1, 48)));
        Assert.Contains("48x48", error.Message);
        model.Tokenizer = null;
        Assert.Throws<VidSearchException>(() => model.EncodeTexts(["a"]));
        using var tooLong = zeros(1, 100, dtype: ScalarType.Int64);
        Assert.Throws<VidSearchException>(() => model.TextFeatures(tooLong));
    }

    [Fact]
    public void Logit_scale_is_the_exponential_of_the_parameter()
    {
        using var model = TestModels.Tiny();
        Assert.Equal(MathF.Exp(2.6592f), model.LogitScale, 3);
    }

    private static Tensor Ln(Dictionary<string, Tensor> p, Tensor x, string prefix) =>
        nn.functional.layer_norm(x, [x.shape[^1]], p[prefix + ".weight"], p[prefix + ".bias"], 1e-5);

    private static Tensor Lin(Dictionary<string, Tensor> p, Tensor x, string prefix) =>
        x.matmul(p[prefix + ".weight"].t()) + p[prefix + ".bias"];

    private static Tensor Layers(Dictionary<string, Tensor> p, Tensor x, string prefix, ClipTowerConfig tower, bool causal)
    {
        long b = x.shape[0], l = x.shape[1], heads = tower.NumAttentionHeads, dh = tower.HeadDim;
        for (int i = 0; i < tower.NumHiddenLayers; i++)
        {
            string layer = $"{prefix}.{i}";
            var h = Ln(p, x, layer + ".layer_norm1");
            Tensor Split(string name) => Lin(p, h, $"{layer}.self_attn.{name}").reshape(b, l, heads, dh).permute(0, 2, 1, 3);
            var scores = Split("q_proj").matmul(Split("k_proj").transpose(-1, -2)) / Math.Sqrt(dh);
            if (causal)
            {
                scores = scores.masked_fill(ones(l, l).triu(1).to(ScalarType.Bool), double.NegativeInfinity);
            }

            var attended = scores.softmax(-1).matmul(Split("v_proj")).permute(0, 2, 1, 3).reshape(b, l, -1);
            x = x + Lin(p, attended, $"{layer}.self_attn.out_proj");
            var m = Lin(p, Ln(p, x, layer + ".layer_norm2"), layer + ".mlp.fc1");
            m = m * (m * 1.702).sigmoid();
            x = x + Lin(p, m, layer + ".mlp.fc2");
        }

        return x;
    }

    private static Tensor ReferenceText(Dictionary<string, Tensor> p, ClipConfig config, Tensor ids)
    {
        long l = ids.shape[1];
        var x = p["text_model.embeddings.token_embedding.weight"][ids] + p["text_model.embeddings.position_embedding.weight"][..(int)l];
        x = Layers(p, x, "text_model.encoder.layers", config.Text, causal: true);
        x = Ln(p, x, "text_model.final_layer_norm");
        var pooled = x[arange(ids.shape[0]), ids.argmax(-1)];
        return pooled.matmul(p["text_projection.weight"].t());
    }

    private static Tensor ReferenceImage(Dictionary<string, Tensor> p, ClipConfig config, Tensor pixels, Tensor? positions = null)
    {
        long b = pixels.shape[0];
        int patch = config.Vision.PatchSize, width = config.Vision.HiddenSize;
        int grid = (int)pixels.shape[2] / patch;
        // Patches by explicit unfolding: [B, 3, g, p, g, p] -> [B, g*g, 3*p*p], times the flattened conv kernel.
        var unfolded = pixels.reshape(b, 3, grid, patch, grid, patch).permute(0, 2, 4, 1, 3, 5).reshape(b, grid * grid, 3 * patch * patch);
        var patches = unfolded.matmul(p["vision_model.embeddings.patch_embedding.weight"].reshape(width, -1).t());
        var cls = p["vision_model.embeddings.class_embedding"].reshape(1, 1, width).expand(b, 1, width);
        var x = cat([cls, patches], 1) + (positions ?? p["vision_model.embeddings.position_embedding.weight"]);
        x = Ln(p, x, "vision_model.pre_layrnorm");
        x = Layers(p, x, "vision_model.encoder.layers", config.Vision, causal: false);
        var pooled = Ln(p, x[.., 0], "vision_model.post_layernorm");
        return pooled.matmul(p["visual_projection.weight"].t());
    }

    private static void AssertTensorsClose(Tensor expected, Tensor actual, float tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        float worst = (expected - actual).abs().max().item<float>();
        Assert.True(worst <= tolerance, $"largest difference {worst} exceeds {tolerance}");
    }
}
