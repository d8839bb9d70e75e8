using System.Management.Automation;
using System.Security.Cryptography;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>
/// Test-KmsSignature's progress: a long run shows how far it got (at most twice a second) and clears the bar at
/// the end; a short run shows nothing. "Long" is made with input that arrives late, not with big workloads.
/// </summary>
public sealed class TestKmsSignatureProgressTests : IDisposable
{
    private const string Activity = "Verifying signatures offline";

    private readonly PowerShellSession session = new();
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("kms-progress-");

    public void Dispose()
    {
        session.Dispose();
        work.Delete(true);
    }

    private static string Fixture(string relative) => Path.Combine(RepoPaths.Fixtures, relative);

    private static string Token(string file) => File.ReadAllText(Fixture($"tokens/{file}"));

    [Fact]
    public void Piped_tokens_that_take_long_report_counts_and_clear_the_bar()
    {
        // The third token arrives 0.7 s after the first two, so a record is due when it is checked.
        var result = session.Run(
            "& { $valid; $expired; [Threading.Thread]::Sleep(700); $valid } | Test-KmsSignature -TrustStore $store",
            new Dictionary<string, object?>
            {
                ["valid"] = Token("es256-p256.jwt"),
                ["expired"] = Token("es256-expired.jwt"),
                ["store"] = Fixture("keys/jwks.json"),
            }).AssertSuccess();

        Assert.Equal(["Valid", "Expired", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        Assert.All(result.Progress, p => Assert.Equal(Activity, p.Activity));
        var last = result.Progress.Last(p => p.RecordType == ProgressRecordType.Processing);
        Assert.StartsWith("3 done, 1 not valid or unreadable, ", last.StatusDescription);
        Assert.Equal(-1, last.PercentComplete); // piped input: the total is unknown
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
    }

    [Fact]
    public void A_short_run_writes_no_progress()
    {
        var variables = new Dictionary<string, object?>
        {
            ["tokens"] = new[] { Token("es256-p256.jwt"), Token("rs256-rsa2048.jwt"), "not.a.token" },
            ["store"] = Fixture("keys/jwks.json"),
        };
        // A first run pays for loading and JIT, which can take half a second on a busy machine; the second is measured.
        session.Run("$tokens | Test-KmsSignature -TrustStore $store", variables).AssertSuccess();

        var result = session.Run("$tokens | Test-KmsSignature -TrustStore $store", variables).AssertSuccess();

        Assert.Equal(3, result.Output.Count);
        Assert.Empty(result.Progress);
    }

    [Fact]
    public async Task Path_reports_the_share_of_matched_files_done()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the slow file is a named pipe
        }

        // a.bin and c.bin are ordinary; b.bin is a named pipe whose bytes arrive 0.7 s after it is opened.
        // The record written when b.bin is done says 2 of 3 files.
        var message = File.ReadAllBytes(Fixture("files/message.txt"));
        var signature = File.ReadAllBytes(Fixture("files/message.txt.p256.der.sig"));
        foreach (var name in new[] { "a.bin", "b.bin", "c.bin" })
        {
            File.WriteAllBytes(Path.Combine(work.FullName, name + ".sig"), signature);
        }

        File.WriteAllBytes(Path.Combine(work.FullName, "a.bin"), message);
        File.WriteAllBytes(Path.Combine(work.FullName, "c.bin"), message);
        var writer = SlowFile(Path.Combine(work.FullName, "b.bin"), [], message);

        var result = session.Run("Test-KmsSignature -Path ([IO.Path]::Combine($dir, '*.bin')) -PublicKey $key",
            new Dictionary<string, object?> { ["dir"] = work.FullName, ["key"] = Fixture("keys/p256.pem") }).AssertSuccess();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["Valid", "Valid", "Valid"], result.Output.Select(o => o.Properties["Status"].Value.ToString()));
        var last = result.Progress.Last(p => p.RecordType == ProgressRecordType.Processing);
        Assert.StartsWith("2 done, 0 not valid or unreadable, ", last.StatusDescription);
        Assert.Equal(66, last.PercentComplete);
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
    }

    [Fact]
    public async Task A_large_file_shows_its_own_bar_under_the_overall_one_while_it_is_hashed()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the slow file is a named pipe
        }

        var result = await RunOverSlowLargeFile("Test-KmsSignature -LiteralPath $path -PublicKey $key", delayMilliseconds: 700);

        AssertLargeFileBar(result);
        Assert.Contains(result.Progress, p => p.ActivityId == 1 && p.RecordType == ProgressRecordType.Processing);
    }

    [Fact]
    public async Task With_ThrottleLimit_a_large_file_hashed_on_a_worker_shows_its_own_bar_while_the_pipeline_waits()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the slow file is a named pipe
        }

        // The rest comes 1.5 s later: the pipeline thread waits for the worker meanwhile, and only it may write progress.
        var result = await RunOverSlowLargeFile("[IO.FileInfo]::new($path) | Test-KmsSignature -PublicKey $key -ThrottleLimit 2", delayMilliseconds: 1500);

        AssertLargeFileBar(result);
        Assert.StartsWith("0 done, 0 not valid or unreadable, ", result.Progress.First(p => p.ActivityId == 1).StatusDescription);
    }

    // A file's name is chosen by whoever sent it: raw in the bar's activity, "\e[2K" and "\r" rewrite the console line as
    // they would in a reason or a view.
    [Fact]
    public async Task A_large_file_s_bar_shows_control_characters_of_its_name_escaped()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the slow file is a named pipe (and Windows refuses control characters in file names)
        }

        var result = await RunOverSlowLargeFile("Test-KmsSignature -LiteralPath $path -PublicKey $key", delayMilliseconds: 700, name: "big\u001b[2K\rValid.bin");

        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
        Assert.Equal("Hashing big\\u001B[2K\\u000DValid.bin", result.Progress.First(p => p.ActivityId == 2).Activity);
    }

    // Runs script with $path = big.bin (or name), a named pipe that gives 1 MiB (one read buffer), then the rest after
    // delayMilliseconds, and $key = the PEM of the P-256 key its .sig was made with.
    private async Task<ScriptResult> RunOverSlowLargeFile(string script, int delayMilliseconds, string name = "big.bin")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var message = new byte[(2 << 20) + 5];
        new Random(delayMilliseconds).NextBytes(message);
        var path = Path.Combine(work.FullName, name);
        File.WriteAllBytes(path + ".sig", key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var writer = SlowFile(path, message[..(1 << 20)], message[(1 << 20)..], delayMilliseconds);

        var result = session.Run(script,
            new Dictionary<string, object?> { ["path"] = path, ["key"] = key.ExportSubjectPublicKeyInfoPem() }).AssertSuccess();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        return result;
    }

    private static void AssertLargeFileBar(ScriptResult result)
    {
        Assert.Equal("Valid", result.Output.Single().Properties["Status"].Value.ToString());
        var detail = result.Progress.First(p => p.ActivityId == 2);
        Assert.Equal("Hashing big.bin", detail.Activity);
        Assert.Equal(1, detail.ParentActivityId);
        Assert.Matches("^[12] MiB$", detail.StatusDescription); // a pipe has no length, so no "of N MiB" and no percentage
        Assert.Equal(-1, detail.PercentComplete);
        Assert.Equal([(2, ProgressRecordType.Completed), (1, ProgressRecordType.Completed)],
            result.Progress.TakeLast(2).Select(p => (p.ActivityId, p.RecordType)));
    }

    // A named pipe at path whose writer sends `first` once a reader opens it, then `rest` 0.7 s later (or after
    // `delayMilliseconds`), like a file on a slow share.
    private static Task SlowFile(string path, byte[] first, byte[] rest, int delayMilliseconds = 700)
    {
        NamedPipe.Create(path);
        return Task.Run(() =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write); // waits for the reader
            stream.Write(first);
            stream.Flush();
            Thread.Sleep(delayMilliseconds);
            stream.Write(rest);
        });
    }
}
