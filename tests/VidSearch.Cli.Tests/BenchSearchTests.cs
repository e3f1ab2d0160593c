using System.Text.Json;

namespace VidSearch.Cli.Tests;

/// <summary>`vidsearch bench search`: exact and approximate indexes measured on the same synthetic vectors.</summary>
[Collection(nameof(ConsoleCapture))]
public class BenchSearchTests
{
    [Fact]
    public async Task MeasuresExactIvfAndBinaryCodesWithRecallAgainstExact()
    {
        var (code, output, error) = await EndToEndTests.Run("bench", "search", "--sizes", "4000", "--dim", "64", "--queries", "5",
            "--clusters", "1", "--spread", "100", "--storage", "float32,int8", "--approximate", "ivf,binary", "--nprobe", "4",
            "--candidates", "4000", "--seed", "7", "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        Assert.Contains("seed 7", doc.RootElement.GetProperty("data").GetString());
        var size = doc.RootElement.GetProperty("sizes")[0];
        var rows = size.GetProperty("latencies").EnumerateArray().ToDictionary(
            r => r.GetProperty("method").GetString() + " " + r.GetProperty("storage").GetString() + " " + r.GetProperty("setting").GetString(), r => r);
        Assert.Contains("exact float32 -", rows.Keys);
        Assert.Contains("exact int8 -", rows.Keys);
        Assert.Contains(rows.Keys, k => k.StartsWith("binary auto-tuned int8 candidates=", StringComparison.Ordinal));
        Assert.Contains(rows.Keys, k => k.StartsWith("ivf auto-tuned", StringComparison.Ordinal));
        // Re-scoring every one of the 4000 vectors is exact search.
        Assert.Equal(1.0, rows["binary+rerank float32 candidates=4000"].GetProperty("recallAt10").GetDouble());
        Assert.True(size.GetProperty("binaryBytesPerVector").GetDouble() is > 8 and < 16);
        Assert.True(size.GetProperty("binaryTuning").GetProperty("candidates").GetInt32() > 10);
        double ivfBytes = size.GetProperty("ivfQueryBytes").GetDouble(), binaryBytes = size.GetProperty("binaryQueryBytes").GetDouble();
        Assert.True(ivfBytes > 0 && binaryBytes > 0, $"{ivfBytes} {binaryBytes}");
        Assert.Equal(binaryBytes < ivfBytes ? "binary" : "ivf", size.GetProperty("approximateChoice").GetString());

        (code, _, error) = await EndToEndTests.Run("bench", "search", "--sizes", "4000", "--approximate", "faiss");
        Assert.NotEqual(0, code);
        Assert.Contains("--approximate", error);
        (code, _, error) = await EndToEndTests.Run("bench", "search", "--sizes", "4000", "--candidates", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--candidates", error);
    }
}
