using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Signing;

/// <summary>New-KmsSignedJwt against LocalKms through the real SDK client, checked by independent verifiers.</summary>
public sealed class NewKmsSignedJwtTests(SigningFixture fixture) : IClassFixture<SigningFixture>
{
    public static readonly (string Alg, string KeySpec)[] EveryAlgorithm =
    [
        ("RS256", "RSA_2048"), ("RS384", "RSA_2048"), ("RS512", "RSA_2048"), ("PS256", "RSA_2048"), ("PS384", "RSA_2048"), ("PS512", "RSA_2048"),
        ("ES256", "ECC_NIST_P256"), ("ES384", "ECC_NIST_P384"), ("ES512", "ECC_NIST_P521"), ("ES256K", "ECC_SECG_P256K1"),
        ("Ed25519", "ECC_NIST_EDWARDS25519"), ("EdDSA", "ECC_NIST_EDWARDS25519"),
        ("ML-DSA-44", "ML_DSA_44"), ("ML-DSA-65", "ML_DSA_65"), ("ML-DSA-87", "ML_DSA_87"),
    ];

    private Dictionary<string, object?> Vars(params (string Name, object? Value)[] values) => values.ToDictionary(v => v.Name, v => v.Value);

    private static JsonElement Segment(string token, int index)
    {
        var part = token.Split('.')[index];
        return JsonDocument.Parse(TokenParts.Base64UrlDecode(part)).RootElement.Clone();
    }

