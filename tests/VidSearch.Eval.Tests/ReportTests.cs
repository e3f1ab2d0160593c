using System.Xml.Linq;
using VidSearch.Core;
using VidSearch.Eval.Metrics;
using VidSearch.Eval.Reports;
using VidSearch.Eval.Tasks;
using VidSearch.TestSupport;

namespace VidSearch.Eval.Tests;

public class ReportTests
{
    internal static EvaluationReport Sample(string model = "tiny-clip@1", double r1Shift = 0, string hash = "abcd")
    {
        var t2v = RetrievalMetrics.FromRanks([0, 1, 2, 10, (int)r1Shift], 20);
        var v2t = RetrievalMetrics.FromRanks([0, 0, 3], 5);
        return new EvaluationReport
        {
            Model = model,
            Head = "mean",
            Sampling = "1fps-max12",
            Seed = 3,
            StartedUtc = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero),
            Seconds = 12.5,
            Dataset = new DatasetSummary { Name = "MSR-VTT 1k-A", Format = "msrvtt-1ka", Hash = hash, Split = "test", Videos = 1000, Evaluated = 1, MissingCount = 999, Missing = ["video9771", "video9772"], Captions = 1 },
            Retrieval = new RetrievalSection(t2v, v2t, RetrievalEvaluator.Describe(VideoToTextVariant.AnyCaption), RankCalculator.TiePolicy),
            Reranked = [new RerankedSection("DSL", "dual softmax", t2v, v2t)],
            Actions = [new ClassificationResult("zero-shot closed-set", 4, 10, 50, 75, 40, "n")],
            Localization = [new LocalizationSection("THUMOS", new DetectionResult([0.3, 0.5], [0.5, 0.25], 0.375, 2, 3, 4))],
            Choice = new ChoiceResult(10, 60, 20),
            Notes = ["QB-Norm: skipped"],
        };
    }

    [Fact]
    public void JsonRoundTripsAndRecordsTheRun()
    {
        using var dir = new TempDirectory();
        var report = Sample();
        var files = ReportWriter.WriteAll(report, dir.Path);
        var back = ReportWriter.ReadJson(files.Json);
        Assert.Equal(report.Model, back.Model);
        Assert.Equal(report.Seed, back.Seed);
        Assert.Equal(report.Dataset, back.Dataset with { Missing = report.Dataset.Missing, Failed = report.Dataset.Failed });
        Assert.Equal(report.Retrieval!.TextToVideo.RecallCurve, back.Retrieval!.TextToVideo.RecallCurve);
        Assert.Equal(report.Retrieval.TextToVideo.R1, back.Retrieval.TextToVideo.R1);
        Assert.Equal(999, back.Dataset.MissingCount);
        string json = File.ReadAllText(files.Json);
        foreach (string key in new[] { "\"model\"", "\"head\"", "\"sampling\"", "\"seed\"", "\"hash\"", "\"seconds\"", "\"missingCount\"" })
        {
            Assert.Contains(key, json);
        }
    }

    [Fact]
    public void MarkdownHasEverySectionAndKeepsRerankingSeparate()
    {
        string md = ReportWriter.ToMarkdown(Sample());
        Assert.Contains("### Retrieval", md);
        Assert.Contains("| t2v | 5 | 40.0 | 80.0 | 80.0 | 2 | 3.6 |", md);
        Assert.Contains("### Re-ranked", md);
        Assert.Contains("| DSL t2v |", md);
        Assert.Contains("### Action recognition", md);
        Assert.Contains("### Temporal localization", md);
        Assert.Contains("### Multiple choice", md);
        Assert.Contains("999 videos missing", md);
        Assert.Contains("pessimistic", md);
        Assert.Contains("any of its captions", md);
        Assert.Contains("QB-Norm: skipped", md);
        Assert.DoesNotContain("DSL", md[..md.IndexOf("### Re-ranked", StringComparison.Ordinal)]);
    }

    [Fact]
    public void SvgIsWellFormedWithOneCurvePerDirection()
    {
        var svg = XDocument.Parse(ReportWriter.ToSvg(Sample()));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var lines = svg.Descendants(ns + "polyline").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(50, lines[0].Attribute("points")!.Value.Split(' ').Length);
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "v2t");
    }

    [Fact]
    public void SvgEscapesLabels()
    {
        var svg = RecallPlot.Render("a <b> & c", [new RecallSeries("x<y", [10, 20])]);
        Assert.Equal("a <b> & c", XDocument.Parse(svg).Descendants().First(e => e.Name.LocalName == "text").Value);
    }

    [Fact]
    public void ComparisonPutsRunsSideBySideAndWarnsAcrossDatasets()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("runA"));
        Directory.CreateDirectory(dir.File("runB"));
        ReportWriter.WriteAll(Sample("model-a"), dir.File("runA"));
        ReportWriter.WriteAll(Sample("model-b", r1Shift: 5, hash: "ffff"), dir.File("runB"));
        var runs = ReportComparison.Load([Path.Combine(dir.File("runA"), "report.json"), Path.Combine(dir.File("runB"), "report.json")]);
        Assert.Equal(["runA", "runB"], runs.Select(r => r.Name));
        var table = ReportComparison.Table(runs);
        Assert.Equal(4, table.Rows.Count);
        Assert.Equal("model-b", table.Rows[2][1]);
        Assert.Single(ReportComparison.Warnings(runs));
        string md = ReportComparison.ToMarkdown(runs);
        Assert.Contains("not comparable", md);
        var svg = XDocument.Parse(ReportComparison.ToSvg(runs));
        Assert.Equal(4, svg.Descendants().Count(e => e.Name.LocalName == "polyline"));
    }

    [Fact]
    public void ReadingABadReportIsAClearError()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("r.json"), "not json");
        Assert.Equal(ErrorKind.InvalidInput, Assert.Throws<VidSearchException>(() => ReportWriter.ReadJson(dir.File("r.json"))).Kind);
        File.WriteAllText(dir.File("r.json"), """{"schema": "other/9"}""");
        Assert.Equal(ErrorKind.Incompatible, Assert.Throws<VidSearchException>(() => ReportWriter.ReadJson(dir.File("r.json"))).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<VidSearchException>(() => ReportWriter.ReadJson(dir.File("none.json"))).Kind);
        Assert.Throws<VidSearchException>(() => ReportComparison.Load([]));
    }
}
