using System.Text.Json.Nodes;
using VidSearch.Core;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Clip;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Checkpoints;

public class CheckpointRoundTripTests
{
    private static (EmbeddingMatrix Images, EmbeddingMatrix Texts) Embed(ClipModel model) =>
        (model.EncodeImages(TestModels.RandomImages(3, model.Config.ImageSize)), model.EncodeTexts(TestModels.Texts));

    private static void AssertSameEmbeddings(ClipModel original, string folder, float tolerance, ClipLoadOptions? options = null)
    {
        var (images, texts) = Embed(original);
        using var loaded = ClipModelLoader.LoadTorch(folder, new CharacterTokenizer(), options);
        var (loadedImages, loadedTexts) = Embed(loaded);
        TestModels.AssertClose(images, loadedImages, tolerance);
        TestModels.AssertClose(texts, loadedTexts, tolerance);
        Assert.InRange(loaded.LogitScale, original.LogitScale * 0.99f, original.LogitScale * 1.01f);
    }

    [Fact]
    public void Hugging_face_float32_round_trip_keeps_the_embeddings()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        CheckpointWriter.Save(model, dir.Path);
        Assert.True(File.Exists(dir.File("model.safetensors")));
        Assert.True(File.Exists(dir.File("config.json")));
        AssertSameEmbeddings(model, dir.Path, 1e-6f, new ClipLoadOptions { Threads = 1 });
        Assert.Equal(1, TorchSharp.torch.get_num_threads());

        using var file = SafeTensorsFile.Open(dir.File("model.safetensors"));
        foreach (string key in new[]
        {
            "vision_model.encoder.layers.1.self_attn.q_proj.weight", "text_model.embeddings.token_embedding.weight",
            "visual_projection.weight", "text_projection.weight", "logit_scale", "vision_model.pre_layrnorm.weight",
            "vision_model.post_layernorm.bias", "text_model.final_layer_norm.weight", "vision_model.embeddings.class_embedding",
            "vision_model.embeddings.patch_embedding.weight", "vision_model.embeddings.position_embedding.weight",
            "text_model.encoder.layers.0.mlp.fc2.bias", "text_model.encoder.layers.0.layer_norm1.weight",
        })
        {
            Assert.True(file.Contains(key), key);
        }

