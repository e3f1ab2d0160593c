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
        (code, _, error) = await EndToEndTests.Run("bench", "search", "--sizes", "4000", "--query-offset", "-1");
        Assert.NotEqual(0, code);
        Assert.Contains("--query-offset", error);
    }

    [Fact]
    public async Task QueriesShiftedAwayFromTheDataAreMeasuredAgainstTheirOwnExactNeighbours()
    {
        async Task<JsonElement> Measure(string offset)
        {
            var (code, output, error) = await EndToEndTests.Run("bench", "search", "--sizes", "4000", "--dim", "64", "--queries", "20",
                "--clusters", "20", "--spread", "1", "--storage", "float32", "--approximate", "binary", "--candidates", "40,4000",
                "--seed", "3", "--query-offset", offset, "--json");
            Assert.True(code == 0, error);
            using var doc = JsonDocument.Parse(output);
            return doc.RootElement.Clone();
        }

        double Recall(JsonElement report, string setting) => report.GetProperty("sizes")[0].GetProperty("latencies").EnumerateArray()
            .Single(r => r.GetProperty("method").GetString() == "binary+rerank" && r.GetProperty("setting").GetString() == setting)
            .GetProperty("recallAt10").GetDouble();

        var near = await Measure("0");
        var shifted = await Measure("3");
        Assert.DoesNotContain("shifted", near.GetProperty("data").GetString());
        Assert.Contains("shifted by 3", shifted.GetProperty("data").GetString());
        // Re-scoring every vector finds the shifted queries' own exact neighbours; 40 candidates do not find the same share.
        Assert.Equal(1.0, Recall(shifted, "candidates=4000"));
        Assert.NotEqual(Recall(near, "candidates=40"), Recall(shifted, "candidates=40"));
    }
}
