using VidSearch.Core;

namespace VidSearch.Core.Tests;

public class EmbeddingMatrixTests
{
    [Fact]
    public void NormalizeRows_gives_unit_rows_and_keeps_zero_rows()
    {
        var m = new EmbeddingMatrix([3, 4, 0, 0], 2, 2).NormalizeRows();
        Assert.Equal([0.6f, 0.8f, 0f, 0f], m.Data);
    }

    [Fact]
    public void DotProducts_is_rows_against_rows()
    {
        var a = new EmbeddingMatrix([1, 0, 0, 1], 2, 2);
        var b = new EmbeddingMatrix([1, 2, 3, 4, 5, 6], 3, 2);
        var s = a.DotProducts(b);
        Assert.Equal(2, s.GetLength(0));
        Assert.Equal(3, s.GetLength(1));
        Assert.Equal(5f, s[0, 2]);
        Assert.Equal(4f, s[1, 1]);
    }

    [Fact]
    public void MeanNormalized_skips_masked_rows()
    {
        var m = new EmbeddingMatrix([1, 0, 0, 1, 5, 5], 3, 2);
        var mean = VectorMath.MeanNormalized(m, [true, true, false]);
        Assert.Equal(MathF.Sqrt(0.5f), mean[0], 5);
        Assert.Equal(MathF.Sqrt(0.5f), mean[1], 5);
    }

    [Fact]
    public void Exception_message_names_subject_and_cause()
    {
        var e = new VidSearchException(ErrorKind.InvalidInput, "a.mp4", "file is empty");
        Assert.Equal("a.mp4: file is empty", e.Message);
        Assert.Equal("invalid_input", e.Code);
    }
}