        Assert.False(file.Contains("vision_model.embeddings.patch_embedding.bias"));
        Assert.False(file.Contains("visual_projection.bias"));
        Assert.Equal(new long[] { 16, 32 }, file.Info("visual_projection.weight").Shape);
    }

    [Theory]
    [InlineData("F16", 2e-2f)]
    [InlineData("BF16", 6e-2f)]
    public void Half_precision_checkpoints_load_as_float32_within_tolerance(string dtype, float tolerance)
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        CheckpointWriter.Save(model, dir.Path, new CheckpointWriteOptions { Dtype = dtype });
        using (var file = SafeTensorsFile.Open(dir.File("model.safetensors")))
        {
            Assert.All(file.Tensors.Values, t => Assert.Equal(dtype, t.Dtype));
        }

        AssertSameEmbeddings(model, dir.Path, tolerance);
    }

    [Fact]
    public void Sharded_checkpoint_loads_through_its_index()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        CheckpointWriter.Save(model, dir.Path, new CheckpointWriteOptions { MaxShardBytes = 1_000_000 });
        var shards = Directory.GetFiles(dir.Path, "model-*-of-*.safetensors");
        Assert.True(shards.Length >= 3, $"{shards.Length} shards");
        var index = JsonNode.Parse(File.ReadAllText(dir.File("model.safetensors.index.json")))!;
        var weightMap = index["weight_map"]!.AsObject();
        Assert.Equal(model.named_parameters().Count(), weightMap.Count);
        Assert.Equal(shards.Select(Path.GetFileName).Order(), weightMap.Select(p => (string)p.Value!).Distinct().Order());
        AssertSameEmbeddings(model, dir.Path, 1e-6f);
    }

    [Fact]
    public void OpenClip_names_written_independently_load_to_the_same_model()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        var hf = CheckpointWriter.HuggingFaceTensors(model).ToDictionary(t => t.Name, t => (t.Shape, t.Values));
        SafeTensorsFile.Write(dir.File("open_clip_model.safetensors"),
            ToOpenClip(hf, model.Config).Select(t => SafeTensorEntry.FromFloats(t.Key, t.Value.Shape, t.Value.Values)));
        File.WriteAllText(dir.File("open_clip_config.json"), """
            {"model_cfg": {"embed_dim": 16, "quick_gelu": true,
              "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "patch_size": 8, "head_width": 8},
              "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 4, "layers": 2}}}
            """);
        using (var checkpoint = ClipCheckpoint.Open(dir.Path))
        {
            Assert.Equal(CheckpointNaming.OpenClip, checkpoint.Naming);
        }

        AssertSameEmbeddings(model, dir.Path, 1e-6f);
    }

    [Fact]
    public void OpenClip_writer_matches_the_independent_mapping()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        CheckpointWriter.Save(model, dir.Path, new CheckpointWriteOptions { Naming = CheckpointNaming.OpenClip });
        var hf = CheckpointWriter.HuggingFaceTensors(model).ToDictionary(t => t.Name, t => (t.Shape, t.Values));
        var expected = ToOpenClip(hf, model.Config);
        using (var file = SafeTensorsFile.Open(dir.File("open_clip_model.safetensors")))
        {
            Assert.Equal(expected.Keys.Order(), file.Tensors.Keys.Order());
            foreach (var (name, (shape, values)) in expected)
            {
                Assert.Equal(shape, file.Info(name).Shape);
                Assert.Equal(values, file.ReadFloats(name));
            }
        }

        AssertSameEmbeddings(model, dir.Path, 1e-6f);
    }

    [Fact]
    public void Config_is_inferred_from_shapes_when_the_folder_has_none()
    {
        // 64-wide heads, as CLIP's convention assumes when a checkpoint comes without a config.
        var config = ClipConfig.Create(imageSize: 32, patch: 16, visionWidth: 128, visionLayers: 3, visionHeads: 2,
            textWidth: 64, textLayers: 2, textHeads: 1, embedDim: 24, contextLength: 20);
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny(config: config);
        CheckpointWriter.Save(model, dir.Path, new CheckpointWriteOptions { Naming = CheckpointNaming.OpenClip });
        File.Delete(dir.File("open_clip_config.json"));
        using (var checkpoint = ClipCheckpoint.Open(dir.Path))
        {
            var inferred = CheckpointLoader.InferConfig(checkpoint);
            Assert.Equal(config.Vision, inferred.Vision);
            Assert.Equal(config.Text, inferred.Text);
            Assert.Equal(config.ProjectionDim, inferred.ProjectionDim);
        }

        AssertSameEmbeddings(model, dir.Path, 1e-6f);
    }

    [Fact]
    public void Model_id_is_the_folder_name_and_a_hash_of_the_weights()
    {
        using var dir = new TempDirectory();
        string a = Path.Combine(dir.Path, "alpha"), b = Path.Combine(dir.Path, "beta");
        using (var first = TestModels.Tiny(seed: 1))
        {
            CheckpointWriter.Save(first, a);
        }

        using (var second = TestModels.Tiny(seed: 2))
        {
            CheckpointWriter.Save(second, b);
        }

        using var loadedA = ClipModelLoader.Load(a, new CharacterTokenizer());
        using var loadedB = ClipModelLoader.Load(b, new CharacterTokenizer());
        Assert.Matches("^alpha-[0-9a-f]{12}$", loadedA.ModelId);
        Assert.Matches("^beta-[0-9a-f]{12}$", loadedB.ModelId);
        Assert.NotEqual(loadedA.ModelId[^12..], loadedB.ModelId[^12..]);
        using var again = ClipModelLoader.Load(a, new CharacterTokenizer());
        Assert.Equal(loadedA.ModelId, again.ModelId);
        Assert.IsType<ClipModel>(loadedA);
    }

    /// <summary>
    /// The OpenCLIP/OpenAI state dict of a model, written from the Hugging Face names independently of the library:
    /// renames, q/k/v joined into in_proj, projections transposed to [in, out].
    /// </summary>
    private static Dictionary<string, (long[] Shape, float[] Values)> ToOpenClip(
        Dictionary<string, (long[] Shape, float[] Values)> hf, ClipConfig config)
    {
        var result = new Dictionary<string, (long[] Shape, float[] Values)>();
        void Copy(string to, string from) => result[to] = hf[from];
        void Transposed(string to, string from)
        {
            var (shape, values) = hf[from];
            var t = new float[values.Length];
            for (int r = 0; r < shape[0]; r++)
            {
                for (int c = 0; c < shape[1]; c++)
                {
                    t[c * shape[0] + r] = values[r * shape[1] + c];
                }
            }

            result[to] = ([shape[1], shape[0]], t);
        }

        void Blocks(string to, string from, int layers)
        {
            for (int i = 0; i < layers; i++)
            {
                string o = $"{to}.{i}.", h = $"{from}.{i}.";
                foreach (string kind in new[] { "weight", "bias" })
                {
                    Copy(o + "ln_1." + kind, h + "layer_norm1." + kind);
                    Copy(o + "ln_2." + kind, h + "layer_norm2." + kind);
                    Copy(o + "attn.out_proj." + kind, h + "self_attn.out_proj." + kind);
                    Copy(o + "mlp.c_fc." + kind, h + "mlp.fc1." + kind);
                    Copy(o + "mlp.c_proj." + kind, h + "mlp.fc2." + kind);
                    var q = hf[h + "self_attn.q_proj." + kind];
                    var joined = q.Values.Concat(hf[h + "self_attn.k_proj." + kind].Values).Concat(hf[h + "self_attn.v_proj." + kind].Values).ToArray();
                    result[o + (kind == "weight" ? "attn.in_proj_weight" : "attn.in_proj_bias")] = ([q.Shape[0] * 3, .. q.Shape[1..]], joined);
                }
            }
        }

        Copy("visual.class_embedding", "vision_model.embeddings.class_embedding");
        Copy("visual.positional_embedding", "vision_model.embeddings.position_embedding.weight");
        Copy("visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight");
        foreach (string kind in new[] { "weight", "bias" })
        {
            Copy("visual.ln_pre." + kind, "vision_model.pre_layrnorm." + kind);
            Copy("visual.ln_post." + kind, "vision_model.post_layernorm." + kind);
            Copy("ln_final." + kind, "text_model.final_layer_norm." + kind);
        }

        Blocks("visual.transformer.resblocks", "vision_model.encoder.layers", config.Vision.NumHiddenLayers);
        Blocks("transformer.resblocks", "text_model.encoder.layers", config.Text.NumHiddenLayers);
        Transposed("visual.proj", "visual_projection.weight");
        Transposed("text_projection", "text_projection.weight");
        Copy("token_embedding.weight", "text_model.embeddings.token_embedding.weight");
        Copy("positional_embedding", "text_model.embeddings.position_embedding.weight");
        Copy("logit_scale", "logit_scale");
        return result;
    }
}
