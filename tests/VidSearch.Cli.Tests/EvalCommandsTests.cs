using System.CommandLine;
using System.Text.Json;
using VidSearch.Cli.Commands;
using VidSearch.Eval.Metrics;
using VidSearch.Eval.Reports;
using VidSearch.TestSupport;

namespace VidSearch.Cli.Tests;

[CollectionDefinition(nameof(ConsoleCapture), DisableParallelization = true)]
public sealed class ConsoleCapture;

/// <summary>`vidsearch datasets inspect` and `vidsearch eval compare`, run in process with stdout captured.</summary>
[Collection(nameof(ConsoleCapture))]
public class EvalCommandsTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => EndToEndTests.Run(args);

    [Fact]
    public async Task InspectCountsTheRealMsrvtt1kAList()
    {
        var (code, output, _) = await Run("datasets", "inspect", SharedData.Real("msrvtt"), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("msrvtt-1ka", doc.RootElement.GetProperty("format").GetString());
        var test = doc.RootElement.GetProperty("splits").EnumerateArray().Single(s => s.GetProperty("split").GetString() == "test");
        Assert.Equal(1000, test.GetProperty("videos").GetInt32());
        Assert.Equal(1, test.GetProperty("present").GetInt32());
        Assert.Equal(999, test.GetProperty("missing").GetInt32());
        Assert.Equal(1000, test.GetProperty("captions").GetInt32());
    }

    [Fact]
    public async Task InspectOfAMissingFolderIsAOneLineInputError()
    {
        var (code, output, error) = await Run("datasets", "inspect", "/no/such/folder");
        Assert.Equal(3, code);
        Assert.Equal("", output);
        Assert.Equal("error: /no/such/folder: dataset folder not found", error.Trim());
    }

    [Fact]
    public async Task CompareWritesMarkdownAndSvg()
    {
        using var dir = new TempDirectory();
        string a = dir.File("a.json"), b = dir.File("b.json");
        File.WriteAllText(a, ReportWriter.ToJson(Report("model-a", [0, 0, 1])));
        File.WriteAllText(b, ReportWriter.ToJson(Report("model-b", [0, 2, 5])));
        var (code, output, _) = await Run("eval", "compare", a, b, "--out", dir.File("cmp"), "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(["model-a", "model-b"], doc.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("model").GetString()));
        Assert.Contains("| model-b |", File.ReadAllText(dir.File("cmp/comparison.md")));
        Assert.Contains("<polyline", File.ReadAllText(dir.File("cmp/comparison.svg")));

        var (badCode, _, error) = await Run("eval", "compare", dir.File("none.json"));
        Assert.Equal(3, badCode);
        Assert.Contains("report not found", error);
    }

    private static EvaluationReport Report(string model, int[] ranks) => new()
    {
        Model = model,
        Head = "mean",
        Dataset = new DatasetSummary { Name = "tiny", Hash = "h", Split = "test", Videos = 3, Evaluated = 3 },
        Retrieval = new RetrievalSection(RetrievalMetrics.FromRanks(ranks, 3), RetrievalMetrics.FromRanks(ranks, 3), "v2t", RankCalculator.TiePolicy),
    };
}
