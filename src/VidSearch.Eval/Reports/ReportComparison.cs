using System.Text;
using VidSearch.Core;

namespace VidSearch.Eval.Reports;

/// <summary>
/// Several runs side by side: one table row per run and direction, and one SVG with every run's recall curves.
/// Runs on different datasets or splits (by hash) are compared but flagged, since their figures are not comparable.
/// </summary>
public static class ReportComparison
{
    public sealed record NamedReport(string Name, EvaluationReport Report);

    public static IReadOnlyList<NamedReport> Load(IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            throw VidSearchException.Argument("reports", "give at least one REPORT.json");
        }

        var names = files.Select(f => Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(f))) is { Length: > 0 } dir && Path.GetFileName(f) == "report.json" ? dir : Path.GetFileNameWithoutExtension(f)).ToList();
        return files.Select((f, i) => new NamedReport(names.Count(n => n == names[i]) > 1 ? $"{names[i]}#{i + 1}" : names[i], ReportWriter.ReadJson(f))).ToList();
    }

    public static ReportTable Table(IReadOnlyList<NamedReport> runs)
    {
        var rows = new List<IReadOnlyList<string>>();
        foreach (var run in runs)
        {
            var r = run.Report;
            string dataset = $"{r.Dataset.Name} [{r.Dataset.Hash}]";
            if (r.Retrieval is { } ret)
            {
                rows.Add([run.Name, r.Model, r.Head, dataset, .. ReportWriter.MetricRow("t2v", ret.TextToVideo)]);
                rows.Add([run.Name, r.Model, r.Head, dataset, .. ReportWriter.MetricRow("v2t", ret.VideoToText)]);
            }
            else
            {
                rows.Add([run.Name, r.Model, r.Head, dataset, "(no retrieval)", "", "", "", "", "", ""]);
            }
        }

        return new ReportTable("Comparison", ["run", "model", "head", "dataset", .. ReportWriter.MetricHeaders], rows);
    }

    /// <summary>Warnings when runs differ in dataset or split, so figures are not comparable.</summary>
    public static IReadOnlyList<string> Warnings(IReadOnlyList<NamedReport> runs)
    {
        var warnings = new List<string>();
        if (runs.Select(r => (r.Report.Dataset.Hash, r.Report.Dataset.Split)).Distinct().Count() > 1)
        {
            warnings.Add("runs were made on different datasets or splits (different hashes): their figures are not comparable");
        }

        if (runs.Select(r => r.Report.Dataset.Evaluated).Distinct().Count() > 1)
        {
            warnings.Add("runs evaluated different numbers of videos (missing or failed files differ)");
        }

        return warnings;
    }

    public static string ToMarkdown(IReadOnlyList<NamedReport> runs)
    {
        var sb = new StringBuilder("# Comparison\n\n");
        sb.Append(Table(runs).ToMarkdown());
        foreach (string w in Warnings(runs))
        {
            sb.AppendLine($"- warning: {w}");
        }

        return sb.ToString();
    }

    public static string ToSvg(IReadOnlyList<NamedReport> runs)
    {
        var series = new List<RecallSeries>();
        foreach (var run in runs.Where(r => r.Report.Retrieval is not null))
        {
            series.Add(new RecallSeries($"{run.Name} t2v", run.Report.Retrieval!.TextToVideo.RecallCurve));
            series.Add(new RecallSeries($"{run.Name} v2t", run.Report.Retrieval!.VideoToText.RecallCurve, Dashed: true));
        }

        return RecallPlot.Render("Recall at K", series);
    }
}
