using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using VidSearch.Models.Store;

namespace VidSearch.Models.Tests.Store;

/// <summary>Small checkpoint files named like the real ones: valid safetensors of random floats, configs, ONNX bytes.</summary>
internal static class StoreFixtures
{
    public const string Repo = "acme/tiny-clip";
    public const string Revision = "r1";

    public static byte[] Safetensors(IReadOnlyDictionary<string, int> tensors, int seed = 1)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, count) in tensors)
        {
            header[name] = new { dtype = "F32", shape = new[] { count }, data_offsets = new[] { offset, offset + count * 4L } };
            offset += count * 4L;
        }

        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var data = new byte[offset];
        new Random(seed).NextBytes(data);
        var file = new byte[8 + json.Length + data.Length];
        BitConverter.GetBytes((ulong)json.Length).CopyTo(file, 0);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    public static byte[] HfWeights(int seed = 1) => Safetensors(new Dictionary<string, int>
    {
        ["text_model.embeddings.token_embedding.weight"] = 600,
        ["vision_model.embeddings.patch_embedding.weight"] = 400,
    }, seed);

    public static byte[] OpenClipWeights() => Safetensors(new Dictionary<string, int>
    {
        ["token_embedding.weight"] = 300,
        ["visual.conv1.weight"] = 300,
    });

    public static byte[] Config() => Encoding.UTF8.GetBytes("""
        {"model_type": "clip", "projection_dim": 512,
         "vision_config": {"image_size": 224, "patch_size": 32, "hidden_size": 768, "num_hidden_layers": 12},
         "text_config": {"vocab_size": 49408, "max_position_embeddings": 77, "hidden_size": 512}}
        """);

    public static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A catalog with one model "tiny" of the given files (path, bytes, publish size and hash?).</summary>
    public static ModelCatalog Catalog(IEnumerable<(string Path, byte[] Bytes, bool Known)> files, string? wrongSha = null)
    {
        var entry = new
        {
            name = "tiny",
            description = "test model",
            repo = Repo,
            revision = Revision,
            format = "hf-safetensors",
            files = files.Select(f => new
            {
                path = f.Path,
                size = f.Known ? (long?)f.Bytes.Length : null,
                sha256 = f.Known ? (wrongSha ?? Sha(f.Bytes)) : null,
            }),
        };
        using var stream = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(new { models = new[] { entry } }));
        return ModelCatalog.Parse(stream, "test catalog");
    }

    public static void Serve(TestHttpServer server, string path, byte[] bytes) => server.Files[$"/{Repo}/resolve/{Revision}/{path}"] = bytes;
}
