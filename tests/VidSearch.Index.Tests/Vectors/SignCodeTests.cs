using System.Numerics.Tensors;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Tests.Vectors;

public sealed class SignCodeTests
{
    private static float[] RandomVector(Random random, int dim)
    {
        var v = new float[dim];
        for (int i = 0; i < dim; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return v;
    }

    [Theory]
    [InlineData(100, 128)]
    [InlineData(512, 512)]
    [InlineData(3, 8)]
    public void The_rotation_pads_to_a_power_of_two_and_keeps_dot_products_and_norms(int dim, int padded)
    {
        var rotation = new RandomizedHadamardRotation(dim, seed: 5);
        Assert.Equal(padded, rotation.PaddedDim);
        var random = new Random(1);
        for (int trial = 0; trial < 5; trial++)
        {
            var x = RandomVector(random, dim);
            var y = RandomVector(random, dim);
            var rx = new float[padded];
            var ry = new float[padded];
            rotation.Apply(x, rx);
            rotation.Apply(y, ry);
            Assert.Equal(TensorPrimitives.Dot(x, y), TensorPrimitives.Dot(rx, ry), 3);
            Assert.Equal(TensorPrimitives.Norm(x), TensorPrimitives.Norm(rx), 3);
            Assert.NotEqual(x[0], rx[0]);
        }
    }

    [Fact]
    public void One_round_without_sign_flips_is_the_normalised_hadamard_transform()
    {
        var rotation = new RandomizedHadamardRotation(8, [[1, 1, 1, 1, 1, 1, 1, 1]]);
        var output = new float[8];
        rotation.Apply([1, 0, 0, 0, 0, 0, 0, 0], output);
        Assert.All(output, v => Assert.Equal(1 / MathF.Sqrt(8), v, 5));
        rotation.Apply([0, 1, 0, 0, 0, 0, 0, 0], output);
        Assert.Equal(new[] { 1f, -1, 1, -1, 1, -1, 1, -1 }.Select(v => v / MathF.Sqrt(8)), output.Select(v => MathF.Round(v, 5)), (a, b) => MathF.Abs(a - b) < 1e-4);
        Assert.Throws<ArgumentException>(() => new RandomizedHadamardRotation(8, [[1, 1, 1, 1, 1, 1, 1, 0]]));
    }

    [Fact]
    public void Slots_and_positions_are_inverse()
    {
        var slots = Enumerable.Range(0, SignCodeBlocks.BlockSize).Select(SignCodeBlocks.SlotOf).ToArray();
        Assert.Equal(Enumerable.Range(0, SignCodeBlocks.BlockSize), slots.Order());
        Assert.All(Enumerable.Range(0, SignCodeBlocks.BlockSize), p => Assert.Equal(p, SignCodeBlocks.PositionOfSlot(SignCodeBlocks.SlotOf(p))));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(512)]
    [InlineData(2048)]
    [InlineData(4096)]
    public void The_scan_gives_the_scalar_sums_and_estimates_the_signed_sum_within_the_quantisation_bound(int paddedDim)
    {
        var random = new Random(paddedDim);
        var codes = new SignCodeBlocks(paddedDim, 40);
        var vectors = Enumerable.Range(0, 40).Select(_ => RandomVector(random, paddedDim)).ToArray();
        for (int i = 0; i < vectors.Length; i++)
        {
            codes.Set(i, vectors[i]);
        }

        var query = RandomVector(random, paddedDim);
        var lookup = new SignCodeLookup(query);
        var sums = new ushort[32];
        var reference = new ushort[32];
        for (int block = 0; block < codes.BlockCount; block++)
        {
            lookup.ScanBlock(codes.Block(block), sums);
            lookup.ScanBlockScalar(codes.Block(block), reference);
            Assert.Equal(reference, sums);
            for (int slot = 0; slot < 32; slot++)
            {
                int index = block * 32 + SignCodeBlocks.PositionOfSlot(slot);
                if (index >= vectors.Length)
                {
                    continue;
                }

                float signed = 0;
                for (int d = 0; d < paddedDim; d++)
                {
                    signed += vectors[index][d] > 0 ? query[d] : -query[d];
                }

                float bound = paddedDim / 4 * lookup.Scale / 2 + 1e-3f;
                Assert.InRange(lookup.Estimate(sums[slot]), signed - bound, signed + bound);
            }
        }
    }

    [Fact]
    public void Estimates_weigh_each_slot_and_flag_those_above_the_threshold()
    {
        var random = new Random(3);
        var query = RandomVector(random, 64);
        var lookup = new SignCodeLookup(query);
        var sums = Enumerable.Range(0, 32).Select(_ => (ushort)random.Next(0, 2000)).ToArray();
        var weights = Enumerable.Range(0, 32).Select(_ => (float)random.NextDouble()).ToArray();
        var estimates = new float[32];
        float threshold = weights[5] * lookup.Estimate(sums[5]);
        uint above = lookup.Estimates(sums, weights, estimates, threshold);
        for (int slot = 0; slot < 32; slot++)
        {
            float expected = weights[slot] * lookup.Estimate(sums[slot]);
            Assert.Equal(expected, estimates[slot], 4);
            Assert.Equal(estimates[slot] > threshold, (above >> slot & 1) != 0);
        }

        Assert.Equal(0u, above >> 5 & 1);
    }
}
