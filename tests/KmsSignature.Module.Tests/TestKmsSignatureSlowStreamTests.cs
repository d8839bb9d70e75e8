using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// Tests that time how results come out run alone. Beside the other test classes (sessions, an in-process LocalKms
/// serving pwsh children), -ThrottleLimit's batches can wait for a thread-pool thread or a core, and the timing then
/// measures the neighbours: once in a clean-clone CI run the last six of 40 results came out only at the end.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}

/// <summary>Test-KmsSignature -ThrottleLimit over a slow input stream: results come out while the input still comes.</summary>
[Collection(TimingCollection.Name)]
public sealed class TestKmsSignatureSlowStreamTests : IDisposable
{
    private readonly PowerShellSession session = new();

    private static string Fixture(string relative) => Path.Combine(RepoPaths.Fixtures, relative);

    public void Dispose() => session.Dispose();

    [Fact]
    public void A_slowly_fed_pipeline_gets_its_results_while_tokens_still_come_not_a_batch_later()
    {
        // A token now and then (a log being followed): a result is written when the next token comes in, once a worker has
        // checked it; results must not wait for a batch of tokens that may take minutes to arrive. Batches of 16 held
        // the last 4 to 9 results of 40 until the input ended; now only those still being checked when it ends wait.
        var good = File.ReadAllText(Fixture("tokens/es256-p256.jwt")).Trim();
        // The workers are thread-pool work. Twice in about a dozen clean-clone CI runs the last six or seven results waited
        // for the end, a stall of over half a second, at the end of the assembly's run; alone, even beside the Core tests
        // loading both cores, it never did. The likeliest cause (not proven): leftovers of earlier tests holding pool threads,
        // and the pool adding threads only about twice a second. More threads at hand keep the pool's growth out of what is
        // measured (the runner's own dispatch); the failure message shows the pool as it was.
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        ThreadPool.SetMinThreads(minWorkers + 8, minIo);
        using var restore = new Restore(() => ThreadPool.SetMinThreads(minWorkers, minIo));
        var result = session.Run(
            "$script:given = 0; " +
            "& { foreach ($i in 1..40) { $script:given++; $good; [Threading.Thread]::Sleep(100) } } | " +
            "Test-KmsSignature -TrustStore $store -ThrottleLimit 2 | ForEach-Object { '{0}|{1}' -f $script:given, $_.Status }",
            new Dictionary<string, object?> { ["good"] = good, ["store"] = Fixture("keys/jwks.json") }).AssertSuccess();

        // How many tokens had been handed in when each result came out.
        var seen = result.Output.Select(o => o.ToString().Split('|')).ToArray();
        Assert.Equal(40, seen.Length);
        Assert.All(seen, s => Assert.Equal("Valid", s[1]));
        var given = seen.Select(s => int.Parse(s[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(given.Count(g => g == 40) <= 3,
            $"tokens handed in when each result came out: {string.Join(", ", given)}; thread pool after the run: {ThreadPool.ThreadCount} threads, "
            + $"{ThreadPool.PendingWorkItemCount} work items pending");
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
