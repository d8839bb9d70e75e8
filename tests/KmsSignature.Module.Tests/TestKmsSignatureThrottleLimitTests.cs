using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests;

/// <summary>Test-KmsSignature -ThrottleLimit: verification on worker threads gives the sequential results, in input order.</summary>
public sealed class TestKmsSignatureThrottleLimitTests : IDisposable
{
    private static readonly string[] TokenFiles =
    [
        "es256-p256.jwt", "es256-expired.jwt", "rs256-rsa2048.jwt", "es256-unknown-kid.jwt", "ps256-rsa2048.jwt",
        "es384-p384.jwt", "alg-none.jwt", "es256-not-yet-valid.jwt", "eddsa-ed25519.jwt", "es384-header-on-p256.jwt",
    ];

    private readonly PowerShellSession session = new();
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("kms-throttle-");

    private static string Fixture(string relative) => Path.Combine(RepoPaths.Fixtures, relative);

    public void Dispose()
    {
        session.Dispose();
        work.Delete(true);
    }

    private static string[] Describe(ScriptResult result) =>
        result.Output.Select(o => $"{o.Properties["Status"].Value}|{o.Properties["KeyId"].Value}|{o.Properties["Token"]?.Value}|{o.Properties["Path"]?.Value}").ToArray();

