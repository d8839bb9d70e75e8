using System.Text.Json.Nodes;
using Amazon.KeyManagementService.Model;
using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

internal static class PolicyText
{
    /// <summary>Fills @@placeholders@@ (raw strings of JSON make interpolation braces unreadable).</summary>
    public static string Fill(this string text, LocalKmsFixture fixture, string root) => text
        .Replace("@@Root@@", root)
        .Replace("@@fixture.Kms.AccountId@@", fixture.Kms.AccountId)
        .Replace("@@fixture.Kms.Admin.Arn@@", fixture.Kms.Admin.Arn)
        .Replace("@@fixture.Kms.Signer.Arn@@", fixture.Kms.Signer.Arn)
        .Replace("@@fixture.Kms.Verifier.Arn@@", fixture.Kms.Verifier.Arn);
}

public sealed class SetKmsSignerPolicyTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private string Root => $"arn:aws:iam::{fixture.Kms.AccountId}:root";

    private static string Id(ScriptResult r) => Assert.Single(r.Errors).FullyQualifiedErrorId.Split(',')[0];

    // A request the policy already grants: reported as NoChange, and no PutKeyPolicy call.
    private void AssertNoChange(PowerShellSession session, string script, Dictionary<string, object?> vars)
    {
        var puts = fixture.Kms.Counters.Count("PutKeyPolicy");
        var again = Assert.Single(session.Run(script, vars).AssertSuccess().Output);
        Assert.Equal("NoChange", again.Properties["Status"].Value.ToString());
        Assert.Equal(puts, fixture.Kms.Counters.Count("PutKeyPolicy"));
    }

    private string PolicyWithForeignStatement() => """
        {"Version":"2012-10-17","Id":"team-policy","Comment":"kept","Statement":[
          {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"@@Root@@"},"Action":"kms:*","Resource":"*"},
          {"Sid":"AuditorsDescribe","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::@@fixture.Kms.AccountId@@:role/Auditor"]},
           "Action":["kms:DescribeKey"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"@@fixture.Kms.AccountId@@"}}}]}
        """.Fill(fixture, Root);

    [Fact]
    public async Task Merges_our_statements_keeps_foreign_ones_exactly_and_the_second_run_is_NoChange()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, policy: PolicyWithForeignStatement());
        var foreignBefore = JsonNode.Parse(await KmsSdk.PolicyAsync(fixture, arn))!["Statement"]![1]!.ToJsonString();
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };

        var result = Assert.Single(session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn, $signerArn -VerifierPrincipal $verifierArn -PassThru @kmsAdmin", vars)
            .AssertSuccess().Output);
        Assert.Equal("Updated", result.Properties["Status"].Value.ToString());
        var policy = JsonNode.Parse((string)result.Properties["Json"].Value)!;
        Assert.Equal("team-policy", (string?)policy["Id"]);
        Assert.Equal("kept", (string?)policy["Comment"]);
        var statements = policy["Statement"]!.AsArray();
        Assert.Equal("Enable IAM User Permissions", (string?)statements[0]!["Sid"]);
        Assert.Equal(foreignBefore, statements[1]!.ToJsonString());
        Assert.Equal(new[] { "KmsSignatureSigners", "KmsSignatureSignersPublicKey", "KmsSignatureVerifiers" },
            statements.Skip(2).Select(s => (string?)s!["Sid"]));
        Assert.Equal(fixture.Kms.Signer.Arn, (string?)statements[2]!["Principal"]!["AWS"]); // deduped
        Assert.DoesNotContain("kms:Sign", statements[4]!.ToJsonString());

        Assert.Null(await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256"));
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Verifier, arn, "ECDSA_SHA_256"));
        Assert.Null(await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Verifier, arn));

        AssertNoChange(session, "Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -PassThru @kmsAdmin", vars);
    }

    [Fact]
    public async Task Conditions_added_to_our_statements_survive_a_merge_and_a_repeat_is_NoChange()
    {
        // Someone tightened our signer statement by hand: DIGEST only, and only principals of this partition.
        var policy = """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"@@Root@@"},"Action":"kms:*","Resource":"*"},
              {"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":"@@fixture.Kms.Signer.Arn@@"},"Action":"kms:Sign","Resource":"*",
               "Condition":{"StringEquals":{"kms:MessageType":"DIGEST","kms:SigningAlgorithm":"ECDSA_SHA_256"},"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}},
              {"Sid":"KmsSignatureSignersPublicKey","Effect":"Allow","Principal":{"AWS":"@@fixture.Kms.Signer.Arn@@"},"Action":["kms:DescribeKey","kms:GetPublicKey"],"Resource":"*"}]}
            """.Fill(fixture, Root);
        var arn = await KmsSdk.CreateKeyAsync(fixture, policy: policy);
        var signersBefore = JsonNode.Parse(await KmsSdk.PolicyAsync(fixture, arn))!["Statement"]![1]!.ToJsonString();
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256")); // RAW
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };

        var result = Assert.Single(session.Run("Set-KmsSignerPolicy -KeyId $k -VerifierPrincipal $verifierArn -PassThru @kmsAdmin", vars).AssertSuccess().Output);
        Assert.Equal("Updated", result.Properties["Status"].Value.ToString());
        Assert.Equal("Added statement KmsSignatureVerifiers", Assert.Single((IEnumerable<object>)result.Properties["Changes"].Value).ToString());
        Assert.Equal(signersBefore, JsonNode.Parse(await KmsSdk.PolicyAsync(fixture, arn))!["Statement"]![1]!.ToJsonString());
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256"));
        Assert.Null(await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Verifier, arn));

        AssertNoChange(session, "Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn -SigningAlgorithm ECDSA_SHA_256 -PassThru @kmsAdmin", vars);

        // Adding a signer changes the principals and nothing else: the hand-added conditions still hold for everyone.
        session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $verifierArn @kmsAdmin", vars).AssertSuccess();
        var signers = JsonNode.Parse(await KmsSdk.PolicyAsync(fixture, arn))!["Statement"]![1]!;
        Assert.Equal("DIGEST", (string?)signers["Condition"]!["StringEquals"]!["kms:MessageType"]);
        Assert.Equal("arn:aws:iam::*", (string?)signers["Condition"]!["StringLike"]!["aws:PrincipalArn"]);
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Verifier, arn, "ECDSA_SHA_256"));
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256"));
    }

    [Fact]
    public async Task An_explicit_Deny_that_blocks_the_grants_is_reported()
    {
        // A guard statement another team keeps on every key: nobody may sign, except through a pipeline it controls.
        var policy = """
            {"Version":"2012-10-17","Statement":[
              {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"@@Root@@"},"Action":"kms:*","Resource":"*"},
              {"Sid":"DenySigningOutsidePipeline","Effect":"Deny","Principal":{"AWS":"@@Root@@"},"Action":["kms:Sign*"],"Resource":"*"},
              {"Sid":"DenyOtherAccounts","Effect":"Deny","Principal":"*","NotAction":"kms:Describe*","Resource":"*",
               "Condition":{"StringNotEquals":{"aws:PrincipalAccount":"@@fixture.Kms.AccountId@@"}}}]}
            """.Fill(fixture, Root);
        var arn = await KmsSdk.CreateKeyAsync(fixture, policy: policy);
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };

        var result = session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -PassThru -Verbose @kmsAdmin", vars).AssertSuccess();
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256"));
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("DenySigningOutsidePipeline", warning);
        Assert.Contains("kms:Sign", warning);
        Assert.Contains(fixture.Kms.Signer.Arn, warning);
        Assert.DoesNotContain(fixture.Kms.Verifier.Arn, warning);
        // A Deny with a condition may well not apply (here: to principals of the account): -Verbose, not a warning.
        Assert.Contains(result.Verbose, v => v.Contains("DenyOtherAccounts") && v.Contains("condition"));
        var denies = (IEnumerable<object>)Assert.Single(result.Output).Properties["BlockingDenies"].Value;
        Assert.Equal(2, denies.Count());

        // A repeat that changes nothing still says so.
        Assert.Single(session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn @kmsAdmin", vars).AssertSuccess().Warnings);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-Remove")]
    [InlineData("-Force -PassThru")]
    [InlineData("-Remove -WhatIf")]
    public async Task A_command_that_asks_for_nothing_is_a_parameter_error_before_any_call(string switches)
    {
        // Without a principal, -SigningAlgorithm or -AllowKmsVerify there is nothing to merge: saying NoChange would
        // hide a runbook's mistake (a variable of principals that came out empty, a forgotten -SignerPrincipal).
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        using var session = fixture.NewSession();
        var calls = fixture.Kms.Counters.Total;

        var result = session.Run($"Set-KmsSignerPolicy -KeyId $k {switches} @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn });

        var error = result.TerminatingRecord ?? Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.NothingToChange", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(arn, error.TargetObject);
        Assert.Contains("-SignerPrincipal", error.ToString());
        Assert.Empty(result.Output);
        Assert.Equal(calls, fixture.Kms.Counters.Total);
    }

    [Fact]
    public async Task WhatIf_makes_no_mutating_call()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        using var session = fixture.NewSession();
        var before = KmsSdk.Mutations(fixture.Kms);
        var policy = await KmsSdk.PolicyAsync(fixture, arn);
        session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn -WhatIf @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn }).AssertSuccess();
        Assert.Equal(before, KmsSdk.Mutations(fixture.Kms));
        Assert.Equal(policy, await KmsSdk.PolicyAsync(fixture, arn));
    }

    // A JOSE name or a typo is no KMS algorithm for any key: refused as New-KmsSigningKey refuses it, before any KMS call.
    [Theory]
    [InlineData("ES256")]
    [InlineData("ECDSA_SHA256")]
    public async Task A_SigningAlgorithm_that_is_no_KMS_algorithm_is_InvalidSigningAlgorithm_before_any_call(string algorithm)
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        using var session = fixture.NewSession();
        var calls = fixture.Kms.Counters.Total;
        var result = session.Run("Set-KmsSignerPolicy -KeyId $k -SigningAlgorithm $a @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn, ["a"] = algorithm });
        Assert.Equal("KmsSignature.InvalidSigningAlgorithm", Id(result));
        Assert.Equal(algorithm, Assert.Single(result.Errors).TargetObject);
        Assert.Equal(calls, fixture.Kms.Counters.Total);
        Assert.Equal("KmsSignature.InvalidSigningAlgorithm", Id(session.Run(
            "New-KmsSigningKey -Alias $a2 -SigningAlgorithm $a @kmsAdmin", new Dictionary<string, object?> { ["a2"] = "alias/x-" + Guid.NewGuid().ToString("N"), ["a"] = algorithm })));
    }

    [Fact]
    public async Task SigningAlgorithm_conditions_Sign_only_AllowKmsVerify_and_Remove()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "RSA_2048");
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };
        session.Run("Get-KmsSigningKey -KeyId $k @kmsAdmin | Set-KmsSignerPolicy -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -SigningAlgorithm RSASSA_PSS_SHA_256 -AllowKmsVerify @kmsAdmin", vars)
            .AssertSuccess();
        Assert.Null(await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "RSASSA_PSS_SHA_256"));
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "RSASSA_PKCS1_V1_5_SHA_256"));
        Assert.Null(await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Signer, arn)); // the condition is not on GetPublicKey
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Verifier, arn, "RSASSA_PSS_SHA_256"));
        var policy = await KmsSdk.PolicyAsync(fixture, arn);
        Assert.Contains("KmsSignatureVerifiersKmsVerify", policy);

        Assert.Equal("KmsSignature.SigningAlgorithmNotForKey",
            Id(session.Run("Set-KmsSignerPolicy -KeyId $k -SigningAlgorithm ECDSA_SHA_256 @kmsAdmin", vars)));

        session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn -AllowKmsVerify -Remove @kmsAdmin", vars).AssertSuccess();
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "RSASSA_PSS_SHA_256"));
        policy = await KmsSdk.PolicyAsync(fixture, arn);
        Assert.DoesNotContain("KmsSignatureSigners", policy);
        Assert.DoesNotContain("KmsSignatureVerifiersKmsVerify", policy);
        Assert.Contains("KmsSignatureVerifiers", policy);
    }

    [Fact]
    public async Task Removing_the_last_signing_algorithm_is_refused_and_the_signers_stay_restricted()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture, "RSA_2048");
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };
        session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn -SigningAlgorithm RSASSA_PSS_SHA_256 @kmsAdmin", vars).AssertSuccess();
        var policy = await KmsSdk.PolicyAsync(fixture, arn);
        var puts = fixture.Kms.Counters.Count("PutKeyPolicy");

        var result = session.Run("Set-KmsSignerPolicy -KeyId $k -SigningAlgorithm RSASSA_PSS_SHA_256 -Remove -PassThru @kmsAdmin", vars);
        Assert.Equal("KmsSignature.LastSigningAlgorithm", Id(result));
        var error = result.Errors[0];
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Equal(arn, error.TargetObject);
        Assert.Contains("-SignerPrincipal", error.ErrorDetails.RecommendedAction);
        Assert.Empty(result.Output);

        Assert.Equal(puts, fixture.Kms.Counters.Count("PutKeyPolicy"));
        Assert.Equal(policy, await KmsSdk.PolicyAsync(fixture, arn));
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "RSASSA_PKCS1_V1_5_SHA_256"));
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "RSASSA_PSS_SHA_512"));
        Assert.Null(await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "RSASSA_PSS_SHA_256"));

        // What the error recommends works: revoking the signer leaves nobody able to sign.
        session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn -SigningAlgorithm RSASSA_PSS_SHA_256 -Remove @kmsAdmin", vars).AssertSuccess();
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "RSASSA_PKCS1_V1_5_SHA_256"));
    }

    [Fact]
    public async Task Wildcard_principal_needs_Force()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        using var session = fixture.NewSession();
        var vars = new Dictionary<string, object?> { ["k"] = arn };
        Assert.Equal("KmsSignature.WildcardPrincipal", Id(session.Run("Set-KmsSignerPolicy -KeyId $k -VerifierPrincipal '*' @kmsAdmin", vars)));
        session.Run("Set-KmsSignerPolicy -KeyId $k -VerifierPrincipal '*' -Force @kmsAdmin", vars).AssertSuccess();
        Assert.Null(await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Signer, arn));
    }

    [Fact]
    public async Task Refuses_to_drop_the_only_administration_grant()
    {
        // Someone put administration into a statement with our Sid; rewriting it would lock everyone out.
        var policy = """{"Version":"2012-10-17","Statement":[{"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":"@@fixture.Kms.Admin.Arn@@"},"Action":"kms:*","Resource":"*"}]}""".Fill(fixture, Root);
        var arn = await KmsSdk.CreateKeyAsync(fixture, policy: policy);
        using var session = fixture.NewSession();
        var puts = fixture.Kms.Counters.Count("PutKeyPolicy");
        var result = session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $signerArn @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn });
        Assert.Equal("KmsSignature.PolicyLockout", Id(result));
        Assert.Contains("lockout", result.Errors[0].ToString());
        Assert.Equal(puts, fixture.Kms.Counters.Count("PutKeyPolicy"));
    }

    [Fact]
    public async Task Oversize_policy_is_refused_before_the_call()
    {
        var arn = await KmsSdk.CreateKeyAsync(fixture);
        using var session = fixture.NewSession();
        var many = Enumerable.Range(0, 700).Select(i => $"arn:aws:iam::{fixture.Kms.AccountId}:role/app/signer-role-number-{i:D4}").ToArray();
        var puts = fixture.Kms.Counters.Count("PutKeyPolicy");
        var result = session.Run("Set-KmsSignerPolicy -KeyId $k -SignerPrincipal $many @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn, ["many"] = many });
        Assert.Equal("KmsSignature.PolicyTooLarge", Id(result));
        Assert.Equal(System.Management.Automation.ErrorCategory.LimitsExceeded, result.Errors[0].CategoryInfo.Category);
        Assert.Equal(puts, fixture.Kms.Counters.Count("PutKeyPolicy"));
    }

    [Fact]
    public async Task Malformed_policy_on_the_key_is_left_alone()
    {
        // A policy stored by a lenient writer (LocalKms, like many JSON parsers, keeps one of the duplicate "Effect"
        // members). Which one a reader keeps is undefined: merging into it could change what it means, so we refuse.
        var policy = """
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"@@Root@@"},"Action":"kms:*","Resource":"*"},
            {"Sid":"Readers","Effect":"Deny","Effect":"Allow","Principal":{"AWS":"@@fixture.Kms.Verifier.Arn@@"},"Action":"kms:GetPublicKey","Resource":"*"}]}
            """.Fill(fixture, Root);
        var arn = await KmsSdk.CreateKeyAsync(fixture, policy: policy);
        var before = await KmsSdk.PolicyAsync(fixture, arn);
        using var session = fixture.NewSession();
        var result = session.Run("Set-KmsSignerPolicy -KeyId $k -VerifierPrincipal $verifierArn @kmsAdmin", new Dictionary<string, object?> { ["k"] = arn });
        Assert.Equal("KmsSignature.MalformedKeyPolicy", Id(result));
        Assert.Equal(before, await KmsSdk.PolicyAsync(fixture, arn));
    }

    [Fact]
    public async Task Unknown_disabled_pending_deletion_and_encrypt_keys()
    {
        var disabled = await KmsSdk.CreateKeyAsync(fixture);
        var deleted = await KmsSdk.CreateKeyAsync(fixture);
        var encrypt = await KmsSdk.CreateKeyAsync(fixture, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT");
        using (var admin = KmsSdk.For(fixture, fixture.Kms.Admin))
        {
            await admin.DisableKeyAsync(new DisableKeyRequest { KeyId = disabled });
            await admin.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = deleted, PendingWindowInDays = 7 });
        }

        using var session = fixture.NewSession();
        string Run(string k) => Id(session.Run("Set-KmsSignerPolicy -KeyId $k -VerifierPrincipal $verifierArn @kmsAdmin", new Dictionary<string, object?> { ["k"] = k }));
        Assert.Equal("KmsSignature.KmsNotFound", Run("alias/no-such-key"));
        Assert.Equal("KmsSignature.KeyNotForSigning", Run(encrypt));
        // KMS allows PutKeyPolicy on disabled keys and keys pending deletion: it works, with a warning.
        foreach (var (key, state) in new[] { (disabled, "Disabled"), (deleted, "PendingDeletion") })
        {
            var result = session.Run("Set-KmsSignerPolicy -KeyId $k -VerifierPrincipal $verifierArn @kmsAdmin", new Dictionary<string, object?> { ["k"] = key }).AssertSuccess();
            Assert.Contains(state, Assert.Single(result.Warnings));
            Assert.Contains("KmsSignatureVerifiers", await KmsSdk.PolicyAsync(fixture, key));
        }
    }
}
