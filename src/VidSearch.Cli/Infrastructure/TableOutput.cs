using Spectre.Console;
using VidSearch.Eval.Reports;

namespace VidSearch.Cli.Infrastructure;

/// <summary>Renders the library's <see cref="ReportTable"/> data as Spectre tables on stdout.</summary>
public static class TableOutput
{
    public static void Write(ReportTable data)
    {
        var table = new Table { Title = new TableTitle(Markup.Escape(data.Title)) };
        foreach (string header in data.Headers)
        {
            table.AddColumn(new TableColumn(Markup.Escape(header)));
        }

        foreach (var row in data.Rows)
        {
            table.AddRow(row.Select(cell => new Text(cell)).ToArray());
        }

        // A console over the current Console.Out (not Spectre's static one, which keeps the first writer it saw).
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        console.Write(table);
    }
}
