using System.Diagnostics;
using KmsSignature.Core.Keys;

namespace KmsSignature.Bench;

/// <summary>Runs started as separate processes, so the main run's heap and loaded assemblies do not pollute them.</summary>
internal static class ChildModes
{
    public static int Run(BenchOptions options)
    {
        switch (options.Mode)
        {
            case "memory":
                Memory(options.Count);
                return 0;
            case "import":
                Import();
                return 0;
            default:
                throw new ArgumentException($"Unknown mode '{options.Mode}'.");
        }
    }

    /// <summary>What the memory row streams the tokens through: results are counted as they come, not kept.</summary>
    public const string MemoryPipeline = "Test-KmsSignature -TrustStore $jwks -ThrottleLimit 2 | Measure-VerificationResults";

    // Prints "memory <peak working set bytes> <tokens/s> <every token checked and valid> <managed heap bytes after a full GC>".
    private static void Memory(int count)
    {
        var set = TokenSet.Create("RS256", 200);
        var dir = Directory.CreateTempSubdirectory("bench-memory-").FullName;
        try
        {
            var jwks = Path.Combine(dir, "keys.jwks");
            File.WriteAllText(jwks, PublicKey.ToJwks([set.Key]));
            var tokens = Path.Combine(dir, "tokens.txt");
            using (var writer = new StreamWriter(tokens))
            {
                for (var i = 0; i < count; i++)
                {
                    writer.WriteLine(set.Tokens[i % set.Tokens.Length]);
                }
            }

            using var runspace = Repo.NewRunspace();
            var watch = Stopwatch.StartNew();
            var output = Repo.Run(runspace, $"[IO.File]::ReadLines($f) | {MemoryPipeline}", ("f", tokens), ("jwks", jwks));
            var rate = count / watch.Elapsed.TotalSeconds;
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            // What is still reachable once the GC has run: flat if nothing per token is kept.
            var live = GC.GetTotalMemory(forceFullCollection: true);
            Console.WriteLine($"memory {self.PeakWorkingSet64} {rate:F0} {output.Count == 1 && output[0].BaseObject is long[] counts && counts[0] == count && counts[1] == count} {live}");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    // Prints "import <Import-Module ms> <first verification ms>".
    private static void Import()
    {
        // From the parent, so nothing before the clock loads Core or warms the platform's crypto (a fresh shell has neither).
        var token = Environment.GetEnvironmentVariable("BENCH_IMPORT_TOKEN") ?? throw new InvalidOperationException("BENCH_IMPORT_TOKEN is not set.");
        var pem = Environment.GetEnvironmentVariable("BENCH_IMPORT_PEM") ?? throw new InvalidOperationException("BENCH_IMPORT_PEM is not set.");
        var state = System.Management.Automation.Runspaces.InitialSessionState.CreateDefault2();
        using var runspace = System.Management.Automation.Runspaces.RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        Repo.Run(runspace, "$null");
        var watch = Stopwatch.StartNew();
        Repo.Run(runspace, "Import-Module $m", ("m", Repo.ModuleManifest));
        var import = watch.Elapsed.TotalMilliseconds;
        watch.Restart();
        var result = Repo.Run(runspace, "Test-KmsSignature -Token $t -PublicKey $pem", ("t", token), ("pem", pem));
        var first = watch.Elapsed.TotalMilliseconds;
        Rows.Check(result.Count == 1 && result[0].Properties["IsValid"].Value is true);
        // As in a user's shell, Core must have come from the module's lib/ through its load context, not from this app.
        var core = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "KmsSignature.Core");
        Rows.Check(System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(core) != System.Runtime.Loader.AssemblyLoadContext.Default);
        Console.WriteLine($"import {import:F0} {first:F0}");
    }
}