    [Fact]
    public void Many_piped_tokens_give_the_sequential_results_in_input_order()
    {
        // Shuffled repeats of tokens with different outcomes and costs (RSA is fast, ES384 slow), more than the in-flight window.
        var random = new Random(7);
        var files = Enumerable.Range(0, 1500).Select(_ => TokenFiles[random.Next(TokenFiles.Length)]).ToArray();
        var tokens = files.Select(f => File.ReadAllText(Fixture("tokens/" + f)).Trim()).ToArray();
        using var manifest = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Fixture("tokens/manifest.json")));
        var expected = manifest.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("file").GetString()!, e => e.GetProperty("expect").GetString()!);
        var variables = new Dictionary<string, object?> { ["tokens"] = tokens, ["store"] = Fixture("keys/jwks.json") };

        var sequential = session.Run("$tokens | Test-KmsSignature -TrustStore $store", variables).AssertSuccess();
        var parallel = session.Run("$tokens | Test-KmsSignature -TrustStore $store -ThrottleLimit 3", variables).AssertSuccess();

        Assert.Equal(tokens.Length, parallel.Output.Count);
        Assert.Equal(Describe(sequential), Describe(parallel));
        Assert.Equal(tokens, parallel.Output.Select(o => (string)o.Properties["Token"].Value));
        Assert.Equal(files.Select(f => expected[f]), parallel.Output.Select(o => o.Properties["Status"].Value.ToString()));
    }

    [Fact]
    public void Piped_files_keep_order_and_errors_stay_in_place()
    {
        var message = File.ReadAllBytes(Fixture("files/message.txt"));
        var signature = File.ReadAllBytes(Fixture("files/message.txt.sig"));
        for (var i = 0; i < 60; i++)
        {
            var file = Path.Combine(work.FullName, $"f{i:D2}.txt");
            File.WriteAllBytes(file, i % 7 == 3 ? [.. message, (byte)'!'] : message);
            if (i % 10 != 5)
            {
                File.WriteAllBytes(file + ".sig", signature);
            }
        }

        var variables = new Dictionary<string, object?> { ["dir"] = work.FullName, ["key"] = Fixture("keys/p256.pem") };
        const string script = "[IO.DirectoryInfo]::new($dir).GetFiles('*.txt') | Test-KmsSignature -PublicKey $key";
        var sequential = session.Run(script, variables);
        var parallel = session.Run(script + " -ThrottleLimit 2", variables);

        Assert.Null(parallel.Terminating);
        Assert.Equal(Describe(sequential), Describe(parallel));
        // GetFiles lists in directory order, not by name: what each file is comes from its number.
        static int Number(object path) => int.Parse(Path.GetFileName((string)path).AsSpan(1, 2), System.Globalization.CultureInfo.InvariantCulture);
        var results = parallel.Output.Select(o => (Number(o.Properties["Path"].Value), o.Properties["Status"].Value.ToString()!)).OrderBy(r => r.Item1).ToArray();
        Assert.Equal(Enumerable.Range(0, 60).Where(i => i % 10 != 5).Select(i => (i, i % 7 == 3 ? "InvalidSignature" : "Valid")), results);
        Assert.Equal(sequential.Errors.Select(e => e.TargetObject), parallel.Errors.Select(e => e.TargetObject));
        Assert.Equal(Enumerable.Range(0, 60).Where(i => i % 10 == 5).Select(i => Path.Combine(work.FullName, $"f{i:D2}.txt.sig")),
            parallel.Errors.Select(e => (string)e.TargetObject).Order(StringComparer.Ordinal));
        Assert.All(parallel.Errors, e => Assert.Equal("KmsSignature.SignatureFileNotFound", e.FullyQualifiedErrorId.Split(',')[0]));
    }

    [Fact]
    public async Task Piped_files_are_verified_side_by_side_not_one_after_another()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the files are named pipes
        }

        // Two files (named pipes) whose writers send their content only once both files are open at the same time
        // (or after 30 s, where waiting for each other would otherwise be forever): with -ThrottleLimit 2 the two
        // are read side by side. A batch of both on one worker read them one after the other.
        var message = File.ReadAllBytes(Fixture("files/message.txt"));
        var signature = File.ReadAllBytes(Fixture("files/message.txt.sig"));
        using var bothOpen = new CountdownEvent(2);
        var met = 0;
        var files = new string[2];
        var writers = new Task[2];
        for (var i = 0; i < files.Length; i++)
        {
            var file = files[i] = Path.Combine(work.FullName, $"side{i}.txt");
            NamedPipe.Create(file);
            File.WriteAllBytes(file + ".sig", signature);
            writers[i] = Task.Factory.StartNew(() =>
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Write); // waits for the reader
                bothOpen.Signal();
                if (bothOpen.Wait(TimeSpan.FromSeconds(30)))
                {
                    Interlocked.Increment(ref met);
                }

                stream.Write(message);
            }, TaskCreationOptions.LongRunning);
        }

        var result = session.Run("$files | ForEach-Object { [IO.FileInfo]::new($_) } | Test-KmsSignature -PublicKey $key -ThrottleLimit 2",
            new Dictionary<string, object?> { ["files"] = files, ["key"] = Fixture("keys/p256.pem") }).AssertSuccess();
        await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(files, result.Output.Select(o => (string)o.Properties["Path"].Value));
        Assert.All(result.Output, o => Assert.Equal("Valid", o.Properties["Status"].Value.ToString()));
        Assert.Equal(2, met);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void An_unrecognized_input_error_comes_in_its_place_among_the_results(int throttleLimit)
    {
        // 2>&1 merges errors into the output stream, so the order a user sees is the order asserted.
        var good = File.ReadAllText(Fixture("tokens/es256-p256.jwt")).Trim();
        var result = session.Run(
            $"$good, 'not.a.token', 42, $good | Test-KmsSignature -TrustStore $store -ThrottleLimit {throttleLimit} 2>&1 | " +
            "ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { 'Error:' + $_.FullyQualifiedErrorId.Split(',')[0] + ':' + $_.TargetObject } else { [string]$_.Status } }",
            new Dictionary<string, object?> { ["good"] = good, ["store"] = Fixture("keys/jwks.json") });

        Assert.Null(result.Terminating);
        Assert.Equal(["Valid", "Malformed", "Error:KmsSignature.InputNotRecognized:42", "Valid"], result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void ErrorAction_Stop_on_an_unrecognized_input_stops_after_the_results_before_it()
    {
        var good = File.ReadAllText(Fixture("tokens/es256-p256.jwt")).Trim();
        var result = session.Run(
            "$seen = [Collections.Generic.List[object]]::new(); try { $good, $good, 42, $good | Test-KmsSignature -TrustStore $store -ThrottleLimit 2 -ErrorAction Stop | ForEach-Object { $seen.Add($_.Status) } } catch { $seen.Add($_.FullyQualifiedErrorId.Split(',')[0]) }; $seen",
            new Dictionary<string, object?> { ["good"] = good, ["store"] = Fixture("keys/jwks.json") }).AssertSuccess();

        Assert.Equal(["Valid", "Valid", "KmsSignature.InputNotRecognized"], result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public async Task A_pipeline_ended_downstream_verifies_no_more_than_the_files_workers_had_started()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // the files are named pipes, to count how many were opened
        }

        // 200 files (named pipes, whose writers count the readers that open them) and a downstream break after the
        // first result, which disposes the cmdlet without StopProcessing (as Select-Object -First does). Only the files
        // the two workers had already started may be read afterwards, not the rest of the in-flight window (8 batches).
        var message = File.ReadAllBytes(Fixture("files/message.txt"));
        var signature = File.ReadAllBytes(Fixture("files/message.txt.sig"));
        var opened = 0;
        var files = new string[200];
        var writers = new Task[files.Length];
        for (var i = 0; i < files.Length; i++)
        {
            var file = files[i] = Path.Combine(work.FullName, $"p{i:D3}.txt");
            NamedPipe.Create(file);
            File.WriteAllBytes(file + ".sig", signature);
            writers[i] = Task.Factory.StartNew(() =>
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0); // waits for a reader
                Interlocked.Increment(ref opened);
                Thread.Sleep(50); // slower than the producer, so the window is full when the pipeline ends
                try
                {
                    stream.Write(message);
                }
                catch (IOException)
                {
                    // the reader went away (the clean-up below)
                }
            }, TaskCreationOptions.LongRunning);
        }

        try
        {
            var result = session.Run(
                "do { $files | ForEach-Object { [IO.FileInfo]::new($_) } | Test-KmsSignature -PublicKey $key -ThrottleLimit 2 | ForEach-Object { $_; break } } while ($false)",
                new Dictionary<string, object?> { ["files"] = files, ["key"] = Fixture("keys/p256.pem") }).AssertSuccess();
            var atEnd = Volatile.Read(ref opened);
            // Settled: no file opened for two seconds (within 30 s).
            for (var (last, quiet, waited) = (atEnd, 0, 0); quiet < 2000 && waited < 30_000; waited += 250)
            {
                await Task.Delay(250);
                var now = Volatile.Read(ref opened);
                (quiet, last) = now == last ? (quiet + 250, last) : (0, now);
            }

            Assert.Equal(files[0], Assert.Single(result.Output).Properties["Path"].Value);
            Assert.InRange(Volatile.Read(ref opened) - atEnd, 0, 2);
        }
        finally
        {
            // Opening a named pipe read-write does not wait for a writer; it releases the writers still waiting.
            foreach (var file in files)
            {
                using var release = File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            }

            await Task.WhenAll(writers).WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void Quiet_with_throttle_limit_is_false_when_one_token_fails()
    {
        var good = File.ReadAllText(Fixture("tokens/es256-p256.jwt")).Trim();
        var tokens = Enumerable.Repeat(good, 200).Append(File.ReadAllText(Fixture("tokens/es256-expired.jwt")).Trim()).ToArray();

        var result = session.Run("$tokens | Test-KmsSignature -TrustStore $store -ThrottleLimit 2 -Quiet",
            new Dictionary<string, object?> { ["tokens"] = tokens, ["store"] = Fixture("keys/jwks.json") }).AssertSuccess();

        Assert.Equal(false, Assert.Single(result.Output).BaseObject);
    }

    [Fact]
    public void Throttle_limit_below_one_is_rejected()
    {
        var result = session.Run("Test-KmsSignature -Token x -PublicKey $key -ThrottleLimit 0",
            new Dictionary<string, object?> { ["key"] = Fixture("keys/p256.pem") });

        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.Equal("ParameterArgumentValidationError", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Empty(result.Output);
    }
}
