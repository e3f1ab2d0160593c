namespace VidSearch.Eval.Reports;

/// <summary>A titled table of strings: the data the CLI renders with Spectre and the markdown writer prints.</summary>
public sealed record ReportTable(string Title, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    public string ToMarkdown()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"### {Title}").AppendLine();
        sb.AppendLine("| " + string.Join(" | ", Headers.Select(Escape)) + " |");
        sb.AppendLine("|" + string.Concat(Headers.Select(_ => " --- |")));
        foreach (var row in Rows)
        {
            sb.AppendLine("| " + string.Join(" | ", row.Select(Escape)) + " |");
        }

        return sb.AppendLine().ToString();
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
