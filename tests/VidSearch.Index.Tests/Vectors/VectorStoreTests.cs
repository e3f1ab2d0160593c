using System.Numerics.Tensors;
using VidSearch.Core;
using VidSearch.Index.Vectors;

namespace VidSearch.Index.Tests.Vectors;

public sealed class VectorStoreTests
{
    [Theory]
    [InlineData(VectorStorageType.Float32, 1e-7)]
    [InlineData(VectorStorageType.Float16, 1e-3)]
    [InlineData(VectorStorageType.Int8, 1.5e-2)]
    public void Codec_round_trip_stays_within_the_precision_of_the_type(VectorStorageType type, double tolerance)
    {
        var gen = new ClusteredGaussianVectors(96, 4, 1f, seed: 1);
        var v = gen.Next();
        var bytes = VectorCodec.Encode(v, type);
        Assert.Equal(type.BytesPerVector(96), bytes.Length);
        var back = new float[96];
        Assert.True(VectorCodec.TryDecode(bytes, type, back));
        for (int i = 0; i < v.Length; i++)
        {
            Assert.InRange(back[i] - v[i], -tolerance, tolerance);
        }
    }

    [Fact]
    public void Codec_rejects_a_blob_of_the_wrong_length()
    {
        Assert.False(VectorCodec.TryDecode(new byte[10], VectorStorageType.Float32, new float[4]));
        Assert.False(VectorCodec.TryDecode(new byte[7], VectorStorageType.Int8, new float[4]));
    }

    [Fact]
    public void Int8_dot_matches_the_scalar_dot_for_all_lengths()
    {
        var random = new Random(3);
        for (int length = 0; length < 70; length++)
        {
            var a = new sbyte[length];
            var b = new sbyte[length];
            int expected = 0;
            for (int i = 0; i < length; i++)
            {
                a[i] = (sbyte)random.Next(-127, 128);
                b[i] = (sbyte)random.Next(-127, 128);
                expected += a[i] * b[i];
            }

            Assert.Equal(expected, Int8Quantizer.Dot(a, b));
        }
    }

    [Fact]
    public void Zero_vector_quantises_to_zero_scale()
    {
        var codes = new sbyte[8];
        Assert.Equal(0f, Int8Quantizer.Quantize(new float[8], codes));
        Assert.All(codes, c => Assert.Equal(0, c));
    }

    [Theory]
    [InlineData(VectorStorageType.Float32, 1e-5)]
    [InlineData(VectorStorageType.Float16, 2e-3)]
    [InlineData(VectorStorageType.Int8, 2e-2)]
    public void Scores_match_float_dot_products_across_chunk_boundaries(VectorStorageType type, double tolerance)
    {
        var gen = new ClusteredGaussianVectors(32, 8, 1f, seed: 2);
        int count = VectorStore.ChunkRows + 100;
        var store = VectorStore.Create(type, 32);
        var reference = new float[count][];
        for (int i = 0; i < count; i++)
        {
            reference[i] = gen.Next();
            store.Add(reference[i]);
        }

        var query = gen.Next();
        int start = VectorStore.ChunkRows - 50;
        var scores = new float[120];
        store.Score(query, start, scores);
        for (int i = 0; i < scores.Length; i++)
        {
            float expected = TensorPrimitives.Dot(query, reference[start + i]);
            Assert.InRange(scores[i] - expected, -tolerance, tolerance);
            Assert.InRange(store.Score(query, start + i) - expected, -tolerance, tolerance);
        }
    }

    [Fact]
    public void Encoded_vectors_load_without_decoding()
    {
        var gen = new ClusteredGaussianVectors(16, 2, 1f, seed: 4);
        var v = gen.Next();
        foreach (var type in Enum.GetValues<VectorStorageType>())
        {
            var direct = VectorStore.Create(type, 16);
            direct.Add(v);
            var encoded = VectorStore.Create(type, 16);
            encoded.AddEncoded(VectorCodec.Encode(v, type));
            Assert.Equal(direct.Get(0), encoded.Get(0));
        }
    }

    [Fact]
    public void Wrong_dimensions_and_blob_sizes_are_clear_errors()
    {
        var store = VectorStore.Create(VectorStorageType.Float32, 4);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<VidSearchException>(() => store.Add(new float[5])).Kind);
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => store.AddEncoded(new byte[3])).Kind);
        Assert.Throws<VidSearchException>(() => VectorStore.Create(VectorStorageType.Int8, 0));
        Assert.Equal(VectorStorageType.Float16, VectorStorageTypes.Parse("float16"));
        Assert.Throws<VidSearchException>(() => VectorStorageTypes.Parse("float64"));
    }

    [Fact]
    public void Payload_bytes_per_vector_shrink_with_the_storage_type()
    {
        Assert.Equal(2048, VectorStorageType.Float32.BytesPerVector(512));
        Assert.Equal(1024, VectorStorageType.Float16.BytesPerVector(512));
        Assert.Equal(516, VectorStorageType.Int8.BytesPerVector(512));
    }
}
