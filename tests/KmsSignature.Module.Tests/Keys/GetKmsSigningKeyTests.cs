using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

public sealed class GetKmsSigningKeyTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static string Id(ScriptResult r) => Assert.Single(r.Errors).FullyQualifiedErrorId.Split(',')[0];

    [Fact]
    public async Task Every_identifier_form_finds_the_same_key()
    {
        var alias = "alias/" + Unique("forms");
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P384", alias: alias);
        var keyId = arn[(arn.LastIndexOf('/') + 1)..];
        var aliasArn = arn[..arn.IndexOf(":key/", StringComparison.Ordinal)] + ":" + alias;
        using var session = fixture.NewSession();
        foreach (var id in new[] { keyId, arn, alias, aliasArn })
        {
            var key = Assert.Single(session.Run("Get-KmsSigningKey -KeyId $id @kmsAdmin", new Dictionary<string, object?> { ["id"] = id }).AssertSuccess().Output);
            Assert.Equal(arn, key.Properties["Arn"].Value);
            Assert.Equal(alias, key.Properties["Alias"].Value);
            Assert.Equal(new[] { "ES384" }, (IEnumerable<string>)key.Properties["JwtAlgorithms"].Value);
        }
    }

    // kms:ListAliases can only be granted in IAM, never in a key policy: a verifier holding exactly the DescribeKey and
    // GetPublicKey that Set-KmsSignerPolicy grants could not look its key up by id or ARN, only because the alias is filled in.
    [Fact]
    public async Task A_caller_without_ListAliases_gets_the_key_by_id_or_ARN_without_its_alias()
    {
        var alias = "alias/" + Unique("noaliases");
        using var session = fixture.NewSession();
        var arn = (string)session.Run("(New-KmsSigningKey -Alias $a -VerifierPrincipal $verifierArn @kmsAdmin).Arn",
            new Dictionary<string, object?> { ["a"] = alias }).AssertSuccess().Output.Single().BaseObject;

        var result = session.Run("Get-KmsSigningKey -KeyId $k -Verbose @kmsVerifier", new Dictionary<string, object?> { ["k"] = arn }).AssertSuccess();
        var key = Assert.Single(result.Output);
        Assert.Equal(arn, key.Properties["Arn"].Value);
        Assert.Null(key.Properties["Alias"].Value);
        Assert.Contains(result.Verbose, v => v.Contains("ListAliases", StringComparison.Ordinal));

        var pem = session.Run("Get-KmsSigningKey -KeyId $k @kmsVerifier | Export-KmsPublicKeyPem @kmsVerifier", new Dictionary<string, object?> { ["k"] = arn }).AssertSuccess();
        Assert.Equal(arn, Assert.Single(pem.Output).Properties["Kid"].Value);
    }

    // One alias name is one DescribeKey, as -KeyId alias/... is: it listed every alias (kms:ListAliases, IAM-only) to find it.
    [Fact]
    public void A_caller_without_ListAliases_gets_the_key_by_an_alias_name_in_one_call()
    {
        var alias = "alias/" + Unique("byname");
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["a"] = alias };
        var arn = session.Run("(New-KmsSigningKey -Alias $a -VerifierPrincipal $verifierArn @kmsAdmin).Arn", vars).AssertSuccess().Output.Single().BaseObject;
        var lists = fixture.Kms.Counters.Count("ListAliases");
        var total = fixture.Kms.Counters.Total;

        var key = Assert.Single(session.Run("Get-KmsSigningKey -Alias $a @kmsVerifier", vars).AssertSuccess().Output);
        Assert.Equal(arn, key.Properties["Arn"].Value);
        Assert.Equal(alias, key.Properties["Alias"].Value);
        Assert.Equal(lists, fixture.Kms.Counters.Count("ListAliases"));
        Assert.Equal(total + 1, fixture.Kms.Counters.Total);

        var missing = session.Run("Get-KmsSigningKey -Alias $a @kmsVerifier", new Dictionary<string, object?> { ["a"] = alias + "-none" });
        Assert.Equal("KmsSignature.AliasNotFound", Id(missing));
        Assert.Equal(alias + "-none", Assert.Single(missing.Errors).TargetObject);
    }

    [Fact]
    public async Task A_caller_without_ListAliases_still_lists_every_key_without_aliases()
    {
        // An auditor role granted ListKeys and DescribeKey in IAM, not ListAliases (IAM-only too): the alias is a courtesy.
        var auditor = new LocalKmsPrincipal("AKIALOCALKMSAUDIT001", "LocalKmsAuditorSecretForTestingOnly00001", "arn:aws:iam::111122223333:role/KeyAuditor",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:ListKeys","kms:DescribeKey"],"Resource":"*"}]}""");
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { Principals = [.. LocalKmsPrincipal.Defaults("111122223333"), auditor] });
        System.Collections.Hashtable Connection(LocalKmsPrincipal p) =>
            new() { ["EndpointUrl"] = kms.Endpoint, ["Region"] = kms.Region, ["Credential"] = LocalKmsFixture.Credential(p) };
        using var session = new PowerShellSession();
        var vars = new Dictionary<string, object?> { ["admin"] = Connection(kms.Admin), ["auditor"] = Connection(auditor) };
        var made = session.Run("New-KmsSigningKey -Alias audited-1 @admin; New-KmsSigningKey -Alias audited-2 -KeySpec RSA_2048 @admin", vars)
            .AssertSuccess().Output.Select(k => (string)k.Properties["Arn"].Value).ToArray();

        var listed = session.Run("Get-KmsSigningKey -Verbose @auditor", vars).AssertSuccess();
        Assert.Equal(made, listed.Output.Select(k => (string)k.Properties["Arn"].Value));
        Assert.All(listed.Output, k => Assert.Null(k.Properties["Alias"].Value));
        Assert.Contains(listed.Verbose, v => v.Contains("ListAliases", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wildcard_alias_pages_through_ListAliases_and_skips_non_signing_keys()
    {
        var prefix = Unique("page");
        // 105 aliases over three keys: KMS allows at most 50 aliases per key (LocalKms enforces the quota too).
        var arns = new[]
        {
            await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256"),
            await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256"),
            await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256"),
        };
        await KmsSdk.CreateKeyAsync(fixture, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", $"alias/{prefix}-zz-encrypt");
        using (var admin = KmsSdk.For(fixture, fixture.Kms.Admin))
        {
            for (var i = 0; i < 105; i++)
            {
                await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = $"alias/{prefix}-{i:D3}", TargetKeyId = arns[i % 3] });
            }
        }

        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["pattern"] = $"alias/{prefix}-*" };
        var lists = fixture.Kms.Counters.Count("ListAliases");
        var describes = fixture.Kms.Counters.Count("DescribeKey");
        var keys = session.Run("Get-KmsSigningKey -Alias $pattern @kmsAdmin", vars).AssertSuccess().Output;
        Assert.Equal(105, keys.Count);
        Assert.Equal(4, fixture.Kms.Counters.Count("DescribeKey") - describes); // one per key (the encrypt key's included), not per alias
        Assert.All(keys, k => Assert.Contains((string)k.Properties["Arn"].Value, arns));
        Assert.True(fixture.Kms.Counters.Count("ListAliases") - lists >= 2, "ListAliases must be paginated");

        var all = session.Run("Get-KmsSigningKey -Alias $pattern -IncludeAllKeyUsage @kmsAdmin", vars).AssertSuccess().Output;
        Assert.Equal(106, all.Count);
        Assert.Contains(all, k => (string)k.Properties["KeyUsage"].Value == "ENCRYPT_DECRYPT");

        var none = session.Run("Get-KmsSigningKey -Alias 'no-such-*' @kmsAdmin").AssertSuccess();
        Assert.Empty(none.Output);
    }

    // -Alias supports wildcards as PowerShell does, brackets included; '[' and ']' cannot be in an alias name, so they were
    // either refused as an invalid name or matched literally (nothing, silently).
    [Fact]
    public async Task Alias_patterns_take_PowerShell_bracket_wildcards()
    {
        var prefix = Unique("brackets");
        var a = await KmsSdk.CreateKeyAsync(fixture, alias: $"alias/{prefix}-a1");
        var b = await KmsSdk.CreateKeyAsync(fixture, alias: $"alias/{prefix}-b");
        await KmsSdk.CreateKeyAsync(fixture, alias: $"alias/{prefix}-c");
        using var session = fixture.NewSession();
        string[] Arns(string pattern) => session.Run("Get-KmsSigningKey -Alias $p @kmsAdmin", new Dictionary<string, object?> { ["p"] = pattern })
            .AssertSuccess().Output.Select(k => (string)k.Properties["Arn"].Value).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(new[] { b }, Arns($"alias/{prefix}-[bx]"));
        Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), Arns($"{prefix}-[a-b]*"));
        Assert.Empty(Arns($"{prefix}-[xy]"));

        var unclosed = session.Run("Get-KmsSigningKey -Alias $p @kmsAdmin", new Dictionary<string, object?> { ["p"] = $"{prefix}-[ab" });
        Assert.Equal("KmsSignature.InvalidAliasPattern", Id(unclosed));
        Assert.Equal($"{prefix}-[ab", Assert.Single(unclosed.Errors).TargetObject);
    }

    [Fact]
    public async Task Unknown_keys_and_aliases_are_not_found_with_the_KMS_code_and_request_id()
    {
        using var session = fixture.NewSession();
        var unknown = session.Run("Get-KmsSigningKey -KeyId 11111111-2222-3333-4444-555555555555 @kmsAdmin");
        var error = Assert.Single(unknown.Errors);
        Assert.Equal("KmsSignature.KmsNotFound", Id(unknown));
        Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
        var exception = error.Exception;
        Assert.Equal("NotFoundException", exception.GetType().GetProperty("KmsErrorCode")!.GetValue(exception));
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", (string?)exception.GetType().GetProperty("RequestId")!.GetValue(exception));

        Assert.Equal("KmsSignature.KmsNotFound", Id(session.Run("Get-KmsSigningKey -KeyId alias/does-not-exist @kmsAdmin")));
        Assert.Equal("KmsSignature.AliasNotFound", Id(session.Run("Get-KmsSigningKey -Alias does-not-exist @kmsAdmin")));

        var calls = fixture.Kms.Counters.Total;
        Assert.Equal("KmsSignature.InvalidKeyIdentifier", Id(session.Run("Get-KmsSigningKey -KeyId 'arn:aws:kms:us-east-1:12:key/x' @kmsAdmin")));
        Assert.Equal(calls, fixture.Kms.Counters.Total);

        var encrypt = await KmsSdk.CreateKeyAsync(fixture, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT");
        Assert.Equal("KmsSignature.KeyNotForSigning", Id(session.Run("Get-KmsSigningKey -KeyId $k @kmsAdmin", new Dictionary<string, object?> { ["k"] = encrypt })));
    }

    // KMS answers NotFound for an ARN of another Region, which read as if the key did not exist.
    [Fact]
    public async Task An_ARN_of_another_Region_is_an_error_that_names_both_Regions()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        var elsewhere = arn.Replace($":kms:{fixture.Kms.Region}:", ":kms:eu-west-3:", StringComparison.Ordinal);
        Assert.NotEqual(arn, elsewhere);
        using var session = fixture.NewSession();
        foreach (var script in new[] { "Get-KmsSigningKey -KeyId $k @kmsAdmin", "Export-KmsPublicKeyPem -KeyId $k @kmsAdmin" })
        {
            var result = session.Run(script, new Dictionary<string, object?> { ["k"] = elsewhere });
            Assert.Equal("KmsSignature.KeyInOtherRegion", Id(result));
            var error = Assert.Single(result.Errors);
            Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
            Assert.Equal(elsewhere, error.TargetObject);
            Assert.Contains("eu-west-3", error.Exception.Message);
            Assert.Contains(fixture.Kms.Region, error.Exception.Message);
            Assert.Equal("NotFoundException", error.Exception.GetType().GetProperty("KmsErrorCode")!.GetValue(error.Exception));
            Assert.Equal("Add -Region eu-west-3.", error.ErrorDetails?.RecommendedAction);
        }
    }

    // Every account lists AWS's predefined aliases (alias/aws/s3, ...) with no TargetKeyId until the service makes the key;
    // LocalKms lists them too. A wildcard that matches them has no key to show for them, and no error.
    [Fact]
    public async Task Predefined_AWS_aliases_that_name_no_key_yet_are_skipped_by_wildcards()
    {
        var alias = "alias/" + Unique("beside-aws");
        await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256", alias: alias);
        using var session = fixture.NewSession();
        var result = session.Run("Get-KmsSigningKey -Alias 'aws/*' -IncludeAllKeyUsage @kmsAdmin").AssertSuccess();
        Assert.Empty(result.Output);
        var all = session.Run("Get-KmsSigningKey -Alias '*' -IncludeAllKeyUsage @kmsAdmin").AssertSuccess();
        Assert.Contains(all.Output, k => (string?)k.Properties["Alias"].Value == alias);
        Assert.DoesNotContain(all.Output, k => ((string?)k.Properties["Alias"].Value)?.StartsWith("alias/aws/", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void An_AWS_managed_alias_is_looked_up_not_refused_as_reserved()
    {
        // alias/aws/ is reserved for creating aliases, but AWS managed keys carry such aliases, and -IncludeAllKeyUsage
        // exists to find keys that do not sign: looking one up asks KMS (LocalKms has no AWS managed keys: not found).
        using var session = fixture.NewSession();
        var describes = fixture.Kms.Counters.Count("DescribeKey");
        var result = session.Run("Get-KmsSigningKey -Alias aws/ebs -IncludeAllKeyUsage @kmsAdmin");
        Assert.Equal("KmsSignature.AliasNotFound", Id(result));
        Assert.Equal("alias/aws/ebs", Assert.Single(result.Errors).TargetObject);
        Assert.True(fixture.Kms.Counters.Count("DescribeKey") > describes);
    }

    [Fact]
    public async Task Disabled_and_pending_deletion_keys_are_shown_with_their_state()
    {
        var disabled = await KmsSdk.CreateKeyAsync(fixture);
        var deleted = await KmsSdk.CreateKeyAsync(fixture);
        using (var admin = KmsSdk.For(fixture, fixture.Kms.Admin))
        {
            await admin.DisableKeyAsync(new DisableKeyRequest { KeyId = disabled });
            await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = deleted, PendingWindowInDays = 7 });
        }

        using var session = fixture.NewSession();
        var states = session.Run("Get-KmsSigningKey -KeyId $a, $b @kmsAdmin | ForEach-Object KeyState",
            new Dictionary<string, object?> { ["a"] = disabled, ["b"] = deleted }).AssertSuccess().Output.Select(o => o.BaseObject);
        Assert.Equal(new object[] { "Disabled", "PendingDeletion" }, states);
    }

    [Fact]
    public async Task Access_denied_keeps_the_KMS_code_and_maps_to_PermissionDenied()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        using var session = fixture.NewSession();
        var result = session.Run("Get-KmsSigningKey -KeyId $k @kmsVerifier", new Dictionary<string, object?> { ["k"] = arn });
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.KmsAccessDenied", Id(result));
        Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Contains("AccessDeniedException", error.ToString());
    }

    [Fact]
    public async Task A_key_that_cannot_be_described_is_one_error_and_every_other_key_is_still_listed_in_order()
    {
        // A LocalKms of its own: the listing must hold exactly the keys made here.
        var own = new LocalKmsFixture();
        await own.InitializeAsync();
        try
        {
            var prefix = Unique("list");
            var first = await KmsSdk.CreateKeyAsync(own, alias: $"alias/{prefix}-1");
            string hidden;
            using (var admin = KmsSdk.For(own, own.Kms.Admin))
            {
                // Another team's key: its policy lets the admin name it, but not describe it.
                hidden = (await admin.CreateKeyAsync(new CreateKeyRequest
                {
                    KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY", BypassPolicyLockoutSafetyCheck = true,
                    Policy = $$"""
                        {"Version":"2012-10-17","Statement":[
                        {"Sid":"team","Effect":"Allow","Principal":{"AWS":"{{own.Kms.Signer.Arn}}"},"Action":"kms:*","Resource":"*"},
                        {"Sid":"naming","Effect":"Allow","Principal":{"AWS":"{{own.Kms.Admin.Arn}}"},"Action":"kms:CreateAlias","Resource":"*"}]}
                        """,
                })).KeyMetadata.KeyId;
                await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = $"alias/{prefix}-2", TargetKeyId = hidden });
            }

            var third = await KmsSdk.CreateKeyAsync(own, "RSA_2048", alias: $"alias/{prefix}-3");
            using var session = own.NewSession();

            foreach (var script in new[] { "Get-KmsSigningKey @kmsAdmin", "Get-KmsSigningKey -Alias \"alias/$prefix-*\" @kmsAdmin" })
            {
                var result = session.Run(script, new Dictionary<string, object?> { ["prefix"] = prefix });
                Assert.Null(result.Terminating);
                Assert.Equal(new[] { first, third }, result.Output.Select(k => (string)k.Properties["Arn"].Value));
                var error = Assert.Single(result.Errors);
                Assert.Equal("KmsSignature.KmsAccessDenied", Id(result));
                Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
                Assert.Equal(hidden, error.TargetObject);
            }
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    // The SDK's standard mode makes three attempts (AWS_MAX_ATTEMPTS or max_attempts change that); five retries of
    // backoff up to 2^n seconds kept an admin waiting about 15 s, 31 s at worst, for an endpoint that refused every call.
    [Fact]
    public async Task A_failing_call_is_attempted_as_the_SDK_s_standard_mode_does_three_times()
    {
        var own = new LocalKmsFixture();
        await own.InitializeAsync();
        try
        {
            var arn = await KmsSdk.CreateKeyAsync(own);
            using var session = own.NewSession();
            own.Kms.Faults.For("DescribeKey").ErrorProbability = 1;
            var before = own.Kms.Counters.Count("DescribeKey");

            var result = session.Run("Get-KmsSigningKey -KeyId $k @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn });

            Assert.Single(result.Errors);
            Assert.Equal(3, own.Kms.Counters.Count("DescribeKey") - before);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    [Fact]
    public async Task Throttling_beyond_retries_is_LimitsExceeded()
    {
        // A LocalKms of its own: the throttled DescribeKey must not slow the shared fixture's other tests.
        var own = new LocalKmsFixture();
        await own.InitializeAsync();
        try
        {
            var arn = await KmsSdk.CreateKeyAsync(own);
            using var session = own.NewSession();
            own.Kms.Faults.For("DescribeKey").RequestsPerSecond = 0.001;
            session.Run("Get-KmsSigningKey -KeyId $k @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn }); // takes the one token
            var result = session.Run("Get-KmsSigningKey -KeyId $k @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn });
            var error = Assert.Single(result.Errors);
            Assert.Equal("KmsSignature.KmsThrottling", Id(result));
            Assert.Equal(System.Management.Automation.ErrorCategory.LimitsExceeded, error.CategoryInfo.Category);
            Assert.True(own.Kms.Counters.Count("DescribeKey") >= 2);
        }
        finally
        {
            await own.DisposeAsync();
        }
    }

    // Each record would wait out the SDK's retries and fail the same way: the first such error ends the run.
    [Fact]
    public void Unreachable_endpoint_ends_a_piped_run_at_the_first_key()
    {
        using var closed = new ClosedPort();
        var port = closed.Port;
        using var session = fixture.NewSession();
        var result = session.Run("$c = $kmsAdmin.Clone(); $c.EndpointUrl = \"http://127.0.0.1:$port/\"; " +
                                 "try { 'alias/a', 'alias/b', 'alias/c' | Get-KmsSigningKey @c } catch { $_ }",
            new Dictionary<string, object?> { ["port"] = port });

        Assert.Empty(result.Errors); // nothing non-terminating: the one error was caught as terminating
        var error = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(result.Output).BaseObject);
        Assert.StartsWith("KmsSignature.KmsEndpointUnreachable", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Equal("alias/a", error.TargetObject);
    }

    [Fact]
    public void Unreachable_endpoint_is_a_connection_error()
    {
        using var closed = new ClosedPort();
        var port = closed.Port;
        using var session = fixture.NewSession();
        var result = session.Run("$c = $kmsAdmin.Clone(); $c.EndpointUrl = \"http://127.0.0.1:$port/\"; Get-KmsSigningKey -KeyId alias/anything @c",
            new Dictionary<string, object?> { ["port"] = port });
        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.KmsEndpointUnreachable", Id(result));
        Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, error.CategoryInfo.Category);
    }
}
