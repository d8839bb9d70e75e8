using System.Globalization;
using System.Text;

namespace KmsSignature.Bench;

/// <summary>The markdown table the run prints and writes to bench/results/latest.md.</summary>
internal sealed class ResultTable
{
    private readonly List<string> rows = [];
    private readonly List<string> notes = [];

    public void Add(string row, string what, double value, string unit = "ops/s", double? reference = null, string target = "", bool? pass = null, string note = "")
    {
        var ratio = reference is > 0 ? (value / reference.Value).ToString("P1", CultureInfo.InvariantCulture) : "";
        var verdict = pass is null ? "" : pass.Value ? "pass" : "**FAIL**";
        var line = $"| {row} | {what} | {Format(value)} {unit} | {ratio} | {target} | {verdict} | {note} |";
        rows.Add(line);
        Console.WriteLine(line);
    }

    /// <summary>A row a section's child process printed, taken as it is.</summary>
    public void AddPrinted(string line)
    {
        rows.Add(line);
        Console.WriteLine(line);
    }

    public void Note(string text)
    {
        notes.Add(text);
        Console.WriteLine("note: " + text);
    }

    public string ToMarkdown(string header)
    {
        var text = new StringBuilder();
        text.AppendLine(header).AppendLine();
        text.AppendLine("| # | measurement | result | ratio | target | verdict | note |");
        text.AppendLine("|---|---|---:|---:|---|---|---|");
        rows.ForEach(r => text.AppendLine(r));
        text.AppendLine();
        notes.ForEach(n => text.AppendLine("- " + n));
        return text.ToString();
    }

    private static string Format(double value) => value >= 100
        ? value.ToString("N0", CultureInfo.InvariantCulture)
        : value.ToString("0.###", CultureInfo.InvariantCulture);
}
