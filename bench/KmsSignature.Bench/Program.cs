using System.Diagnostics;
using System.Globalization;
using KmsSignature.Bench;

// dotnet run -c Release --project bench/KmsSignature.Bench [-- --quick] [-- --only verify|cmdlet|files|memory|signing|import]
// Child modes (started by the run itself so their memory and load timings are clean): --mode memory|import.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
var options = BenchOptions.Parse(args);
if (options.Mode is not null)
{
    return ChildModes.Run(options);
}

Measure.Seconds = options.Quick ? 0.3 : 0.5;
Measure.Rounds = options.Quick ? 2 : 4;
var table = new ResultTable();
var clock = Stopwatch.StartNew();
Console.WriteLine("| # | measurement | result | ratio | target | verdict | note |");
var rows = new Rows(options, table);
foreach (var section in new[] { "verify", "profile", "cmdlet", "files", "memory", "signing", "import" })
{
    if (options.Only is null || options.Only.Contains(section))
    {
        await rows.RunAsync(section);
    }
}

var header = $"# KmsSignature throughput ({(options.Quick ? "quick run" : "full run")})\n\n"
    + $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}. "
    + $"Run took {clock.Elapsed.TotalSeconds:0} s. Ratios are against rows of the same run; each rate is the best of {Measure.Rounds} round(s) of {Measure.Seconds} s. "
    + "The machine is shared with other builds, so absolute numbers wobble by several percent between runs.";
var markdown = table.ToMarkdown(header);
var name = options.Quick || options.Only is not null ? "partial.md" : "latest.md";
var path = Path.Combine(Repo.Root, "bench", "results", name);
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
File.WriteAllText(path, markdown);
Console.WriteLine($"Wrote {path}");
return 0;
