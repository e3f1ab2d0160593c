using System.Buffers.Binary;
using System.Text;
using VidSearch.Core;
using VidSearch.Models.Checkpoints;
using VidSearch.Models.Clip;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Checkpoints;

public class CheckpointErrorTests
{
    private static string SaveTiny(TempDirectory dir, Func<string, bool>? keep = null, Func<SafeTensorEntry, SafeTensorEntry>? change = null)
    {
        using var model = TestModels.Tiny();
        var entries = CheckpointWriter.HuggingFaceTensors(model)
            .Where(t => keep?.Invoke(t.Name) ?? true)
            .Select(t => SafeTensorEntry.FromFloats(t.Name, t.Shape, t.Values))
            .Select(e => change?.Invoke(e) ?? e);
        SafeTensorsFile.Write(dir.File("model.safetensors"), entries);
        model.Config.Save(dir.File("config.json"));
        return dir.File("model.safetensors");
    }

    [Fact]
    public void Missing_key_names_the_key_and_the_expected_shape()
    {
        using var dir = new TempDirectory();
        SaveTiny(dir, keep: name => name != "text_model.encoder.layers.1.mlp.fc1.weight");
        var error = Assert.Throws<VidSearchException>(() => ClipModelLoader.LoadTorch(dir.Path, null));
        Assert.Equal(ErrorKind.Incompatible, error.Kind);
        Assert.Contains("text_model.encoder.layers.1.mlp.fc1.weight", error.Message);
        Assert.Contains("missing", error.Message);
        Assert.Contains("[128, 32]", error.Message);
    }

    [Fact]
    public void Wrong_shape_names_the_key_and_both_shapes()
    {
        using var dir = new TempDirectory();
        SaveTiny(dir, change: e => e.Name == "visual_projection.weight"
            ? SafeTensorEntry.FromFloats(e.Name, [32, 16], new float[512])
            : e);
        var error = Assert.Throws<VidSearchException>(() => ClipModelLoader.LoadTorch(dir.Path, null));
        Assert.Equal(ErrorKind.Incompatible, error.Kind);
        Assert.Contains("visual_projection.weight", error.Message);
        Assert.Contains("[32, 16]", error.Message);
        Assert.Contains("[16, 32]", error.Message);
    }

    [Fact]
    public void Truncated_file_is_reported()
    {
        using var dir = new TempDirectory();
        string path = SaveTiny(dir);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var error = Assert.Throws<VidSearchException>(() => SafeTensorsFile.Open(path));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("truncated", error.Message);

        File.WriteAllBytes(path, bytes[..1000]);
        Assert.Contains("truncated", Assert.Throws<VidSearchException>(() => ClipModelLoader.LoadTorch(dir.Path, null)).Message);

        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains("truncated", Assert.Throws<VidSearchException>(() => SafeTensorsFile.Open(path)).Message);
        File.WriteAllBytes(path, []);
        Assert.Contains("truncated", Assert.Throws<VidSearchException>(() => SafeTensorsFile.Open(path)).Message);
    }

    [Theory]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]", "not valid JSON")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("{\"a\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 8]}}", "unsupported dtype")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", "12 expected")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2]}}", "data_offsets")]
    [InlineData("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", "corrupt header entry")]
    public void Corrupt_header_is_reported(string header, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        File.WriteAllBytes(path, file);
        var error = Assert.Throws<VidSearchException>(() => SafeTensorsFile.Open(path));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Absurd_header_length_is_reported()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        var file = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue - 5);
        File.WriteAllBytes(path, file);
        Assert.Contains("header length", Assert.Throws<VidSearchException>(() => SafeTensorsFile.Open(path)).Message);
    }

    [Fact]
    public void Missing_folder_shard_or_weights_are_not_found_errors()
    {
        using var dir = new TempDirectory();
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ClipModelLoader.Load(dir.File("nope"), new CharacterTokenizer())).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ClipModelLoader.Load(dir.Path, new CharacterTokenizer())).Kind);

        using (var model = TestModels.Tiny())
        {
            CheckpointWriter.Save(model, dir.Path, new CheckpointWriteOptions { MaxShardBytes = 1_000_000 });
        }

        string shard = Directory.GetFiles(dir.Path, "model-*.safetensors").Max()!;
        File.Delete(shard);
        var error = Assert.Throws<VidSearchException>(() => ClipModelLoader.LoadTorch(dir.Path, null));
        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Contains(Path.GetFileName(shard), error.Message);
    }

    [Fact]
    public void Bad_options_are_argument_errors()
    {
        using var dir = new TempDirectory();
        using var model = TestModels.Tiny();
        Assert.Throws<VidSearchException>(() => CheckpointWriter.Save(model, dir.Path, new CheckpointWriteOptions { Dtype = "F8" }));
        Assert.Throws<VidSearchException>(() => CheckpointWriter.Save(model, dir.Path, new CheckpointWriteOptions { MaxShardBytes = 0 }));
        CheckpointWriter.Save(model, dir.Path);
        var error = Assert.Throws<VidSearchException>(() => ClipModelLoader.Load(dir.Path, new CharacterTokenizer(), new ClipLoadOptions { Threads = 0 }));
        Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
    }
}