    [Fact]
    public async Task Every_algorithm_makes_tokens_that_node_crypto_noble_and_jose_verify_and_reject_when_tampered()
    {
        using var session = fixture.NewSession();
        var pems = new Dictionary<string, string>();
        var tokens = new List<string>();
        foreach (var (alg, spec) in EveryAlgorithm)
        {
            var arn = await fixture.KeyAsync(spec);
            pems[arn] = await fixture.PemAsync(arn);
            var result = session.Run("New-KmsSignedJwt -KeyId $k -Algorithm $a -Claims @{ sub = 'user-1'; n = 1 } -Lifetime ([TimeSpan]::FromHours(1)) @kmsSigner",
                Vars(("k", arn), ("a", alg))).AssertSuccess();
            var jwt = Assert.Single(result.Output);
            Assert.Equal(alg, jwt.Properties["Algorithm"].Value);
            Assert.Equal(arn, jwt.Properties["KeyId"].Value);
            var token = jwt.ToString();
            Assert.Equal(jwt.Properties["Token"].Value, token);
            var header = Segment(token, 0);
            Assert.Equal(alg, header.GetProperty("alg").GetString());
            Assert.Equal("JWT", header.GetProperty("typ").GetString());
            Assert.Equal(arn, header.GetProperty("kid").GetString());
            tokens.Add(token);
        }

        var results = Interop.VerifyJwtsWithNode(pems, tokens);
        Assert.Equal(EveryAlgorithm.Length, results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("node").GetBoolean()));
        // jose implements every alg here but ES256K and ML-DSA on node 20.
        Assert.Equal(EveryAlgorithm.Length - 4, results.Count(r => r.TryGetProperty("jose", out var j) && j.GetBoolean()));
    }

    [Fact]
    public async Task Default_algorithm_follows_the_key_spec()
    {
        using var session = fixture.NewSession();
        foreach (var (spec, expected) in new[] { ("RSA_2048", "RS256"), ("ECC_NIST_P384", "ES384"), ("ECC_SECG_P256K1", "ES256K"), ("ECC_NIST_EDWARDS25519", "Ed25519"), ("ML_DSA_44", "ML-DSA-44") })
        {
            var result = session.Run("New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", await fixture.KeyAsync(spec)))).AssertSuccess();
            Assert.Equal(expected, Assert.Single(result.Output).Properties["Algorithm"].Value);
        }
    }

    [Fact]
    public async Task Claims_from_hashtable_ordered_and_PSCustomObject_one_token_per_piped_object()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $inputs = @(
                @{ sub = 'a'; role = 'admin'; nested = @{ x = 1; list = @(1, 'two', $true) } },
                [ordered]@{ z = 1; a = 2 },
                [pscustomobject]@{ sub = 'c'; when = [datetime]::new(2030, 1, 1, 0, 0, 0, [DateTimeKind]::Utc); at = [datetimeoffset]::FromUnixTimeSeconds(1700000000) }
            )
            $inputs | New-KmsSignedJwt -KeyId $k -Issuer 'https://issuer.example' -Audience 'api1', 'api2' -JwtId 'fixed' -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) -Lifetime ([TimeSpan]::FromMinutes(10)) -NotBefore ([datetimeoffset]::FromUnixTimeSeconds(1799999990)) @kmsSigner
            """, Vars(("k", arn))).AssertSuccess();
        Assert.Equal(3, result.Output.Count);
        var payloads = result.Output.Select(o => TokenParts.Text(o.ToString(), 1)).ToArray();

        // Registered claims first, then the object's own: hashtable keys sorted (a hashtable has no order), ordered and PSCustomObject kept.
        Assert.Equal("""{"iss":"https://issuer.example","aud":["api1","api2"],"iat":1800000000,"nbf":1799999990,"exp":1800000600,"jti":"fixed","nested":{"list":[1,"two",true],"x":1},"role":"admin","sub":"a"}""", payloads[0]);
        Assert.Equal("""{"iss":"https://issuer.example","aud":["api1","api2"],"iat":1800000000,"nbf":1799999990,"exp":1800000600,"jti":"fixed","z":1,"a":2}""", payloads[1]);
        Assert.Equal("""{"iss":"https://issuer.example","aud":["api1","api2"],"iat":1800000000,"nbf":1799999990,"exp":1800000600,"jti":"fixed","sub":"c","when":1893456000,"at":1700000000}""", payloads[2]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1800000600), result.Output[0].Properties["ExpiresAt"].Value);
    }

    // ConvertFrom-Json -AsHashtable (PowerShell 7.3+) returns an OrderedHashtable: a Hashtable that keeps the JSON's member
    // order without implementing IOrderedDictionary. Its claims keep that order, as [ordered]@{} does.
    [Fact]
    public async Task Claims_from_an_OrderedHashtable_keep_their_order()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $claims = [System.Management.Automation.OrderedHashtable]::new()
            $claims['z'] = 1; $claims['sub'] = 'u'; $claims['a'] = @{ y = 1; b = 2 }
            $claims | New-KmsSignedJwt -KeyId $k -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) @kmsSigner
            """, Vars(("k", arn))).AssertSuccess();

        Assert.Equal("""{"iat":1800000000,"z":1,"sub":"u","a":{"b":2,"y":1}}""", Assert.Single(result.Output).Properties["ClaimsJson"].Value);
    }

    // Get-KmsSigningKey output binds -KeyId by property name, as the help says; being a pipeline object it also reached
    // -Claims, and every piped key was a KmsSignature.InvalidClaims error. A key object names the key, not claims.
    [Fact]
    public async Task Piped_key_objects_bind_KeyId_and_sign_one_token_each_with_the_parameters_claims()
    {
        var ec = await fixture.KeyAsync("ECC_NIST_P256");
        var rsa = await fixture.KeyAsync("RSA_2048");
        using var session = fixture.NewSession();
        var result = session.Run("Get-KmsSigningKey -KeyId $keys @kmsAdmin | New-KmsSignedJwt -Subject user-1 -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) @kmsSigner",
            Vars(("keys", new[] { ec, rsa }))).AssertSuccess();

        Assert.Equal([ec, rsa], result.Output.Select(o => (string)o.Properties["KeyId"].Value));
        Assert.Equal(["ES256", "RS256"], result.Output.Select(o => (string)o.Properties["Algorithm"].Value));
        Assert.All(result.Output, o => Assert.Equal("""{"sub":"user-1","iat":1800000000}""", o.Properties["ClaimsJson"].Value));

        // With -KeyId given, a piped object that is not claims is still an error, and so is one given as -Claims.
        var notClaims = session.Run("Get-KmsSigningKey -KeyId $k @kmsAdmin | New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", ec)));
        Assert.Equal("KmsSignature.InvalidClaims", Assert.Single(notClaims.Errors).FullyQualifiedErrorId.Split(',')[0]);
        var explicitClaims = session.Run("Get-KmsSigningKey -KeyId $k @kmsAdmin | New-KmsSignedJwt -Claims 'x' @kmsSigner", Vars(("k", ec)));
        Assert.Equal("KmsSignature.InvalidClaims", Assert.Single(explicitClaims.Errors).FullyQualifiedErrorId.Split(',')[0]);
    }

    [Fact]
    public async Task A_piped_key_that_cannot_sign_fails_its_own_tokens_and_the_other_keys_sign_on()
    {
        var ec = await fixture.KeyAsync("ECC_NIST_P256");
        var rsa = await fixture.KeyAsync("RSA_2048");
        using var session = fixture.NewSession();

        var result = session.Run("Get-KmsSigningKey -KeyId $keys @kmsAdmin | New-KmsSignedJwt -Algorithm ES256 -Subject user-1 @kmsSigner",
            Vars(("keys", new[] { ec, rsa, ec })));

        Assert.Equal([ec, ec], result.Output.Select(o => (string)o.Properties["KeyId"].Value));
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Null(result.Terminating);

        // Named on the command line, the key can sign nothing: one error ends the run, not one error per token.
        var named = session.Run("@{ n = 1 }, @{ n = 2 } | New-KmsSignedJwt -KeyId $k -Algorithm ES256 @kmsSigner", Vars(("k", rsa)));
        Assert.Empty(named.Output);
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", named.FirstError()!.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(1, named.Errors.Count + (named.Terminating is null ? 0 : 1));
    }

    [Fact]
    public async Task Parameters_win_over_claims_one_audience_is_a_string_iat_defaults_to_now_and_NewJwtId_is_fresh()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var result = session.Run("@{ sub = 'from-claims'; iss = 'claims' }, @{ sub = 'x' } | New-KmsSignedJwt -KeyId $k -Subject 'param' -Audience 'one' -NewJwtId @kmsSigner",
            Vars(("k", arn))).AssertSuccess();
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = result.Output.Select(o => Segment(o.ToString(), 1)).ToArray();
        Assert.All(claims, c => Assert.Equal("param", c.GetProperty("sub").GetString()));
        Assert.All(claims, c => Assert.Equal("one", c.GetProperty("aud").GetString()));
        Assert.All(claims, c => Assert.InRange(c.GetProperty("iat").GetInt64(), before, after));
        Assert.Equal("claims", claims[0].GetProperty("iss").GetString());
        Assert.NotEqual(claims[0].GetProperty("jti").GetString(), claims[1].GetProperty("jti").GetString());
        Assert.True(Guid.TryParse(claims[0].GetProperty("jti").GetString(), out _));
    }

    [Fact]
    public async Task Header_adds_fields_may_replace_typ_but_never_alg()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var ok = session.Run("New-KmsSignedJwt -KeyId $k -Header ([ordered]@{ typ = 'at+jwt'; x5u = 'https://x' }) @kmsSigner", Vars(("k", arn))).AssertSuccess();
        var header = Segment(ok.Output[0].ToString(), 0);
        Assert.Equal("""{"alg":"ES256","typ":"at+jwt","kid":"ARN","x5u":"https://x"}""".Replace("ARN", arn), header.GetRawText());

        var signs = fixture.Kms.Counters.Count("Sign");
        var bad = session.Run("New-KmsSignedJwt -KeyId $k -Header @{ alg = 'none' } @kmsSigner", Vars(("k", arn)));
        Assert.Equal("KmsSignature.HeaderAlgNotAllowed", bad.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, bad.FirstError()!.CategoryInfo.Category);
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    // -Claims took a PSCustomObject (ConvertFrom-Json output) and -Header refused one in parameter binding
    // (CannotConvertArgumentNoMessage); neither parameter names its error like the module's own.
    [Fact]
    public async Task Header_takes_a_PSCustomObject_as_Claims_does_and_refuses_other_values_with_its_own_error()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var ok = session.Run("""New-KmsSignedJwt -KeyId $k -Header ([pscustomobject]@{ cty = 'x'; ext = [pscustomobject]@{ v = 1 } }) @kmsSigner""",
            Vars(("k", arn))).AssertSuccess();
        Assert.Equal("""{"alg":"ES256","typ":"JWT","kid":"ARN","cty":"x","ext":{"v":1}}""".Replace("ARN", arn), Segment(ok.Output[0].ToString(), 0).GetRawText());

        var signs = fixture.Kms.Counters.Count("Sign");
        var bad = session.Run("'a', 'b' | ForEach-Object { @{ sub = $_ } } | New-KmsSignedJwt -KeyId $k -Header 'cty=x' @kmsSigner", Vars(("k", arn)));
        Assert.Empty(bad.Output);
        Assert.Equal("KmsSignature.InvalidHeaderValue", bad.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, bad.FirstError()!.CategoryInfo.Category);
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    [Fact]
    public async Task KeyIdStyle_sets_kid_like_the_exported_JWKS()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256", "alias/signing-kid-test");
        var keyId = arn[(arn.LastIndexOf('/') + 1)..];
        using var session = fixture.NewSession();
        string Kid(string style, string key) => Segment(session.Run($"New-KmsSignedJwt -KeyId $k -KeyIdStyle {style} @kmsSigner", Vars(("k", key)))
            .AssertSuccess().Output[0].ToString(), 0).GetProperty("kid").GetString()!;

        Assert.Equal(arn, Kid("Arn", "alias/signing-kid-test"));
        Assert.Equal(keyId, Kid("KeyId", arn));
        Assert.Equal("alias/signing-kid-test", Kid("Alias", "alias/signing-kid-test"));

        // RFC 7638 thumbprint of the EC JWK, computed here independently from the SPKI.
        using var ec = ECDsa.Create();
        ec.ImportFromPem(await fixture.PemAsync(arn));
        var p = ec.ExportParameters(false);
        var b64u = (byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var thumbprint = b64u(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"crv":"P-256","kty":"EC","x":"{{b64u(p.Q.X!)}}","y":"{{b64u(p.Q.Y!)}}"}""")));
        Assert.Equal(thumbprint, Kid("Thumbprint", arn));
    }

    // Signing and export share one rule for -KeyIdStyle Alias, its error included: a script handling one handles both.
    // (The admin lists aliases: kms:ListAliases is IAM-only, and the signer here holds only what the key policy grants.)
    [Fact]
    public async Task KeyIdStyle_Alias_for_a_key_without_alias_is_the_same_error_as_for_export()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");

        var signing = session.Run("New-KmsSignedJwt -KeyId $k -KeyIdStyle Alias -Subject s @kmsAdmin", Vars(("k", arn)));
        var export = session.Run("Export-KmsPublicKeyPem -KeyId $k -KeyIdStyle Alias -Format Jwk @kmsAdmin", Vars(("k", arn)));

        Assert.Empty(signing.Output);
        var signingError = signing.TerminatingRecord ?? Assert.Single(signing.Errors);
        var exportError = Assert.Single(export.Errors);
        Assert.Equal("KmsSignature.KeyHasNoAlias", signingError.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(exportError.FullyQualifiedErrorId.Split(',')[0], signingError.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(exportError.CategoryInfo.Category, signingError.CategoryInfo.Category);
        Assert.Equal(arn, signingError.TargetObject);
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    // Signs claims { n = 0 .. count-1 } in one pipeline; returns the tokens and how many Sign calls KMS saw.
    private (IReadOnlyList<string> Tokens, long SignCalls) SignNumbered(string arn, int count, int throttleLimit)
    {
        using var session = fixture.NewSession();
        var before = fixture.Kms.Counters.Count("Sign");
        var result = session.Run($"0..{count - 1} | ForEach-Object {{ @{{ n = $_ }} }} | New-KmsSignedJwt -KeyId $k -ThrottleLimit {throttleLimit} @kmsSigner",
            Vars(("k", arn))).AssertSuccess();
        return (result.Output.Select(o => o.ToString()).ToList(), fixture.Kms.Counters.Count("Sign") - before);
    }

    private static void AssertEachOnceInOrder(IReadOnlyList<string> tokens, int count)
    {
        Assert.Equal(Enumerable.Range(0, count), tokens.Select(t => Segment(t, 1).GetProperty("n").GetInt32()));
        Assert.Equal(count, tokens.Distinct().Count());
    }

    // A piped key that cannot be used fails only its own tokens, but a KMS that cannot be reached would fail every key the
    // same way after the same retries: the first key's error ends the run.
    [Fact]
    public void Piped_keys_stop_at_the_first_when_the_endpoint_is_unreachable()
    {
        using var closed = new ClosedPort();
        var port = closed.Port;
        using var session = fixture.NewSession();
        var result = session.Run("$c = $kmsSigner.Clone(); $c.EndpointUrl = \"http://127.0.0.1:$port/\"; " +
                                 "try { [pscustomobject]@{ KeyId = 'alias/a' }, [pscustomobject]@{ KeyId = 'alias/b' } | New-KmsSignedJwt @c } catch { $_ }",
            Vars(("port", port)));

        Assert.Empty(result.Errors); // nothing non-terminating: the one error was caught as terminating
        var error = Assert.IsType<ErrorRecord>(Assert.Single(result.Output).BaseObject);
        Assert.StartsWith("KmsSignature.KmsEndpointUnreachable", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Equal("alias/a", error.TargetObject);
    }

    [Fact]
    public async Task Output_keeps_input_order_with_no_loss_or_duplicates_under_latency_and_jitter()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var faults = fixture.FaultsOnSign(sign =>
        {
            sign.Latency = TimeSpan.FromMilliseconds(5);
            sign.Jitter = TimeSpan.FromMilliseconds(40);
        });
        var (tokens, signCalls) = SignNumbered(arn, 300, throttleLimit: 16);
        Assert.Equal(300, tokens.Count);
        AssertEachOnceInOrder(tokens, 300);
        Assert.Equal(300, signCalls);
    }

    [Fact]
    public async Task Throttling_is_absorbed_by_paced_retries_without_losing_duplicating_or_reordering_tokens()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var faults = fixture.FaultsOnSign(sign =>
        {
            sign.Latency = TimeSpan.FromMilliseconds(5);
            sign.RequestsPerSecond = 100;
        });
        var (tokens, signCalls) = SignNumbered(arn, 300, throttleLimit: 32);
        AssertEachOnceInOrder(tokens, 300);
        Assert.True(signCalls > 300, "KMS never throttled: the test did not test throttling");
    }

    [Fact]
    public async Task Server_faults_on_Sign_are_retried_and_every_token_arrives_once_in_order()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        // Standard retry mode makes three attempts (MaxErrorRetry 2), not four: at 5 % a token failed with odds of 1 in 8,000,
        // a run of 100 in about 1 in 80 (seen in a clean-clone run). At 0.6 % over 2,000 tokens a run still meets about 12
        // faults, and fails with odds of about 1 in 2,300.
        using var faults = fixture.FaultsOnSign(sign =>
        {
            sign.ErrorProbability = 0.006;
            sign.ErrorStatusCode = 503;
        });
        var (tokens, signCalls) = SignNumbered(arn, 2000, throttleLimit: 8);
        AssertEachOnceInOrder(tokens, 2000);
        Assert.True(signCalls > 2000, "no Sign call failed: the test did not test retries");
    }

    [Fact]
    public async Task A_slow_run_reports_progress_and_clears_the_bar()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var faults = fixture.FaultsOnSign(sign => sign.Latency = TimeSpan.FromMilliseconds(250)); // one at a time: about a second for four tokens
        using var session = fixture.NewSession();
        var result = session.Run("0..3 | ForEach-Object { @{ n = $_ } } | New-KmsSignedJwt -KeyId $k -ThrottleLimit 1 @kmsSigner",
            Vars(("k", arn))).AssertSuccess();

        AssertEachOnceInOrder(result.Output.Select(o => o.ToString()).ToList(), 4);
        var processing = result.Progress.Where(p => p.RecordType == ProgressRecordType.Processing).ToList();
        Assert.NotEmpty(processing);
        Assert.All(processing, p => Assert.Matches(@"^[0-4] done, [01] in flight, [0-9]+/s$", p.StatusDescription));
        Assert.All(result.Progress, p => Assert.Equal("Signing JWTs with KMS", p.Activity));
        Assert.Equal(ProgressRecordType.Completed, result.Progress[^1].RecordType);
    }

    // A call's verbose messages (its retries) are posted from its own thread and written at the pipeline thread's next wait. A
    // call already done when the run came to it (a slow producer) was never waited for, so they were never written.
    [Fact]
    public async Task Verbose_messages_of_a_call_done_before_the_run_waits_for_it_are_written()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var faults = fixture.FaultsOnSign(sign => sign.ErrorProbability = 1); // 4 attempts (SigningKey.MaxFailedAttempts), then the error
        using var session = fixture.NewSession();
        var until = fixture.Kms.Counters.Count("Sign") + 4;
        // The End block runs before New-KmsSignedJwt's EndProcessing: it holds that until the call has made its last attempt and failed.
        var result = session.Run("""
            1 | ForEach-Object -Process { @{ n = $_ } } -End {
                for ($i = 0; $i -lt 1500 -and $kms.Counters.Count('Sign') -lt $until; $i++) { [Threading.Thread]::Sleep(20) }
                [Threading.Thread]::Sleep(500)
            } | New-KmsSignedJwt -KeyId $k -ThrottleLimit 1 -Verbose @kmsSigner
            """, Vars(("k", arn), ("kms", fixture.Kms), ("until", until)));

        Assert.Contains("KMSInternalException", Assert.Single(result.Errors).Exception.Message);
        Assert.Equal(3, result.Verbose.Count(v => v.Contains("retrying in", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Ctrl_C_stops_promptly_and_leaves_the_rest_unsigned()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var faults = fixture.FaultsOnSign(sign => sign.Latency = TimeSpan.FromMilliseconds(300));
        using var session = fixture.NewSession();
        var before = fixture.Kms.Counters.Count("Sign");
        var (elapsed, stopped) = session.RunAndStop("1..10000 | ForEach-Object { @{ n = $_ } } | New-KmsSignedJwt -KeyId $k -ThrottleLimit 8 @kmsSigner",
            Vars(("k", arn)), TimeSpan.FromMilliseconds(1500));
        Assert.True(stopped, "the pipeline was not stopped");
        Assert.True(elapsed < TimeSpan.FromSeconds(4), $"stopping took until {elapsed}");
        Assert.InRange(fixture.Kms.Counters.Count("Sign") - before, 1, 200);
    }

    // -ErrorAction Stop ends the run at the first failed Sign while the others are still in flight; they fail afterwards,
    // with nobody to take their errors, which must not come back as UnobservedTaskException.
    [Fact]
    public async Task Calls_that_fail_after_the_run_ended_leave_no_unobserved_task_exception()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var faults = fixture.FaultsOnSign(sign =>
        {
            sign.Latency = TimeSpan.FromMilliseconds(200);
            sign.ErrorProbability = 1; // every attempt of every call fails (500 KMSInternalException, retried, then the error)
        });
        using var session = fixture.NewSession();
        ScriptResult? result = null;

        var unobserved = await UnobservedTaskExceptions.CountAsync(arn,
            () => result = session.Run("1..20 | ForEach-Object { @{ n = $_ } } | New-KmsSignedJwt -KeyId $k -ThrottleLimit 8 -ErrorAction Stop @kmsSigner",
                Vars(("k", arn))),
            () => UnobservedTaskExceptions.Quiet(() => fixture.Kms.Counters.Count("Sign")));

        Assert.Contains("KMSInternalException", result!.TerminatingRecord?.Exception.Message);
        Assert.Equal(0, unobserved);
    }

    [Fact]
    public async Task Signing_input_over_4096_bytes_goes_as_DIGEST_and_still_verifies()
    {
        using var session = fixture.NewSession();
        var pems = new Dictionary<string, string>();
        var tokens = new List<string>();
        foreach (var (alg, spec) in new[] { ("ES256", "ECC_NIST_P256"), ("PS384", "RSA_2048"), ("ES512", "ECC_NIST_P521") })
        {
            var arn = await fixture.KeyAsync(spec);
            pems[arn] = await fixture.PemAsync(arn);
            var result = session.Run("New-KmsSignedJwt -KeyId $k -Algorithm $a -Claims @{ big = 'x' * 5000 } @kmsSigner", Vars(("k", arn), ("a", alg))).AssertSuccess();
            Assert.Equal("DIGEST", result.Output[0].Properties["MessageType"].Value);
            tokens.Add(result.Output[0].ToString());
        }

        Interop.VerifyJwtsWithNode(pems, tokens);
    }

    // Test-KmsSignature reads tokens of at most 1 MiB: a larger one was signed (a Sign call spent) and then called Malformed.
    [Fact]
    public async Task A_token_over_the_size_Test_KmsSignature_reads_is_an_item_error_before_any_Sign()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("""
            $tokens = [ordered]@{ data = 'x' * 760000 }, [ordered]@{ data = 'x' * 800000 }, [ordered]@{ n = 3 } | New-KmsSignedJwt -KeyId $k @kmsSigner
            $tokens | Test-KmsSignature -KeyId $k @kmsSigner | ForEach-Object { "$($_.Status)" }
            """, Vars(("k", arn)));
        Assert.Null(result.Terminating);
        Assert.Equal(["Valid", "Valid"], result.Output.Select(o => o.ToString()));
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.TokenTooLarge", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(800000, Assert.IsType<System.Collections.Specialized.OrderedDictionary>(error.TargetObject)["data"]!.ToString()!.Length);
        Assert.Equal(signs + 2, fixture.Kms.Counters.Count("Sign"));
    }

    [Theory]
    [InlineData("ECC_NIST_EDWARDS25519")]
    [InlineData("ML_DSA_44")]
    public async Task Whole_message_algorithms_refuse_input_over_4096_bytes_before_calling_KMS(string spec)
    {
        var arn = await fixture.KeyAsync(spec);
        using var session = fixture.NewSession();
        session.Run("New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key already resolved
        var signs = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("@{ big = 'x' * 5000 }, @{ small = 1 } | New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", arn)));
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.MessageTooLarge", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        // The target is the claims object that was too large, so a bulk run says which item failed.
        Assert.Equal(5000, Assert.IsType<string>(Assert.IsType<System.Collections.Hashtable>(error.TargetObject)["big"]).Length);
        Assert.Single(result.Output); // the small one is still signed
        Assert.Equal(signs + 1, fixture.Kms.Counters.Count("Sign"));
    }

    [Fact]
    public async Task P521_signatures_are_always_132_bytes_with_leading_zeros_kept()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P521");
        using var session = fixture.NewSession();
        var result = session.Run("1..60 | ForEach-Object { @{ n = $_ } } | New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess();
        var signatures = result.Output.Select(o => TokenParts.Base64UrlDecode(o.ToString().Split('.')[2])).ToArray();
        Assert.All(signatures, s => Assert.Equal(132, s.Length));
        // A P-521 scalar has 521 bits: its 66-byte half starts with 0x00 about half the time, which DER drops.
        Assert.Contains(signatures, s => s[0] == 0 || s[66] == 0);
        Interop.VerifyJwtsWithNode(new Dictionary<string, string> { [arn] = await fixture.PemAsync(arn) }, result.Output.Select(o => o.ToString()));
    }

    [Fact]
    public async Task SignatureFormat_Der_keeps_KMS_DER_for_ECDSA_only()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSignedJwt -KeyId $k -SignatureFormat Der @kmsSigner", Vars(("k", arn))).AssertSuccess();
        var token = result.Output[0].ToString();
        var der = TokenParts.Base64UrlDecode(token.Split('.')[2]);
        Assert.Equal(0x30, der[0]);
        using var ec = ECDsa.Create();
        ec.ImportFromPem(await fixture.PemAsync(arn));
        Assert.True(ec.VerifyData(Encoding.ASCII.GetBytes(token[..token.LastIndexOf('.')]), der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

        var rsa = session.Run("New-KmsSignedJwt -KeyId $k -SignatureFormat Der @kmsSigner", Vars(("k", await fixture.KeyAsync("RSA_2048"))));
        Assert.Equal("KmsSignature.SignatureFormatNotApplicable", rsa.ErrorId());
    }

    // PowerShell turns a bare number into a TimeSpan of that many ticks: -Lifetime 15 is 1.5 µs, and the token came out
    // with exp = iat, expired at birth; a negative lifetime likewise. Both are refused before any KMS call.
    [Theory]
    [InlineData("15")]
    [InlineData("([TimeSpan]::FromMinutes(-5))")]
    [InlineData("([TimeSpan]::Zero)")]
    public async Task A_Lifetime_under_one_second_is_refused_before_any_KMS_call(string lifetime)
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var total = fixture.Kms.Counters.Total;
        var result = session.Run($"New-KmsSignedJwt -KeyId $k -Subject s -Lifetime {lifetime} @kmsSigner", Vars(("k", arn)));

        Assert.Empty(result.Output);
        Assert.Equal("KmsSignature.InvalidLifetime", result.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, result.FirstError()!.CategoryInfo.Category);
        Assert.Contains("New-TimeSpan", result.FirstError()!.Exception.Message);
        Assert.Equal(total, fixture.Kms.Counters.Total);

        var oneSecond = session.Run("New-KmsSignedJwt -KeyId $k -Lifetime '00:00:01' -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) @kmsSigner", Vars(("k", arn))).AssertSuccess();
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1800000001), oneSecond.Output.Single().Properties["ExpiresAt"].Value);
    }

    [Fact]
    public async Task WhatIf_signs_nothing_and_calls_no_KMS_operation()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var total = fixture.Kms.Counters.Total;
        var result = session.Run("1..5 | ForEach-Object { @{ n = $_ } } | New-KmsSignedJwt -KeyId $k -WhatIf @kmsSigner", Vars(("k", arn))).AssertSuccess();
        Assert.Empty(result.Output);
        Assert.Equal(total, fixture.Kms.Counters.Total);
    }

    [Fact]
    public async Task Algorithm_that_does_not_fit_the_key_is_refused_before_any_Sign()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("New-KmsSignedJwt -KeyId $k -Algorithm ES384 @kmsSigner", Vars(("k", arn)));
        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", result.ErrorId());
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    [Fact]
    public async Task Verifier_principal_is_denied_Sign_with_the_KMS_error_kept()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("@{ n = 1 }, @{ n = 2 } | New-KmsSignedJwt -KeyId $k @kmsVerifier", Vars(("k", arn)));
        Assert.Empty(result.Output);
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.Equal("KmsSignature.KmsAccessDenied", e.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.PermissionDenied, e.CategoryInfo.Category);
            Assert.Contains("request id", e.Exception.Message, StringComparison.Ordinal);
        });
    }

    // A token KMS refused is an error about that item: its claims are the target, so the failed items can be sent again
    // (the key ARN was the target before, and told the failures of one run apart only by their order).
    [Fact]
    public async Task A_refused_Sign_targets_the_claims_so_the_failed_items_can_be_sent_again()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var refused = session.Run("$items = @{ n = 1 }, @{ n = 2 }; $items | New-KmsSignedJwt -KeyId $k -ErrorVariable failed @kmsVerifier",
            Vars(("k", arn)));
        Assert.Equal(2, refused.Errors.Count);
        Assert.All(refused.Errors, e => Assert.Equal("KmsSignature.KmsAccessDenied", e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Contains(arn, refused.Errors[0].Exception.Message, StringComparison.Ordinal); // the message still names the key

        var sameItems = session.Run("[object]::ReferenceEquals($failed[0].TargetObject, $items[0]) -and [object]::ReferenceEquals($failed[1].TargetObject, $items[1])");
        Assert.Equal(true, Assert.Single(sameItems.AssertSuccess().Output).BaseObject);
        var again = session.Run("$failed.TargetObject | New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess();
        Assert.Equal([1L, 2L], again.Output.Select(jwt => Segment(jwt.ToString(), 1).GetProperty("n").GetInt64()));
    }

    [Fact]
    public async Task Unknown_key_is_one_terminating_error()
    {
        using var session = fixture.NewSession();
        var result = session.Run("1..3 | ForEach-Object { @{ n = $_ } } | New-KmsSignedJwt -KeyId alias/does-not-exist @kmsSigner");
        Assert.Equal("KmsSignature.KmsNotFound", result.ErrorId());
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Bad_claim_values_are_per_item_errors_in_order()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("@{ n = 1 }, @{ bad = [double]::NaN }, 'not-claims', @{ n = 4 } | New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", arn)));
        Assert.Equal(2, result.Output.Count);
        Assert.Equal(["KmsSignature.InvalidClaimValue", "KmsSignature.InvalidClaims"], result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
    }

    // An exp beyond year 9999 (or -Lifetime past it) threw ArgumentOutOfRangeException from ProcessRecord: the
    // pipeline stopped, the tokens after it were never signed and one already queued before it was lost.
    [Fact]
    public async Task A_time_claim_outside_the_NumericDate_range_is_one_item_error_and_the_rest_is_signed()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("@{ n = 1 }, @{ exp = [long]::MaxValue }, @{ n = 3 } | New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", arn)));
        Assert.Null(result.Terminating);
        Assert.Equal([1L, 3L], result.Output.Select(o => Segment(o.ToString(), 1).GetProperty("n").GetInt64()));
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.InvalidClaimValue", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal("exp", error.TargetObject);

        var lifetime = session.Run("New-KmsSignedJwt -KeyId $k -Lifetime ([TimeSpan]::MaxValue) @kmsSigner", Vars(("k", arn)));
        Assert.Equal("KmsSignature.InvalidClaimValue", lifetime.ErrorId());
    }

    // An id column cast to [int], or a missing one ($null), made sub a number or null: KMS signed it, and Test-KmsSignature
    // (as any verifier) called the token Malformed. Such an item is now its own error, before any Sign call.
    [Fact]
    public async Task A_sub_iss_jti_or_aud_that_is_not_text_is_one_item_error_and_the_rest_is_signed()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("[ordered]@{ sub = 'u1' }, [ordered]@{ sub = 5 }, [pscustomobject]@{ aud = 'a', 7 }, @{ jti = $null }, [ordered]@{ sub = 'u5' } | New-KmsSignedJwt -KeyId $k @kmsSigner",
            Vars(("k", arn)));
        Assert.Null(result.Terminating);
        Assert.Equal(["u1", "u5"], result.Output.Select(o => Segment(o.ToString(), 1).GetProperty("sub").GetString()));
        Assert.Equal(["sub", "aud", "jti"], result.Errors.Select(e => (string)e.TargetObject));
        Assert.All(result.Errors, e => Assert.Equal("KmsSignature.InvalidClaimValue", e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Equal(signs + 2, fixture.Kms.Counters.Count("Sign"));

        var verified = session.Run("@{ sub = [string]5; aud = @('a') } | New-KmsSignedJwt -KeyId $k @kmsSigner | Test-KmsSignature -KeyId $k @kmsSigner", Vars(("k", arn)));
        Assert.Equal("Valid", Assert.Single(verified.AssertSuccess().Output).Properties["Status"].Value.ToString());
    }

    // 1 and '1' are two hashtable keys but one JSON name: nested, the member was written twice (Test-KmsSignature said Valid,
    // other verifiers read the other value); at the top level one value was dropped, which one depending on the sort.
    [Fact]
    public async Task Two_keys_that_make_one_member_name_are_an_item_error_not_a_duplicate_or_a_dropped_claim()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $top = @{}; $top[1] = 'x'; $top['1'] = 'y'
            $nested = @{}; $nested[2.5] = 'x'; $nested['2.5'] = 'y'
            @{ n = 1 }, $top, @{ a = @($nested) }, @{ n = 4 } | New-KmsSignedJwt -KeyId $k @kmsSigner
            """, Vars(("k", arn)));
        Assert.Null(result.Terminating);
        Assert.Equal([1L, 4L], result.Output.Select(o => Segment(o.ToString(), 1).GetProperty("n").GetInt64()));
        Assert.Equal(["1", "2.5"], result.Errors.Select(e => (string)e.TargetObject));
        Assert.All(result.Errors, e => Assert.Equal("KmsSignature.InvalidClaimName", e.FullyQualifiedErrorId.Split(',')[0]));

        var header = session.Run("$h = @{}; $h[1] = 'x'; $h['1'] = 'y'; New-KmsSignedJwt -KeyId $k -Header $h @kmsSigner", Vars(("k", arn)));
        Assert.Empty(header.Output);
        Assert.Equal("KmsSignature.InvalidClaimName", header.ErrorId());
    }

    // A function's [switch] parameter put in a claim ($Admin of "param([switch] $Admin)") was InvalidClaimValue.
    [Fact]
    public async Task A_switch_parameter_value_is_a_boolean_claim()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            function New-UserToken([string] $Name, [switch] $Admin) { [ordered]@{ sub = $Name; admin = $Admin; flags = @($Admin) } | New-KmsSignedJwt -KeyId $k @kmsSigner }
            New-UserToken alice -Admin
            New-UserToken bob
            """, Vars(("k", arn))).AssertSuccess();
        Assert.Equal(["""{"sub":"alice","admin":true,"flags":[true]}""", """{"sub":"bob","admin":false,"flags":[false]}"""],
            result.Output.Select(o => Segment(o.ToString(), 1)).Select(c => $"{{\"sub\":{c.GetProperty("sub").GetRawText()},\"admin\":{c.GetProperty("admin").GetRawText()},\"flags\":{c.GetProperty("flags").GetRawText()}}}"));
    }

    // An ExpandoObject is refused at the top level (InvalidClaims: not a hashtable or PSCustomObject); nested, it was read
    // as an array of its KeyValuePairs and the error named a KeyValuePair at 'e[0]'. It now names the claim and the type.
    [Fact]
    public async Task A_nested_ExpandoObject_is_an_error_naming_its_claim_as_at_the_top_level()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run(
            "$e = [System.Dynamic.ExpandoObject]::new(); ([System.Collections.Generic.IDictionary[string, object]]$e).Add('x', 1); " +
            "$e, [ordered]@{ n = 1 }, [ordered]@{ a = [ordered]@{ e = $e } }, [ordered]@{ n = 3 } | New-KmsSignedJwt -KeyId $k @kmsSigner",
            Vars(("k", arn)));

        Assert.Null(result.Terminating);
        Assert.Equal([1L, 3L], result.Output.Select(o => Segment(o.ToString(), 1).GetProperty("n").GetInt64()));
        Assert.Equal(["KmsSignature.InvalidClaims", "KmsSignature.InvalidClaimValue"], result.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        var nested = result.Errors[1];
        Assert.Equal("a.e", nested.TargetObject);
        Assert.Contains("'a.e' is a System.Dynamic.ExpandoObject", nested.Exception.Message);
        Assert.DoesNotContain("KeyValuePair", nested.Exception.Message);
    }

    // The result's Claims gave every integer as a double: $jwt.Claims.n -is [long] was false, and an id past 2^53 came back
    // as another number (9007199254740993 as 9007199254740992) although the token itself held it exactly.
    [Fact]
    public async Task Claims_and_Header_of_the_result_give_integers_as_long_and_fractions_as_double()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $jwt = [ordered]@{ id = 9007199254740993; n = 5; list = @(1, 2.5) } | New-KmsSignedJwt -KeyId $k -Header @{ ver = 2 } -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) @kmsSigner
            $jwt.Claims['id'], $jwt.Claims['n'], $jwt.Claims['iat'], $jwt.Claims['list'][0], $jwt.Claims['list'][1], $jwt.Header['ver']
            """, Vars(("k", arn))).AssertSuccess();
        Assert.Equal([9007199254740993L, 5L, 1800000000L, 1L, 2.5, 2L], result.Output.Select(o => o.BaseObject));
    }

    // Add-Member -MemberType ScriptProperty/AliasProperty members are properties of the object (Format-List and ConvertTo-Json
    // show them), but only note properties became claims: the others were dropped without a word. A script property that
    // throws is that item's error, not the end of the pipeline.
    [Fact]
    public async Task Script_and_alias_properties_of_a_PSCustomObject_are_claims_and_one_that_throws_is_an_item_error()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $user = [pscustomobject]@{ sub = 'u1' }
            $user.psobject.Properties.Add([psscriptproperty]::new('role', { 'admin' }))
            $user.psobject.Properties.Add([psaliasproperty]::new('name', 'sub'))
            $broken = [pscustomobject]@{ sub = 'u2' }
            $broken.psobject.Properties.Add([psscriptproperty]::new('role', { throw 'no role' }))
            $user, $broken, [pscustomobject]@{ sub = 'u3' } | New-KmsSignedJwt -KeyId $k -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) @kmsSigner
            """, Vars(("k", arn)));
        Assert.Null(result.Terminating);
        Assert.Equal(["""{"iat":1800000000,"sub":"u1","role":"admin","name":"u1"}""", """{"iat":1800000000,"sub":"u3"}"""],
            result.Output.Select(o => (string)o.Properties["ClaimsJson"].Value));
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.InvalidClaimValue", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("role", error.TargetObject);
        Assert.Contains("no role", error.Exception.Message);
    }

    // A claims object that holds itself recursed in the conversion from PowerShell values until the stack overflowed, which
    // ends the whole process (PowerShell with it); it is now that item's error, like any claim nested too deep.
    [Fact]
    public async Task A_claims_object_that_holds_itself_is_an_item_error_not_a_stack_overflow()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $h = @{ n = 1 }; $h.self = $h
            $o = [pscustomobject]@{ n = 2; list = [System.Collections.ArrayList]::new() }; $null = $o.list.Add($o)
            $h, $o, @{ n = 3 } | New-KmsSignedJwt -KeyId $k @kmsSigner
            """, Vars(("k", arn)));
        Assert.Null(result.Terminating);
        Assert.Equal(3L, Segment(Assert.Single(result.Output).ToString(), 1).GetProperty("n").GetInt64());
        Assert.Equal(2, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("KmsSignature.InvalidClaimValue", e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.StartsWith("self.self.self.", (string)result.Errors[0].TargetObject);
        Assert.StartsWith("list[0].list[0].", (string)result.Errors[1].TargetObject);
    }

    // A command that outputs nothing gives AutomationNull, which $x -eq $null calls null: as a claim value it was signed as {}.
    [Fact]
    public async Task A_claim_from_a_command_that_output_nothing_is_null_not_an_empty_object()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            function Get-Nothing {}
            [ordered]@{ x = (Get-Nothing); list = @(1, (Get-Nothing)) }, [pscustomobject]@{ y = $(Get-Nothing) } |
                New-KmsSignedJwt -KeyId $k -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) @kmsSigner
            """, Vars(("k", arn))).AssertSuccess();
        Assert.Equal(["""{"iat":1800000000,"x":null,"list":[1,null]}""", """{"iat":1800000000,"y":null}"""],
            result.Output.Select(o => (string)o.Properties["ClaimsJson"].Value));
    }

    // $config.a.role is an XmlElement when <role> has attributes, a string when it has none; the element was signed as [[]].
    [Fact]
    public async Task An_XML_element_claim_is_an_item_error_not_nested_empty_arrays()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $config = [xml]'<a><role id="1">admin</role><team>ops</team></a>'
            [ordered]@{ role = $config.a.role }, [ordered]@{ team = $config.a.team } | New-KmsSignedJwt -KeyId $k -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) @kmsSigner
            """, Vars(("k", arn)));
        Assert.Null(result.Terminating);
        Assert.Equal("""{"iat":1800000000,"team":"ops"}""", Assert.Single(result.Output).Properties["ClaimsJson"].Value);
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.InvalidClaimValue", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Contains("InnerText", error.Exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lifetime_counts_from_the_iat_of_the_claims_object()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("@{ iat = 1800000000 }, [pscustomobject]@{ iat = [datetimeoffset]::FromUnixTimeSeconds(1700000000) } | New-KmsSignedJwt -KeyId $k -Lifetime ([TimeSpan]::FromMinutes(15)) @kmsSigner",
            Vars(("k", arn))).AssertSuccess();
        Assert.Equal([1800000900L, 1700000900L], result.Output.Select(o => Segment(o.ToString(), 1).GetProperty("exp").GetInt64()));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1800000900), result.Output[0].Properties["ExpiresAt"].Value);
    }

    // -Header may replace kid; the result's Kid ("the header's kid") reported the key's kid instead, so anything
    // keyed on $jwt.Kid (a JWKS lookup, a log) disagreed with the token. A kid that is not a string makes a token
    // every verifier, Test-KmsSignature included, rejects as malformed, so it is refused before any KMS call.
    [Fact]
    public async Task Header_kid_is_the_results_Kid_and_must_be_a_string()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var ok = session.Run("New-KmsSignedJwt -KeyId $k -Header @{ kid = 'custom-kid' } @kmsSigner", Vars(("k", arn))).AssertSuccess();
        Assert.Equal("custom-kid", Segment(ok.Output[0].ToString(), 0).GetProperty("kid").GetString());
        Assert.Equal("custom-kid", ok.Output[0].Properties["Kid"].Value);

        var signs = fixture.Kms.Counters.Count("Sign");
        foreach (var value in new[] { "$null", "5", "@('a')" })
        {
            var bad = session.Run($"New-KmsSignedJwt -KeyId $k -Header @{{ kid = {value} }} @kmsSigner", Vars(("k", arn)));
            Assert.Empty(bad.Output);
            Assert.Equal("KmsSignature.InvalidHeaderValue", bad.ErrorId());
            Assert.Equal(ErrorCategory.InvalidArgument, bad.FirstError()!.CategoryInfo.Category);
            Assert.Equal("kid", bad.FirstError()!.TargetObject);
        }

        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    // The signer writes every payload base64url-encoded and implements no JWS extension, so a crit member (which
    // Test-KmsSignature, implementing none, always refuses: RFC 7515 §4.1.11) or an RFC 7797 b64 member (with b64 false
    // the header would claim an unencoded payload it does not have) can never be honoured. typ and cty are strings
    // (RFC 7515 §4.1.9, §4.1.10) as kid is: null was signed as "typ":null. All are refused before any Sign call.
    [Theory]
    [InlineData("@{ crit = @('exp'); exp = 1 }", "crit")]
    [InlineData("@{ crit = @() }", "crit")]
    [InlineData("@{ b64 = $false }", "b64")]
    [InlineData("([ordered]@{ b64 = $false; crit = @('b64') })", "b64")]
    [InlineData("@{ typ = $null }", "typ")]
    [InlineData("@{ typ = 5 }", "typ")]
    [InlineData("@{ cty = $null }", "cty")]
    [InlineData("@{ cty = @('JWT') }", "cty")]
    public async Task Header_crit_b64_and_a_typ_or_cty_that_is_not_a_string_are_refused_before_any_Sign(string header, string member)
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");
        var bad = session.Run($"New-KmsSignedJwt -KeyId $k -Header {header} @kmsSigner", Vars(("k", arn)));
        Assert.Empty(bad.Output);
        Assert.Equal("KmsSignature.InvalidHeaderValue", bad.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, bad.FirstError()!.CategoryInfo.Category);
        Assert.Equal(member, bad.FirstError()!.TargetObject);
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));

        var ok = session.Run("New-KmsSignedJwt -KeyId $k -Header @{ cty = 'JWT'; typ = 'at+jwt'; critical = 1 } @kmsSigner", Vars(("k", arn))).AssertSuccess();
        Assert.Equal("""{"alg":"ES256","typ":"at+jwt","kid":"ARN","critical":1,"cty":"JWT"}""".Replace("ARN", arn), Segment(ok.Output[0].ToString(), 0).GetRawText());
    }

    // Header member names are case-sensitive (RFC 7515 §4), hashtable keys are not: @{ KID = 'x' } kept the ARN as kid and
    // added a KID member that verifiers reading kid never see, and one that looks names up without case reads either.
    [Theory]
    [InlineData("KID", "kid")]
    [InlineData("Typ", "typ")]
    [InlineData("CRIT", "crit")]
    [InlineData("Jwk", "jwk")]
    [InlineData("X5T#S256", "x5t#S256")]
    public async Task A_registered_header_name_in_another_case_is_refused_before_any_Sign(string name, string registered)
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");
        var bad = session.Run("New-KmsSignedJwt -KeyId $k -Header @{ $name = 'x' } @kmsSigner", Vars(("k", arn), ("name", name)));
        Assert.Empty(bad.Output);
        Assert.Equal("KmsSignature.InvalidHeaderValue", bad.ErrorId());
        Assert.Equal(name, bad.FirstError()!.TargetObject);
        Assert.Contains($"'{registered}'", bad.FirstError()!.Exception.Message, StringComparison.Ordinal);
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));
    }

    // Test-KmsSignature reads header segments of at most 8 KiB: a larger -Header made tokens it called Malformed, all of them.
    [Fact]
    public async Task A_Header_over_the_size_Test_KmsSignature_reads_is_refused_before_any_Sign()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var signs = fixture.Kms.Counters.Count("Sign");
        var bad = session.Run("New-KmsSignedJwt -KeyId $k -Header @{ x = 'y' * 6500 } @kmsSigner", Vars(("k", arn)));
        Assert.Empty(bad.Output);
        Assert.Equal("KmsSignature.InvalidHeaderValue", bad.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, bad.FirstError()!.CategoryInfo.Category);
        Assert.Equal(signs, fixture.Kms.Counters.Count("Sign"));

        var ok = session.Run("New-KmsSignedJwt -KeyId $k -Header @{ x = 'y' * 5500 } @kmsSigner | Test-KmsSignature -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess();
        Assert.Equal("Valid", Assert.Single(ok.Output).Properties["Status"].Value.ToString());
    }

    // Claim and header names from non-string keys were made with the session culture's ToString(): the same script
    // signed "1.5" on an en-US machine and "1,5" on a de-DE one. They are now the invariant text PowerShell's own
    // [string] conversion gives, at every level.
    [Fact]
    public async Task Non_string_keys_become_their_invariant_text_whatever_the_culture()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("""
            $culture = [cultureinfo]::CurrentCulture
            try {
                [cultureinfo]::CurrentCulture = 'de-DE'
                New-KmsSignedJwt -KeyId $k -Claims @{ 1.5 = 'a'; b = @{ 2.5 = 'c'; 3 = 'd' } } -Header @{ 4.5 = 'e' } -IssuedAt ([datetimeoffset]::FromUnixTimeSeconds(1800000000)) @kmsSigner
            } finally {
                [cultureinfo]::CurrentCulture = $culture
            }
            """, Vars(("k", arn))).AssertSuccess();
        var jwt = Assert.Single(result.Output);
        Assert.Equal("""{"iat":1800000000,"1.5":"a","b":{"2.5":"c","3":"d"}}""", jwt.Properties["ClaimsJson"].Value);
        Assert.Equal("e", Segment(jwt.ToString(), 0).GetProperty("4.5").GetString());
    }

    [Fact]
    public async Task A_lone_surrogate_in_claims_is_one_item_error_and_in_the_header_refused_never_signed_as_U_FFFD()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var session = fixture.NewSession();
        var result = session.Run("@{ n = 1 }, @{ s = 'x' + [char]0xD800 }, @{ n = 3 } | New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", arn)));
        Assert.Equal([1L, 3L], result.Output.Select(o => Segment(o.ToString(), 1).GetProperty("n").GetInt64()));
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.InvalidClaimValue", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal("s", error.TargetObject);

        var header = session.Run("New-KmsSignedJwt -KeyId $k -Header @{ x = [string][char]0xDC00 } @kmsSigner", Vars(("k", arn)));
        Assert.Empty(header.Output);
        Assert.Equal("KmsSignature.InvalidClaimValue", header.ErrorId());
    }

    // A key disabled while a bulk run signs with it: every item is a token or its own KMS error, in input order, and the
    // items after the disable are all errors targeting their claims; the run goes on to the end.
    [Fact]
    public async Task A_key_disabled_midway_fails_the_items_after_it_each_in_its_place()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256", "alias/disabled-midway");
        using var session = fixture.NewSession();
        var disable = new Action(() => fixture.Admin.DisableKeyAsync(new Amazon.KeyManagementService.Model.DisableKeyRequest { KeyId = arn }).GetAwaiter().GetResult());
        try
        {
            var result = session.Run("""
                1..12 | ForEach-Object { if ($_ -eq 6) { $disable.Invoke() }; [ordered]@{ n = $_ } } |
                    New-KmsSignedJwt -KeyId $k -ThrottleLimit 4 @kmsSigner 2>&1 |
                    ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "E$($_.TargetObject.n) $($_.FullyQualifiedErrorId.Split(',')[0])" } else { "T$($_.Claims.n)" } }
                """, Vars(("k", arn), ("disable", disable)));
            Assert.Null(result.Terminating);
            var lines = result.Output.Select(o => o.ToString()).ToList();
            Assert.Equal(Enumerable.Range(1, 12).Select(n => n.ToString()), lines.Select(l => l[1..].Split(' ')[0]));
            Assert.All(lines.Skip(5), l => Assert.Equal("KmsSignature.KmsDisabled", l.Split(' ')[1]));
            Assert.All(lines.Take(5), l => Assert.True(l.StartsWith('T') || l.EndsWith("KmsSignature.KmsDisabled", StringComparison.Ordinal), l));
        }
        finally
        {
            await fixture.Admin.EnableKeyAsync(new Amazon.KeyManagementService.Model.EnableKeyRequest { KeyId = arn });
        }
    }

    // Among piped keys, one the signer may read but not sign with: its tokens are KmsAccessDenied errors in their places,
    // the other keys' tokens are signed. A PSCustomObject target keeps its properties (it was an empty PSCustomObject: its
    // properties live on the PSObject wrapper), so the error says which key and the item can be sent again.
    [Fact]
    public async Task A_piped_key_the_signer_may_not_sign_with_fails_its_own_tokens_in_place_targeting_the_piped_object()
    {
        var ec = await fixture.KeyAsync("ECC_NIST_P256");
        var policy = $$"""
            {"Version":"2012-10-17","Statement":[
              {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{fixture.Kms.AccountId}}:root"},"Action":"kms:*","Resource":"*"},
              {"Sid":"ReadOnly","Effect":"Allow","Principal":{"AWS":"{{fixture.Kms.Signer.Arn}}"},"Action":["kms:GetPublicKey","kms:DescribeKey"],"Resource":"*"}]}
            """;
        var readOnly = (await fixture.Admin.CreateKeyAsync(new Amazon.KeyManagementService.Model.CreateKeyRequest
        {
            KeySpec = "ECC_NIST_P256", KeyUsage = Amazon.KeyManagementService.KeyUsageType.SIGN_VERIFY, Policy = policy,
        })).KeyMetadata.Arn;
        using var session = fixture.NewSession();
        var result = session.Run("""
            $keys | ForEach-Object { [pscustomobject]@{ KeyId = $_ } } | New-KmsSignedJwt -Subject s -ThrottleLimit 4 @kmsSigner 2>&1 |
                ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { "E $($_.FullyQualifiedErrorId.Split(',')[0]) $($_.TargetObject.KeyId)" } else { "T $($_.KeyId)" } }
            """, Vars(("keys", new[] { ec, readOnly, ec, readOnly, ec })));
        Assert.Null(result.Terminating);
        Assert.Equal([$"T {ec}", $"E KmsSignature.KmsAccessDenied {readOnly}", $"T {ec}", $"E KmsSignature.KmsAccessDenied {readOnly}", $"T {ec}"],
            result.Output.Select(o => o.ToString()));

        var claims = session.Run("[pscustomobject]@{ n = 7; data = 'x' * 800000 } | New-KmsSignedJwt -KeyId $k -ErrorVariable failed @kmsSigner; $failed[0].TargetObject.n",
            Vars(("k", ec)));
        Assert.Equal("KmsSignature.TokenTooLarge", claims.ErrorId());
        Assert.Equal(7, Assert.Single(claims.Output).BaseObject);
    }

    // A pipeline ended at the third token (a break, as `Select-Object -First 3` ends it) starts no Sign after it: at most
    // the three and the calls then in flight (ThrottleLimit) reach KMS, out of 200 items.
    [Fact]
    public async Task A_pipeline_ended_downstream_starts_no_more_Sign_calls()
    {
        var arn = await fixture.KeyAsync("ECC_NIST_P256");
        using var faults = fixture.FaultsOnSign(sign => sign.Latency = TimeSpan.FromMilliseconds(100));
        using var session = fixture.NewSession();
        session.Run("New-KmsSignedJwt -KeyId $k @kmsSigner", Vars(("k", arn))).AssertSuccess(); // key resolved
        var before = fixture.Kms.Counters.Count("Sign");
        var result = session.Run("$seen = 0; do { 1..200 | ForEach-Object { @{ n = $_ } } | New-KmsSignedJwt -KeyId $k -ThrottleLimit 4 @kmsSigner | ForEach-Object { $_; if (++$seen -eq 3) { break } } } while ($false)",
            Vars(("k", arn))).AssertSuccess();
        Assert.Equal(3, result.Output.Count);
        await Task.Delay(500);
        Assert.InRange(fixture.Kms.Counters.Count("Sign") - before, 3, 3 + 4);
    }
}
