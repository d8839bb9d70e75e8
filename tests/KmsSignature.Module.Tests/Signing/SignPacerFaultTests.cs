namespace KmsSignature.Module.Tests.Signing;

/// <summary>
/// Bulk signing against a KMS that fails every call under a quota. A class of its own: its LocalKms (and so the Sign pacer,
/// one per connection for the session's life) is shared with no test that needs a pacer that has not learned a quota yet.
/// </summary>
public sealed class SignPacerFaultTests(SigningFixture fixture) : IClassFixture<SigningFixture>, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("kmssig-pacer-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static Dictionary<string, object?> Vars(params (string Name, object? Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    // Under a quota, calls that KMS answers with a fault were taken as no calls at all: with every call failing, the pacer
    // read the rate KMS let through as zero and cut to 1/s at the next throttle, and the retries of the calls in flight
    // waited in its line (an endpoint that went down mid-run ended the run after 200 s, not 8). Answered is not throttled.
    [Fact]
    public async Task Calls_failing_under_a_quota_keep_the_pacer_at_the_rate_KMS_answers_and_each_file_gets_its_error()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        var files = Enumerable.Range(0, 24).Select(i =>
        {
            var path = Path.Combine(directory, $"failing-{i:D2}.bin");
            File.WriteAllBytes(path, new byte[64 + i]);
            return path;
        }).ToArray();
        using var faults = fixture.FaultsOnSign(sign =>
        {
            sign.RequestsPerSecond = 20;
            sign.ErrorProbability = 1;
            sign.ErrorStatusCode = 503;
        });
        using var session = fixture.NewSession();
        var before = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("$files | New-KmsSignature -KeyId $k -ThrottleLimit 24 -Verbose @kmsSigner", Vars(("files", files), ("k", arn)));

        Assert.Null(result.Terminating);
        Assert.Empty(result.Output);
        Assert.Equal(files, result.Errors.Select(e => (string)e.TargetObject));
        Assert.All(result.Errors, e => Assert.StartsWith("KmsSignature.KmsServiceUnavailable,", e.FullyQualifiedErrorId));
        var rates = result.Verbose.Where(v => v.Contains("pacing Sign calls at", StringComparison.Ordinal)).ToList();
        // Four attempts per file (SigningKey.MaxFailedAttempts) and throttled ones on top.
        Assert.True(rates.Count > 0 && fixture.Kms.Counters.Count("Sign") - before > files.Length * 4, "KMS never throttled: the test did not test pacing");
        Assert.DoesNotContain(rates, v => v.EndsWith(" at 1/s.", StringComparison.Ordinal)); // RequestPacer.MinimumRate
        Assert.DoesNotContain(Directory.GetFiles(directory), f => f.EndsWith(".sig", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(directory, ".kmssig-*"));
    }
}
