using System.Buffers.Binary;
using VidSearch.Models.Checkpoints;
using VidSearch.TestSupport;

namespace VidSearch.Models.Tests.Checkpoints;

public class SafeTensorsFileTests
{
    [Fact]
    public void Write_then_read_keeps_names_shapes_values_and_metadata()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.safetensors");
        float[] values = [1.5f, -2.25f, 3f, 0f, 1e-3f, 65504f];
        SafeTensorsFile.Write(path,
        [
            SafeTensorEntry.FromFloats("a.weight", [2, 3], values),
            SafeTensorEntry.FromFloats("b", [6], values, "F16"),
            SafeTensorEntry.FromFloats("c", [3, 2], values, "BF16"),
            SafeTensorEntry.FromFloats("scalar", [], [4.5f]),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal((long)(8 + headerLength + 24 + 12 + 12 + 4), bytes.Length);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal(["a.weight", "b", "c", "scalar"], file.Tensors.Keys);
        Assert.Equal(values, file.ReadFloats("a.weight"));
        Assert.Equal(new long[] { 3, 2 }, file.Info("c").Shape);
        Assert.Equal("F16", file.Info("b").Dtype);
        Assert.Equal(values.Select(v => (float)(Half)v), file.ReadFloats("b"));
        Assert.Equal(new[] { 1.5f, -2.25f, 3f, 0f, 0.00099945068f, 65536f }, file.ReadFloats("c"));
        Assert.Equal(new[] { 4.5f }, file.ReadFloats("scalar"));
        Assert.Empty(file.Info("scalar").Shape);
    }

    [Fact]
    public void Bfloat16_rounds_to_nearest_even()
    {
        // 1 + 2^-8 lies halfway between two bf16 values (1 and 1 + 2^-7): ties go to the even mantissa (1).
        Assert.Equal(0x3F80, BFloat16Of(1f + 1f / 256));
        Assert.Equal(0x3F81, BFloat16Of(1f + 1f / 256 + 1f / 65536));
        Assert.Equal(0x3F82, BFloat16Of(1f + 3f / 256));
    }

    [Fact]
    public void Writer_rejects_data_that_does_not_fit_the_shape()
    {
        using var dir = new TempDirectory();
        Assert.Throws<VidSearch.Core.VidSearchException>(() =>
            SafeTensorsFile.Write(dir.File("x.safetensors"), [new SafeTensorEntry("x", "F32", [3], new byte[8])]));
        Assert.Throws<VidSearch.Core.VidSearchException>(() =>
            SafeTensorsFile.Write(dir.File("x.safetensors"), [SafeTensorEntry.FromFloats("x", [1], [1f]), SafeTensorEntry.FromFloats("x", [1], [1f])]));
    }

    private static int BFloat16Of(float value)
    {
        var entry = SafeTensorEntry.FromFloats("x", [1], [value], "BF16");
        return BinaryPrimitives.ReadUInt16LittleEndian(entry.Data);
    }
}
