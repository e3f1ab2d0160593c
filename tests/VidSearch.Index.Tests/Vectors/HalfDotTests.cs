using System.Runtime.Intrinsics;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Tests.Vectors;

public sealed class HalfDotTests
{
    [Fact]
    public void Every_half_converts_to_the_float_the_runtime_gives()
    {
        int mismatches = 0;
        var halves = new uint[8];
        for (int start = 0; start < 65536; start += 8)
        {
            for (int j = 0; j < 8; j++)
            {
                halves[j] = (uint)(start + j);
            }

            var converted = HalfDot.ToSingle(Vector256.Create(halves));
            for (int j = 0; j < 8; j++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)(start + j));
                float actual = converted[j];
                bool same = float.IsNaN(expected) ? float.IsNaN(actual) : BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual);
                mismatches += same ? 0 : 1;
            }
        }

        Assert.Equal(0, mismatches);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(48)]
    [InlineData(70)]
    [InlineData(512)]
    public void The_dot_product_matches_converting_first_at_any_length(int dim)
    {
        var random = new Random(dim);
        var x = Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = Enumerable.Range(0, dim).Select(_ => (Half)(random.NextDouble() * 2 - 1)).ToArray();
        double expected = x.Zip(y, (a, b) => (double)a * (float)b).Sum();
        Assert.Equal(expected, HalfDot.Dot(x, y), 4);
        Assert.Throws<ArgumentException>(() => HalfDot.Dot(x, y.AsSpan(1)));
    }

    [Fact]
    public void A_float16_store_scores_ranges_rows_and_positions_alike()
    {
        var gen = new ClusteredGaussianVectors(40, 3, 1f, seed: 8);
        var store = gen.FillStore(VectorStorageType.Float16, 300);
        var query = gen.Next();
        var range = new float[300];
        store.Score(query, 0, range);
        int[] positions = [299, 0, 17, 150];
        var picked = new float[positions.Length];
        store.Score(query, positions, picked);
        for (int i = 0; i < positions.Length; i++)
        {
            double expected = query.Zip(store.Get(positions[i]), (a, b) => (double)a * b).Sum();
            Assert.Equal(expected, range[positions[i]], 5);
            Assert.Equal(range[positions[i]], picked[i]);
            Assert.Equal(range[positions[i]], store.Score(query, positions[i]));
        }
    }
}
