using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using VidSearch.Core;

namespace VidSearch.Retrieval.Ablation;

/// <summary>Writes ablation.md (tables), ablation.json and ablation.svg (t2v R@1 and reversal accuracy per row).</summary>
public static class AblationReportWriter
{
    public static IReadOnlyList<string> Write(AblationReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        string md = Path.Combine(directory, "ablation.md");
        string json = Path.Combine(directory, "ablation.json");
        string svg = Path.Combine(directory, "ablation.svg");
        Training.AtomicFile.WriteAllText(md, Markdown(report));
        Training.AtomicFile.WriteAllText(json, JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        }));
        Training.AtomicFile.WriteAllText(svg, Chart(report));
        return [md, json, svg];
    }

    public static string Markdown(AblationReport r)
    {
        var ic = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(ic, $"World `{r.World}`, CLIP `{r.Model}`, sampling {r.Sampling}, seed {r.Seed}, {r.Epochs} epochs, started {r.StartedUtc:yyyy-MM-dd HH:mm} UTC, {r.TotalSeconds:F0} s in all.");
        sb.AppendLine();
        sb.AppendLine("Set sizes (clips): " + string.Join(", ", r.SetSizes.Select(p => $"{p.Key} {p.Value}")) + ".");
        sb.AppendLine();
        sb.AppendLine("| config | t2v R@1 | R@5 | R@10 | MdR | MnR | v2t R@1 | R@5 | R@10 | MdR | MnR | reversal acc | compositional R@1 | actions top-1 | few-shot top-1 | open-set unseen top-1 | choice acc | train s |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in r.Rows)
        {
            var t = row.TextToVideo;
            var v = row.VideoToText;
            sb.AppendLine(ic, $"| {row.Config} | {t.R1:F1} | {t.R5:F1} | {t.R10:F1} | {t.MedianRank:0.#} | {t.MeanRank:F1} | {v.R1:F1} | {v.R5:F1} | {v.R10:F1} | {v.MedianRank:0.#} | {v.MeanRank:F1} | {F(row.ReversalAccuracy)} | {F(row.CompositionalT2vR1)} | {F(row.ActionsTop1)} | {F(row.FewShotTop1)} | {F(row.OpenSetUnseenTop1)} | {F(row.ChoiceAccuracy)} | {row.TrainSeconds:F0} |");
        }

        sb.AppendLine();
        sb.AppendLine("Re-ranking of the retrieval test (t2v R@1; offline, uses all test queries / a bank of training captions):");
        sb.AppendLine();
        sb.AppendLine("| config | t2v R@1 | + DSL | + QB-Norm | val t2v R@1 (last epoch) | training |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var row in r.Rows)
        {
            sb.AppendLine(ic, $"| {row.Config} | {row.TextToVideo.R1:F1} | {row.DslT2vR1:F1} | {row.QbNormT2vR1:F1} | {F(row.ValidationT2vR1)} | {row.Training} |");
        }

        var scaled = r.Rows.Where(x => x.TemporalScales is not null).ToList();
        if (scaled.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Learned temporal-attention scales per vision layer (initialised at 0):");
            sb.AppendLine();
            sb.AppendLine("| config | " + string.Join(" | ", Enumerable.Range(0, scaled[0].TemporalScales!.Length).Select(i => $"layer {i}")) + " |");
            sb.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" ---: |", scaled[0].TemporalScales!.Length)));
            foreach (var row in scaled)
            {
                sb.AppendLine($"| {row.Config} | " + string.Join(" | ", row.TemporalScales!.Select(s => s.ToString("F4", ic))) + " |");
            }
        }

        var detailed = r.Rows.Where(x => x.ReversalFamilies is not null).ToList();
        if (detailed.Count > 0)
        {
            var families = detailed.SelectMany(x => x.ReversalFamilies!.Keys.Concat(x.ReversalValFamilies?.Keys ?? [])).Distinct().Order(StringComparer.Ordinal).ToList();
            var first = detailed[0];
            sb.AppendLine();
            sb.AppendLine("Reversal accuracy per event family, test split (test-only caption templates) / val split (unseen clips, train templates); chance 50 %:");
            sb.AppendLine();
            sb.AppendLine("| config | train clips (seen) | all | " + string.Join(" | ", families.Select(f => $"{f} ({Queries(first.ReversalFamilies, f)}/{Queries(first.ReversalValFamilies, f)} q)")) + " |");
            sb.AppendLine("| --- | ---: | ---: |" + string.Concat(Enumerable.Repeat(" ---: |", families.Count)));
            foreach (var row in detailed)
            {
                sb.AppendLine($"| {row.Config} | {F(row.ReversalTrainAccuracy)} | {F(row.ReversalAccuracy)} / {F(row.ReversalValAccuracy)} | " +
                    string.Join(" | ", families.Select(f => $"{F(row.ReversalFamilies!.GetValueOrDefault(f)?.Accuracy)} / {F(row.ReversalValFamilies?.GetValueOrDefault(f)?.Accuracy)}")) + " |");
            }
        }

        var probed = r.Rows.Where(x => x.Probes is { Count: > 0 }).ToList();
        if (probed.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("Linear probes on the reversal pairs (logistic regression, train split -> test split, accuracy %, chance 50): order = direction from");
            sb.AppendLine("(later half - earlier half) of the frame embeddings; state = start/end state (side, size, presence) from ONE frame embedding;");
            sb.AppendLine("text = direction learned on train-template caption embeddings, tested on test-template captions.");
            sb.AppendLine();
            sb.AppendLine("| frames of | family | train / test clips | order | state | text |");
            sb.AppendLine("| --- | --- | ---: | ---: | ---: | ---: |");
            foreach (var row in probed)
            {
                foreach (var p in row.Probes!)
                {
                    sb.AppendLine(ic, $"| {row.Config} | {p.Family} | {p.TrainClips} / {p.TestClips} | {F(p.Order)} | {F(p.State)} | {F(p.Text)} |");
                }
            }
        }

        return sb.ToString();
    }

    private static string Queries(IReadOnlyDictionary<string, FamilyReversal>? families, string family) =>
        families?.GetValueOrDefault(family)?.Queries.ToString(CultureInfo.InvariantCulture) ?? "0";

    private static string F(double? value) => value is double v ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";

    public static string Chart(AblationReport r)
    {
        var ic = CultureInfo.InvariantCulture;
        const int rowHeight = 26, left = 230, barWidth = 300, top = 40;
        int height = top + r.Rows.Count * rowHeight + 40;
        var sb = new StringBuilder();
        sb.AppendLine(ic, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{left + barWidth + 80}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">");
        sb.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        sb.AppendLine(ic, $"<text x=\"10\" y=\"20\" font-size=\"14\">t2v R@1 (blue) and reversal accuracy (orange), % - seed {r.Seed}</text>");
        double chance = left + barWidth * 0.5;
        sb.AppendLine(ic, $"<line x1=\"{chance:F1}\" y1=\"{top - 5}\" x2=\"{chance:F1}\" y2=\"{height - 30}\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>");
        sb.AppendLine(ic, $"<text x=\"{chance + 3:F1}\" y=\"{height - 18}\" fill=\"#666\">50% (reversal chance)</text>");
        for (int i = 0; i < r.Rows.Count; i++)
        {
            var row = r.Rows[i];
            int y = top + i * rowHeight;
            sb.AppendLine(ic, $"<text x=\"{left - 6}\" y=\"{y + 14}\" text-anchor=\"end\">{WebUtility.HtmlEncode(row.Config)}</text>");
            double w1 = barWidth * row.TextToVideo.R1 / 100;
            sb.AppendLine(ic, $"<rect x=\"{left}\" y=\"{y + 2}\" width=\"{w1:F1}\" height=\"10\" fill=\"#3b6fb6\"/>");
            sb.AppendLine(ic, $"<text x=\"{left + w1 + 4:F1}\" y=\"{y + 11}\" font-size=\"10\">{row.TextToVideo.R1:F1}</text>");
            if (row.ReversalAccuracy is double rev)
            {
                double w2 = barWidth * rev / 100;
                sb.AppendLine(ic, $"<rect x=\"{left}\" y=\"{y + 13}\" width=\"{w2:F1}\" height=\"10\" fill=\"#e08a2c\"/>");
                sb.AppendLine(ic, $"<text x=\"{left + w2 + 4:F1}\" y=\"{y + 22}\" font-size=\"10\">{rev:F1}</text>");
            }
        }

        sb.AppendLine("</svg>");
        return sb.ToString();
    }
}
