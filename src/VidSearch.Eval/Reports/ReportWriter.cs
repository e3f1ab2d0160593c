using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using VidSearch.Core;
using VidSearch.Eval.Metrics;

namespace VidSearch.Eval.Reports;

/// <summary>Turns an <see cref="EvaluationReport"/> into tables, markdown, JSON and an SVG recall plot.</summary>
public static class ReportWriter
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The files a report is written to in an output folder.</summary>
    public sealed record WrittenFiles(string Json, string Markdown, string Svg);

    public static WrittenFiles WriteAll(EvaluationReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var files = new WrittenFiles(Path.Combine(directory, "report.json"), Path.Combine(directory, "report.md"), Path.Combine(directory, "recall.svg"));
        File.WriteAllText(files.Json, ToJson(report));
        File.WriteAllText(files.Markdown, ToMarkdown(report));
        File.WriteAllText(files.Svg, ToSvg(report));
        return files;
    }

    public static string ToJson(EvaluationReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static EvaluationReport ReadJson(string file)
    {
        if (!File.Exists(file))
        {
            throw new VidSearchException(ErrorKind.NotFound, file, "report not found");
        }

        try
        {
            var report = JsonSerializer.Deserialize<EvaluationReport>(File.ReadAllText(file), JsonOptions)
                ?? throw new JsonException("the file holds null");
            if (report.Schema != EvaluationReport.CurrentSchema)
            {
                throw new VidSearchException(ErrorKind.Incompatible, file, $"report schema \"{report.Schema}\", expected \"{EvaluationReport.CurrentSchema}\"");
            }

            return report;
        }
        catch (JsonException e)
        {
            throw new VidSearchException(ErrorKind.InvalidInput, file, "not a vidsearch evaluation report: " + e.Message, e);
        }
    }

    public static IReadOnlyList<ReportTable> Tables(EvaluationReport report)
    {
        var tables = new List<ReportTable>();
        var d = report.Dataset;
        tables.Add(new ReportTable("Run", ["field", "value"],
        [
            ["model", report.Model], ["head", report.Head], ["sampling", report.Sampling], ["seed", I(report.Seed)],
            ["dataset", $"{d.Name} ({d.Format}, split {d.Split}, hash {d.Hash})"],
            ["videos", $"{d.Evaluated} evaluated of {d.Videos}; {d.MissingCount} missing; {d.Failed.Count} failed"],
            ["captions", $"{d.Captions} ({d.CaptionKind})"],
            ["time", $"{report.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s (started {report.StartedUtc:u})"],
        ]));
        if (report.Retrieval is { } r)
        {
            tables.Add(new ReportTable("Retrieval", MetricHeaders,
                [MetricRow("t2v", r.TextToVideo), MetricRow("v2t", r.VideoToText)]));
        }

        if (report.Reranked.Count > 0)
        {
            var rows = new List<IReadOnlyList<string>>();
            foreach (var s in report.Reranked)
            {
                rows.Add(MetricRow($"{s.Method} t2v", s.TextToVideo));
                if (s.VideoToText is { } v)
                {
                    rows.Add(MetricRow($"{s.Method} v2t", v));
                }
            }

            tables.Add(new ReportTable("Re-ranked (uses all test queries or a querybank; not comparable to the main figures)", MetricHeaders, rows));
        }

        if (report.Reversal is { } rev)
        {
            tables.Add(new ReportTable("Reversal test", ["queries", "pairs", "own clip above twin %"], [[I(rev.Queries), I(rev.Pairs), P(rev.Accuracy)]]));
        }

        if (report.Actions.Count > 0)
        {
            tables.Add(new ReportTable("Action recognition", ["protocol", "videos", "classes", "top-1", "top-5", "mean class top-1", "note"],
                report.Actions.Select(a => (IReadOnlyList<string>)[a.Protocol, I(a.Videos), I(a.Classes), P(a.Top1), P(a.Top5), P(a.MeanClassTop1), a.Note]).ToList()));
        }

        if (report.Localization.Count > 0)
        {
            tables.Add(new ReportTable("Temporal localization (mAP %)", ["protocol", "classes", "ground truth", "predictions", "per tIoU", "average"],
                report.Localization.Select(l => (IReadOnlyList<string>)[l.Protocol, I(l.Result.Classes), I(l.Result.GroundTruth), I(l.Result.Predictions),
                    string.Join(" ", l.Result.Thresholds.Select((t, i) => $"{t.ToString("0.##", CultureInfo.InvariantCulture)}:{P(100 * l.Result.MeanAp[i])}")),
                    P(100 * l.Result.AverageMap)]).ToList()));
        }

        if (report.Choice is { } c)
        {
            tables.Add(new ReportTable("Multiple choice", ["questions", "accuracy %", "chance %"], [[I(c.Questions), P(c.Accuracy), P(c.Chance)]]));
        }

        return tables;
    }

    public static string ToMarkdown(EvaluationReport report)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Evaluation: {report.Dataset.Name}, {report.Model}, head {report.Head}").AppendLine();
        foreach (var table in Tables(report))
        {
            sb.Append(table.ToMarkdown());
        }

        if (report.Retrieval is { } r)
        {
            sb.AppendLine($"- Tie policy: {r.TiePolicy}.");
            sb.AppendLine($"- {r.VideoToTextVariant}.");
            sb.AppendLine("- R@K = % of queries whose ground truth ranks in the top K; MdR/MnR are 1-based median/mean ranks.");
        }

        if (report.Dataset.MissingCount > 0)
        {
            var shown = report.Dataset.Missing.Take(20).ToList();
            sb.AppendLine($"- {report.Dataset.MissingCount} videos missing from the folder (not evaluated): {string.Join(", ", shown)}{(report.Dataset.MissingCount > shown.Count ? ", ..." : string.Empty)}");
        }

        foreach (var f in report.Dataset.Failed)
        {
            sb.AppendLine($"- failed: {f.Id}: {f.Error}");
        }

        foreach (string note in report.Notes)
        {
            sb.AppendLine($"- {note}");
        }

        return sb.ToString();
    }

    public static string ToSvg(EvaluationReport report)
    {
        var series = new List<RecallSeries>();
        if (report.Retrieval is { } r)
        {
            series.Add(new RecallSeries("t2v", r.TextToVideo.RecallCurve));
            series.Add(new RecallSeries("v2t", r.VideoToText.RecallCurve, Dashed: true));
        }

        return RecallPlot.Render($"{report.Dataset.Name}: {report.Model} ({report.Head})", series);
    }

    internal static readonly IReadOnlyList<string> MetricHeaders = ["direction", "queries", "R@1", "R@5", "R@10", "MdR", "MnR"];

    internal static IReadOnlyList<string> MetricRow(string name, RetrievalMetrics m)
        => [name, I(m.Queries), P(m.R1), P(m.R5), P(m.R10), m.MedianRank.ToString("0.#", CultureInfo.InvariantCulture), P(m.MeanRank)];

    internal static string P(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    internal static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
