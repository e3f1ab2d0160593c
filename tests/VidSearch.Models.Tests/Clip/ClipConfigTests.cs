using VidSearch.Core;
using VidSearch.Models.Clip;

namespace VidSearch.Models.Tests.Clip;

public class ClipConfigTests
{
    // The fields of openai/clip-vit-base-patch32's config.json that matter here (abridged; extra fields are ignored).
    private const string HuggingFaceVitB32 = """
        {
          "architectures": ["CLIPModel"],
          "initializer_factor": 1.0,
          "logit_scale_init_value": 2.6592,
          "model_type": "clip",
          "projection_dim": 512,
          "text_config": {
            "hidden_act": "quick_gelu", "hidden_size": 512, "intermediate_size": 2048, "layer_norm_eps": 1e-05,
            "max_position_embeddings": 77, "num_attention_heads": 8, "num_hidden_layers": 12, "vocab_size": 49408,
            "bos_token_id": 0, "eos_token_id": 2, "dropout": 0.0
          },
          "vision_config": {
            "hidden_act": "quick_gelu", "hidden_size": 768, "image_size": 224, "intermediate_size": 3072,
            "layer_norm_eps": 1e-05, "num_attention_heads": 12, "num_hidden_layers": 12, "patch_size": 32
          }
        }
        """;

    [Fact]
    public void Hugging_face_config_parses_to_the_vit_b32_preset()
    {
        var parsed = ClipConfig.FromJson(HuggingFaceVitB32);
        Assert.Equal(ClipConfig.VitB32.Text, parsed.Text);
        Assert.Equal(ClipConfig.VitB32.Vision with { NumChannels = 3 }, parsed.Vision);
        Assert.Equal(512, parsed.ProjectionDim);
        Assert.Equal(7, parsed.PatchGrid);
    }

    [Fact]
    public void Older_configs_with_dict_suffixed_towers_parse()
    {
        string old = HuggingFaceVitB32.Replace("\"text_config\"", "\"text_config_dict\"").Replace("\"vision_config\"", "\"vision_config_dict\"");
        Assert.Equal(ClipConfig.VitB32.Text, ClipConfig.FromJson(old).Text);
    }

    [Fact]
    public void Json_round_trip_keeps_every_field()
    {
        foreach (var config in new[] { ClipConfig.VitB32, ClipConfig.VitB16, ClipConfig.Tiny })
        {
            var back = ClipConfig.FromJson(config.ToJson());
            Assert.Equal(config.Text, back.Text);
            Assert.Equal(config.Vision, back.Vision);
            Assert.Equal(config.ProjectionDim, back.ProjectionDim);
        }

        Assert.Contains("\"hidden_size\"", ClipConfig.Tiny.ToJson());
        Assert.Contains("\"CLIPModel\"", ClipConfig.Tiny.ToJson());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"projection_dim\": 512}")]
    [InlineData("{\"text_config\": {\"hidden_size\": 10, \"num_attention_heads\": 3}, \"vision_config\": {}}")]
    [InlineData("{\"text_config\": {}, \"vision_config\": {\"image_size\": 100, \"patch_size\": 32}}")]
    [InlineData("{\"text_config\": {\"hidden_act\": \"relu\"}, \"vision_config\": {}}")]
    [InlineData("{\"text_config\": {\"hidden_size\": \"big\"}, \"vision_config\": {}}")]
    public void Bad_config_is_a_clear_error(string json)
    {
        var error = Assert.Throws<VidSearchException>(() => ClipConfig.FromJson(json, "x/config.json"));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("x/config.json: ", error.Message);
    }
}
