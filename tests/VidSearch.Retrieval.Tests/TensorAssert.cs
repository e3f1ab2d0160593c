using static TorchSharp.torch;

namespace VidSearch.Retrieval.Tests;

internal static class TensorAssert
{
    public static float[] Values(Tensor t) => t.detach().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();

    public static void Close(Tensor expected, Tensor actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.shape, actual.shape);
        Close(Values(expected), Values(actual), tolerance);
    }

    public static void Close(float[] expected, float[] actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    public static Tensor Matrix(float[,] values)
    {
        int r = values.GetLength(0), c = values.GetLength(1);
        var flat = new float[r * c];
        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < c; j++)
            {
                flat[(i * c) + j] = values[i, j];
            }
        }

        return tensor(flat, new long[] { r, c });
    }
}
