using VidSearch.Core;
using VidSearch.Retrieval.Heads;
using VidSearch.Retrieval.Persistence;
using VidSearch.TestSupport;
using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

public class HeadCheckpointTests
{
    private static readonly HeadOptions Options = new() { Dim = 8, AttentionHeads = 2, MaxFrames = 5, Prototypes = 3, Layers = 2 };

    public static TheoryData<string> AllHeads() => new(HeadFactory.Names);

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void A_saved_head_loads_with_its_name_options_and_weights(string name)
    {
        using var dir = new TempDirectory();
        manual_seed(1);
        var head = HeadFactory.Create(name, Options);
        using (no_grad())
        {
            foreach (var p in head.AsModule().parameters())
            {
                p.copy_(randn_like(p));
            }
        }

        HeadCheckpoint.Save(head, dir.Path);
        var loaded = HeadCheckpoint.Load(dir.Path);
        Assert.Equal(name, loaded.Name);
        Assert.Equal(Options, loaded.Options);

        var video = VideoInputs.Unmasked(randn(2, 5, 8));
        var text = new TextInputs(randn(3, 8));
        TensorAssert.Close(head.Score(text, video), loaded.Score(text, video), 0);
        Assert.Contains("\"head\": \"" + name + "\"", File.ReadAllText(Path.Combine(dir.Path, HeadCheckpoint.ConfigFile)));
    }

    [Fact]
    public void Weight_keys_are_the_module_parameter_names()
    {
        var keys = HeadFactory.Create("temporal", Options).AsModule().state_dict().Keys.ToList();
        Assert.Contains("temporal.frame_position", keys);
        Assert.Contains("temporal.blocks.0.in_proj.weight", keys);
        Assert.Contains("temporal.blocks.1.c_proj.bias", keys);
        Assert.Empty(HeadFactory.Create("mean", Options).AsModule().state_dict());
    }

    [Fact]
    public void Missing_truncated_and_mismatched_checkpoints_give_clear_errors()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<VidSearchException>(() => HeadCheckpoint.Load(dir.Path));
        Assert.Equal(ErrorKind.NotFound, e.Kind);

        var head = HeadFactory.Create("temporal", Options);
        HeadCheckpoint.Save(head, dir.Path);
        string weights = Path.Combine(dir.Path, HeadCheckpoint.WeightsFile);
        var bytes = File.ReadAllBytes(weights);

        File.WriteAllBytes(weights, bytes.AsSpan(0, bytes.Length - 10).ToArray());
        e = Assert.Throws<VidSearchException>(() => HeadCheckpoint.Load(dir.Path));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
        Assert.Contains(weights, e.Message);

        File.WriteAllBytes(weights, [1, 2, 3]);
        e = Assert.Throws<VidSearchException>(() => HeadCheckpoint.Load(dir.Path));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);

        File.WriteAllBytes(weights, [.. BitConverter.GetBytes(1000L), .. "{\"a\":"u8.ToArray()]);
        Assert.Throws<VidSearchException>(() => HeadCheckpoint.Load(dir.Path));

        // Weights of a different shape (another Dim) under the same name.
        using var other = new TempDirectory();
        HeadCheckpoint.Save(HeadFactory.Create("temporal", Options with { Layers = 1 }), other.Path);
        File.Copy(Path.Combine(other.Path, HeadCheckpoint.WeightsFile), weights, overwrite: true);
        e = Assert.Throws<VidSearchException>(() => HeadCheckpoint.Load(dir.Path));
        Assert.Equal(ErrorKind.Incompatible, e.Kind);

        File.WriteAllText(Path.Combine(dir.Path, HeadCheckpoint.ConfigFile), "{\"format\": \"vidsearch-head\", \"version\": 1, \"head\": \"lstm\", \"options\": {}}");
        e = Assert.Throws<VidSearchException>(() => HeadCheckpoint.Load(dir.Path));
        Assert.Contains("lstm", e.Message);

        File.WriteAllText(Path.Combine(dir.Path, HeadCheckpoint.ConfigFile), "not json");
        e = Assert.Throws<VidSearchException>(() => HeadCheckpoint.Load(dir.Path));
        Assert.Equal(ErrorKind.InvalidInput, e.Kind);
    }
}
