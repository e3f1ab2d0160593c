using System.Globalization;
using System.Security;
using System.Text;

namespace VidSearch.Eval.Reports;

/// <summary>One curve of a recall plot: R@K for K = 1..N (percent).</summary>
public sealed record RecallSeries(string Label, IReadOnlyList<double> RecallAtK, bool Dashed = false);

/// <summary>Hand-written SVG line plot of recall at K (K on x from 1 to the longest curve, recall 0-100% on y).</summary>
public static class RecallPlot
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

    public static string Render(string title, IReadOnlyList<RecallSeries> series)
    {
        const int width = 720, height = 440, left = 60, right = 210, top = 40, bottom = 50;
        int plotW = width - left - right, plotH = height - top - bottom;
        int maxK = Math.Max(2, series.Count == 0 ? 2 : series.Max(s => s.RecallAtK.Count));
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        double X(int k) => left + ((k - 1) * plotW / (double)(maxK - 1));
        double Y(double recall) => top + plotH - (Math.Clamp(recall, 0, 100) * plotH / 100.0);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{SecurityElement.Escape(title)}</text>\n");
        for (int r = 0; r <= 100; r += 20)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{F(Y(r))}\" x2=\"{left + plotW}\" y2=\"{F(Y(r))}\" stroke=\"#ddd\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{F(Y(r) + 4)}\" text-anchor=\"end\">{r}</text>\n");
        }

        foreach (int k in new[] { 1, 5, 10, 20, 30, 40, 50 }.Where(k => k <= maxK))
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(X(k))}\" y1=\"{top}\" x2=\"{F(X(k))}\" y2=\"{top + plotH}\" stroke=\"#eee\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(X(k))}\" y=\"{top + plotH + 16}\" text-anchor=\"middle\">{k}</text>\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (plotW / 2)}\" y=\"{height - 12}\" text-anchor=\"middle\">K</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"16\" y=\"{top + (plotH / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {top + (plotH / 2)})\">recall at K (%)</text>\n");
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            string color = Palette[i % Palette.Length];
            string dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : string.Empty;
            string points = string.Join(" ", s.RecallAtK.Select((r, k) => $"{F(X(k + 1))},{F(Y(r))}"));
            sb.Append(CultureInfo.InvariantCulture, $"<polyline class=\"series\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} points=\"{points}\"/>\n");
            double ly = top + 10 + (i * 20);
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left + plotW + 12}\" y1=\"{F(ly)}\" x2=\"{left + plotW + 36}\" y2=\"{F(ly)}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotW + 42}\" y=\"{F(ly + 4)}\">{SecurityElement.Escape(Shorten(s.Label))}</text>\n");
        }

        return sb.Append("</svg>\n").ToString();
    }

    private static string Shorten(string label) => label.Length <= 26 ? label : label[..25] + "…";
}
