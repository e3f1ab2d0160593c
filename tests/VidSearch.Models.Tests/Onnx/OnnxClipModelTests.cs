using VidSearch.Core;
using VidSearch.Models.Clip;
using VidSearch.Models.Onnx;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Onnx;

public class OnnxClipModelTests
{
    private static void AssertSameAsTorch(ClipModel model, IClipModel onnx)
    {
        var images = TestModels.RandomImages(3, model.Config.ImageSize);
        TestModels.AssertClose(model.EncodeImages(images), onnx.EncodeImages(images), 1e-4f);
        TestModels.AssertClose(model.EncodeTexts(TestModels.Texts), onnx.EncodeTexts(TestModels.Texts), 1e-4f);
        TestModels.AssertClose(model.EncodeTexts(["x"]), onnx.EncodeTexts(["x"]), 1e-4f);
        TestModels.AssertUnitRows(onnx.EncodeImages(images));
        Assert.Equal(model.EmbeddingDim, ((IImageEncoder)onnx).EmbeddingDim);
        Assert.Equal(model.Config.ImageSize, onnx.Preprocess.ImageSize);
        Assert.Equal(model.LogitScale, onnx.LogitScale, 4);
    }

    [Fact]
    public void Exported_separate_encoders_give_the_torch_embeddings()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        OnnxExporter.Export(model, dir.Path);
        Assert.True(File.Exists(dir.File("vision_model.onnx")));
        Assert.True(File.Exists(dir.File("text_model.onnx")));
        using var onnx = ClipModelLoader.Load(dir.Path, new CharacterTokenizer(), new ClipLoadOptions { Threads = 1 });
        Assert.IsType<OnnxClipModel>(onnx);
        Assert.StartsWith(new DirectoryInfo(dir.Path).Name + "-", onnx.ModelId);
        AssertSameAsTorch(model, onnx);
    }

    [Fact]
    public void Sessions_whose_threads_sleep_while_waiting_give_the_same_embeddings()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny(seed: 5);
        OnnxExporter.Export(model, dir.Path);
        using var passive = ClipModelLoader.Load(dir.Path, new CharacterTokenizer(), new ClipLoadOptions { Threads = 2, SpinWhileWaiting = false });
        Assert.False(Assert.IsType<OnnxClipModel>(passive).SpinsWhileWaiting);
        AssertSameAsTorch(model, passive);
        using var spinning = OnnxClipModel.Load(dir.Path, new CharacterTokenizer(), threads: 2);
        Assert.True(spinning.SpinsWhileWaiting);
    }

    [Fact]
    public void Combined_model_onnx_gives_the_torch_embeddings()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny(seed: 3);
        OnnxExporter.Export(model, dir.Path, new OnnxExportOptions { Combined = true });
        Assert.True(File.Exists(dir.File("model.onnx")));
        Assert.False(File.Exists(dir.File("vision_model.onnx")));
        using var onnx = ClipModelLoader.Load(dir.Path, new CharacterTokenizer());
        AssertSameAsTorch(model, onnx);
    }

    [Fact]
    public void Gelu_model_exports_exactly_too()
    {
        var config = ClipConfig.Tiny with
        {
            Vision = ClipConfig.Tiny.Vision with { HiddenAct = "gelu" },
            Text = ClipConfig.Tiny.Text with { HiddenAct = "gelu" },
        };
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny(config: config);
        OnnxExporter.Export(model, dir.Path);
        using var onnx = OnnxClipModel.Load(dir.Path, new CharacterTokenizer());
        AssertSameAsTorch(model, onnx);
    }

    [Fact]
    public void Xenova_layout_under_onnx_folder_is_found_without_config()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        OnnxExporter.Export(model, Path.Combine(dir.Path, "onnx"));
        File.Delete(Path.Combine(dir.Path, "onnx", "config.json"));
        using var onnx = ClipModelLoader.Load(dir.Path, new CharacterTokenizer(), new ClipLoadOptions { Backend = ClipBackend.OnnxRuntime });
        AssertSameAsTorch(model, onnx);
    }

    [Fact]
    public void Auto_backend_prefers_safetensors_and_onnx_can_be_forced()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        VidSearch.Models.Checkpoints.CheckpointWriter.Save(model, dir.Path);
        OnnxExporter.Export(model, dir.Path);
        using (var auto = ClipModelLoader.Load(dir.Path, new CharacterTokenizer()))
        {
            Assert.IsType<ClipModel>(auto);
        }

        using var forced = ClipModelLoader.Load(dir.Path, new CharacterTokenizer(), new ClipLoadOptions { Backend = ClipBackend.OnnxRuntime });
        Assert.IsType<OnnxClipModel>(forced);
    }

    [Fact]
    public void Corrupt_or_missing_onnx_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("model.onnx"), "this is not a protobuf");
        var error = Assert.Throws<VidSearchException>(() => ClipModelLoader.Load(dir.Path, new CharacterTokenizer()));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("model.onnx", error.Message);

        using var empty = new TempDirectory();
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(
            () => ClipModelLoader.Load(empty.Path, new CharacterTokenizer(), new ClipLoadOptions { Backend = ClipBackend.OnnxRuntime })).Kind);
    }

    [Fact]
    public void Wrong_image_size_is_rejected()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        OnnxExporter.Export(model, dir.Path);
        using var onnx = OnnxClipModel.Load(dir.Path, new CharacterTokenizer());
        Assert.Throws<VidSearchException>(() => onnx.EncodeImages(TestModels.RandomImages(1, 40)));
        Assert.Equal(0, onnx.EncodeTexts([]).Rows);
    }
}

public class OnnxLayoutTests
{
    [Fact]
    public void Quantized_names_and_preprocessor_config_are_understood()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        string onnx = Path.Combine(dir.Path, "onnx");
        OnnxExporter.Export(model, onnx);
        File.Move(Path.Combine(onnx, "vision_model.onnx"), Path.Combine(onnx, "vision_model_quantized.onnx"));
        File.Move(Path.Combine(onnx, "text_model.onnx"), Path.Combine(onnx, "text_model_quantized.onnx"));
        File.Delete(Path.Combine(onnx, "config.json"));
        File.WriteAllText(dir.File("preprocessor_config.json"), """
            {"crop_size": {"height": 32, "width": 32}, "do_center_crop": true, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25], "size": {"shortest_edge": 32}}
            """);
        using var loaded = ClipModelLoader.Load(dir.Path, new CharacterTokenizer());
        Assert.Equal([0.5f, 0.5f, 0.5f], loaded.Preprocess.Mean);
        Assert.Equal([0.25f, 0.25f, 0.25f], loaded.Preprocess.Std);
        Assert.Equal(32, loaded.Preprocess.ImageSize);
        var images = TestModels.RandomImages(2, 32);
        TestModels.AssertClose(model.EncodeImages(images), loaded.EncodeImages(images), 1e-4f);
    }

    [Fact]
    public void Bad_preprocessor_config_is_reported()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        OnnxExporter.Export(model, dir.Path);
        File.WriteAllText(dir.File("preprocessor_config.json"), """{"crop_size": 32, "image_mean": [0.5]}""");
        var error = Assert.Throws<VidSearchException>(() => ClipModelLoader.Load(dir.Path, new CharacterTokenizer()));
        Assert.Contains("preprocessor_config.json", error.Message);
    }
}
