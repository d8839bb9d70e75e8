using System.Diagnostics;
using System.Globalization;
using KmsSignature.Bench;

// dotnet run -c Release --project bench/KmsSignature.Bench [-- --quick] [-- --only verify,profile,cmdlet,files,memory,signing,import]
// Each section runs in a fresh child process (--section NAME), like a new shell: no section measures on a heap, JIT
// state or thread pool that an earlier section left behind. Child modes for single measurements: --mode memory|import.
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
if (options.Section is not null)
{
    await new Rows(options, table).RunAsync(options.Section);
    return 0;
}

var clock = Stopwatch.StartNew();
Console.WriteLine("| # | measurement | result | ratio | target | verdict | note |");
foreach (var section in Rows.Sections)
{
    if (options.Only is null || options.Only.Contains(section))
    {
        RunSection(section);
    }
}

var kind = options.Only is not null ? $"sections {string.Join(", ", Rows.Sections.Where(options.Only.Contains))}" : "all sections";
var header = $"# KmsSignature throughput ({(options.Quick ? "quick run" : "full run")}, {kind})\n\n"
    + $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Repo.Commit()}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}. "
    + $"Run took {clock.Elapsed.TotalSeconds:0} s. Each section runs in a fresh process; ratios compare rows of the same section, measured interleaved; each rate is the best of {Measure.Rounds} round(s) of {Measure.Seconds} s. "
    + "The machine is shared with other builds, so absolute numbers wobble by several percent between runs.";
var markdown = table.ToMarkdown(header);
var name = options.Quick || options.Only is not null ? "partial.md" : "latest.md";
var path = Path.Combine(Repo.Root, "bench", "results", name);
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
File.WriteAllText(path, markdown);
Console.WriteLine($"Wrote {path}");
return 0;

// The child prints its rows and notes; they are collected here in order, anything else is passed through.
void RunSection(string section)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
    start.ArgumentList.Add("--section");
    start.ArgumentList.Add(section);
    if (options.Quick)
    {
        start.ArgumentList.Add("--quick");
    }

    using var child = Process.Start(start)!;
    while (child.StandardOutput.ReadLine() is { } line)
    {
        if (line.StartsWith("| ", StringComparison.Ordinal))
        {
            table.AddPrinted(line);
        }
        else if (line.StartsWith("note: ", StringComparison.Ordinal))
        {
            table.Note(line["note: ".Length..]);
        }
        else
        {
            Console.WriteLine(line);
        }
    }

    child.WaitForExit();
    if (child.ExitCode != 0)
    {
        throw new InvalidOperationException($"The {section} section failed (exit {child.ExitCode}); its output is above.");
    }
}
