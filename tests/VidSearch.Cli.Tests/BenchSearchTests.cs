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

    [Fact]
    public async Task IndexesTunedOnShiftedTuningQueriesReachTheTargetOnTheShiftedMeasuredOnes()
    {
        async Task<(JsonElement Report, string Text)> Measure(string tuningQueries)
        {
            string[] args = ["bench", "search", "--sizes", "20000", "--dim", "64", "--queries", "100", "--clusters", "20", "--spread", "1",
                "--storage", "float32", "--approximate", "ivf", "--nprobe", "4", "--seed", "5", "--query-offset", "3", "--tuning-queries", tuningQueries];
            var (code, text, error) = await EndToEndTests.Run(args);
            Assert.True(code == 0, error);
            (code, var json, error) = await EndToEndTests.Run([.. args, "--json"]);
            Assert.True(code == 0, error);
            using var doc = JsonDocument.Parse(json);
            return (doc.RootElement.Clone(), text);
        }

        double AutoTunedRecall(JsonElement report) => report.GetProperty("sizes")[0].GetProperty("latencies").EnumerateArray()
            .Single(r => r.GetProperty("method").GetString() == "ivf auto-tuned").GetProperty("recallAt10").GetDouble();

        var (storedOnly, storedOnlyText) = await Measure("0");
        var (withQueries, withQueriesText) = await Measure("128");
        Assert.DoesNotContain("tuning queries", storedOnlyText);
        Assert.Matches(@"auto-tuned nprobe \d+: recall@10 [01]\.\d+ on 64 stored vectors as queries, [01]\.\d+ on 128 tuning queries, [01]\.\d+ on 64 stored vectors moved across the modality gap \(target 0\.95\)", withQueriesText);
        Assert.True(AutoTunedRecall(storedOnly) < 0.9, $"tuned on stored vectors only: {AutoTunedRecall(storedOnly)}");
        Assert.True(AutoTunedRecall(withQueries) >= 0.92, $"tuned on shifted queries too: {AutoTunedRecall(withQueries)}");
        var measured = withQueries.GetProperty("sizes")[0].GetProperty("tuning").GetProperty("measured");
        Assert.Equal((128, 64), (measured.GetProperty("tuningQueries").GetInt32(), measured.GetProperty("gapShiftedQueries").GetInt32()));

        var (bad, _, message) = await EndToEndTests.Run("bench", "search", "--sizes", "1000", "--tuning-queries", "-1");
        Assert.Equal(2, bad);
        Assert.Contains("--tuning-queries", message);
    }
}
