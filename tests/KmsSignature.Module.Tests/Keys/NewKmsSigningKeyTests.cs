using KmsSignature.Module.Tests.Hosting;

namespace KmsSignature.Module.Tests.Keys;

public sealed class NewKmsSigningKeyTests(LocalKmsFixture fixture) : IClassFixture<LocalKmsFixture>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    [Fact]
    public async Task Creates_a_key_born_with_its_signer_and_verifier_policy()
    {
        using var session = fixture.NewSession();
        var alias = Unique("born");
        var puts = fixture.Kms.Counters.Count("PutKeyPolicy");
        var key = Assert.Single(session.Run(
            "New-KmsSigningKey -Alias $alias -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -Description 'jwt key' -Tag @{ team = 'id' } @kmsAdmin",
            new Dictionary<string, object?> { ["alias"] = alias }).AssertSuccess().Output);

        Assert.Equal("alias/" + alias, key.Properties["Alias"].Value);
        Assert.Equal("ECC_NIST_P256", key.Properties["KeySpec"].Value);
        Assert.Equal("Enabled", key.Properties["KeyState"].Value);
        Assert.Equal(new[] { "ES256" }, (IEnumerable<string>)key.Properties["JwtAlgorithms"].Value);
        Assert.Equal(new[] { "ECDSA_SHA_256" }, (IEnumerable<string>)key.Properties["SigningAlgorithms"].Value);
        Assert.Equal(fixture.Kms.Region, key.Properties["Region"].Value);
        var arn = (string)key.Properties["Arn"].Value;
        Assert.EndsWith((string)key.Properties["KeyId"].Value, arn);

        // Born with the policy: no PutKeyPolicy, so never a moment under the default policy.
        Assert.Equal(puts, fixture.Kms.Counters.Count("PutKeyPolicy"));
        Assert.Contains("KmsSignatureSigners", await KmsSdk.PolicyAsync(fixture, arn));
        Assert.Null(await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256"));
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Verifier, arn, "ECDSA_SHA_256"));
        Assert.Null(await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Verifier, arn));
        var metadata = await KmsSdk.DescribeAsync(fixture, "alias/" + alias);
        Assert.Equal("jwt key", metadata.Description);
    }

    [Fact]
    public void WhatIf_makes_no_mutating_call_and_names_the_spec_as_KMS_spells_it()
    {
        var console = new TextHost(300);
        using var session = fixture.NewSession(console);
        var before = KmsSdk.Mutations(fixture.Kms);
        var result = session.Run("New-KmsSigningKey -Alias $alias -KeySpec rsa_2048 -SignerPrincipal $signerArn -WhatIf @kmsAdmin",
            new Dictionary<string, object?> { ["alias"] = Unique("whatif") }).AssertSuccess();
        Assert.Empty(result.Output);
        Assert.Equal(before, KmsSdk.Mutations(fixture.Kms));
        var said = Assert.Single(console.Text.Split('\n'), l => l.StartsWith("What if:", StringComparison.Ordinal));
        Assert.Contains("Create an RSA_2048 signing key", said, StringComparison.Ordinal);
    }

    // Another run makes the alias while -Confirm's prompt is open: this run's key is then an orphan, and reusing the other
    // key changes its policy, which is not what was confirmed, so it is asked again.
    [Theory]
    [InlineData("&No")]
    [InlineData("&Yes")]
    public async Task UseExisting_asks_again_before_changing_the_policy_of_a_key_another_run_named_meanwhile(string secondAnswer)
    {
        var alias = "alias/" + Unique("confirmrace");
        var winner = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256");
        var before = await KmsSdk.PolicyAsync(fixture, winner);
        var prompts = new List<string>();
        var host = new TextHost(200)
        {
            Choose = (_, message, choices) =>
            {
                prompts.Add(message);
                if (prompts.Count == 1)
                {
                    using var other = KmsSdk.For(fixture, fixture.Kms.Admin);
                    other.CreateAliasAsync(new Amazon.KeyManagementService.Model.CreateAliasRequest { AliasName = alias, TargetKeyId = winner }).GetAwaiter().GetResult();
                    return 0;
                }

                return choices.Select(c => c.Label).ToList().IndexOf(secondAnswer);
            },
        };
        using var session = fixture.NewSession(host);
        var creates = fixture.Kms.Counters.Count("CreateKey");

        var result = session.Run("New-KmsSigningKey -Alias $alias -UseExisting -SignerPrincipal $signerArn -Confirm @kmsAdmin",
            new Dictionary<string, object?> { ["alias"] = alias }).AssertSuccess();

        Assert.Equal(2, prompts.Count);
        Assert.Contains("Create an ECC_NIST_P256 signing key", prompts[0], StringComparison.Ordinal);
        Assert.Contains($"Reuse KMS key {winner}", prompts[1], StringComparison.Ordinal);
        Assert.Equal(creates + 1, fixture.Kms.Counters.Count("CreateKey"));
        var after = await KmsSdk.PolicyAsync(fixture, winner);
        if (secondAnswer == "&No")
        {
            Assert.Empty(result.Output);
            Assert.Equal(before, after);
        }
        else
        {
            Assert.Equal(winner, Assert.Single(result.Output).Properties["Arn"].Value);
            Assert.Contains("KmsSignatureSigners", after);
        }
    }

    [Fact]
    public async Task Existing_alias_is_an_error_naming_its_key_and_UseExisting_reuses_a_compatible_key()
    {
        using var session = fixture.NewSession();
        var alias = Unique("reuse");
        var vars = new Dictionary<string, object?> { ["alias"] = alias };
        var first = Assert.Single(session.Run("New-KmsSigningKey -Alias $alias -KeySpec RSA_2048 @kmsAdmin", vars).AssertSuccess().Output);
        var arn = (string)first.Properties["Arn"].Value;
        var creates = fixture.Kms.Counters.Count("CreateKey");

        var again = session.Run("New-KmsSigningKey -Alias $alias -KeySpec RSA_2048 @kmsAdmin", vars);
        var error = Assert.Single(again.Errors);
        Assert.Equal("KmsSignature.AliasExists,KmsSignature.Cmdlets.NewKmsSigningKeyCommand", error.FullyQualifiedErrorId);
        Assert.Contains(arn, error.ToString());

        var reused = Assert.Single(session.Run("New-KmsSigningKey -Alias \"alias/$alias\" -KeySpec RSA_2048 -UseExisting @kmsAdmin", vars).AssertSuccess().Output);
        Assert.Equal(arn, reused.Properties["Arn"].Value);

        var incompatible = session.Run("New-KmsSigningKey -Alias $alias -KeySpec ECC_NIST_P384 -UseExisting @kmsAdmin", vars);
        Assert.Equal("KmsSignature.ExistingKeyIncompatible", Assert.Single(incompatible.Errors).FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(creates, fixture.Kms.Counters.Count("CreateKey"));

        var encryptAlias = "alias/" + Unique("enc");
        await KmsSdk.CreateKeyAsync(fixture, "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", encryptAlias);
        var onEncrypt = session.Run("New-KmsSigningKey -Alias $a -UseExisting @kmsAdmin", new Dictionary<string, object?> { ["a"] = encryptAlias });
        var incompatibleError = Assert.Single(onEncrypt.Errors);
        Assert.StartsWith("KmsSignature.ExistingKeyIncompatible", incompatibleError.FullyQualifiedErrorId);
        Assert.Contains("ENCRYPT_DECRYPT", incompatibleError.ToString());
    }

    // A runbook's -UseExisting on a key someone disabled or scheduled for deletion was told to choose another alias or move this
    // one with Update-KMSAlias, which would orphan the key the alias names; the way back is to enable it (or cancel the deletion).
    [Theory]
    [InlineData("Disabled", "Enable-KMSKey")]
    [InlineData("PendingDeletion", "Undo-KMSKeyDeletion")]
    public async Task UseExisting_on_a_disabled_or_deleted_key_says_how_to_bring_it_back(string state, string advice)
    {
        var alias = "alias/" + Unique("state");
        var arn = await KmsSdk.CreateKeyAsync(fixture, "ECC_NIST_P256", alias: alias);
        using (var admin = KmsSdk.For(fixture, fixture.Kms.Admin))
        {
            if (state == "Disabled")
            {
                await admin.DisableKeyAsync(new Amazon.KeyManagementService.Model.DisableKeyRequest { KeyId = arn });
            }
            else
            {
                await admin.ScheduleKeyDeletionAsync(new Amazon.KeyManagementService.Model.ScheduleKeyDeletionRequest { KeyId = arn, PendingWindowInDays = 7 });
            }
        }

        using var session = fixture.NewSession();
        var result = session.Run("New-KmsSigningKey -Alias $alias -UseExisting @kmsAdmin", new Dictionary<string, object?> { ["alias"] = alias });

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("KmsSignature.ExistingKeyIncompatible", error.FullyQualifiedErrorId);
        Assert.Contains(state, error.Exception.Message);
        Assert.Contains(advice, error.ErrorDetails?.RecommendedAction ?? string.Empty);
        Assert.Contains(arn, error.ErrorDetails?.RecommendedAction ?? string.Empty);
    }

    // KMS's prefix is lower-case only; 'Alias/app' became the alias 'alias/Alias/app', a key under a name nobody asked for.
    [Fact]
    public void An_alias_prefix_in_other_case_is_the_prefix_not_part_of_the_name()
    {
        using var session = fixture.NewSession();
        var name = Unique("prefixcase");
        var vars = new Dictionary<string, object?> { ["name"] = name };
        var key = Assert.Single(session.Run("New-KmsSigningKey -Alias \"Alias/$name\" @kmsAdmin", vars).AssertSuccess().Output);
        Assert.Equal($"alias/{name}", key.Properties["Alias"].Value);

        var found = Assert.Single(session.Run("Get-KmsSigningKey -Alias \"ALIAS/$name*\" @kmsAdmin", vars).AssertSuccess().Output);
        Assert.Equal(key.Properties["Arn"].Value, found.Properties["Arn"].Value);
        var reused = Assert.Single(session.Run("New-KmsSigningKey -Alias \"ALIAS/$name\" -UseExisting @kmsAdmin", vars).AssertSuccess().Output);
        Assert.Equal(key.Properties["Arn"].Value, reused.Properties["Arn"].Value);
    }

    [Fact]
    public async Task UseExisting_merges_the_given_principals_into_the_reused_keys_policy()
    {
        using var session = fixture.NewSession();
        var alias = Unique("reuse-grants");
        var vars = new Dictionary<string, object?> { ["alias"] = alias };
        var arn = (string)Assert.Single(session.Run("New-KmsSigningKey -Alias $alias @kmsAdmin", vars).AssertSuccess().Output).Properties["Arn"].Value;
        var defaultPolicy = await KmsSdk.PolicyAsync(fixture, arn);
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256"));
        Assert.Equal("AccessDeniedException", await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Verifier, arn));
        const string Reuse = "New-KmsSigningKey -Alias $alias -UseExisting -SignerPrincipal $signerArn -VerifierPrincipal $verifierArn -SigningAlgorithm ECDSA_SHA_256 @kmsAdmin";

        var mutations = KmsSdk.Mutations(fixture.Kms);
        Assert.Empty(session.Run(Reuse + " -WhatIf", vars).AssertSuccess().Output);
        Assert.Equal(mutations, KmsSdk.Mutations(fixture.Kms));
        Assert.Equal(defaultPolicy, await KmsSdk.PolicyAsync(fixture, arn));

        var creates = fixture.Kms.Counters.Count("CreateKey");
        var puts = fixture.Kms.Counters.Count("PutKeyPolicy");
        var reused = Assert.Single(session.Run(Reuse, vars).AssertSuccess().Output);
        Assert.Equal(arn, reused.Properties["Arn"].Value);
        Assert.Equal(creates, fixture.Kms.Counters.Count("CreateKey"));
        Assert.Equal(puts + 1, fixture.Kms.Counters.Count("PutKeyPolicy"));
        Assert.Null(await KmsSdk.TrySignAsync(fixture, fixture.Kms.Signer, arn, "ECDSA_SHA_256"));
        Assert.Null(await KmsSdk.TryGetPublicKeyAsync(fixture, fixture.Kms.Verifier, arn));
        Assert.Equal("AccessDeniedException", await KmsSdk.TrySignAsync(fixture, fixture.Kms.Verifier, arn, "ECDSA_SHA_256"));
        Assert.Contains("Enable IAM User Permissions", await KmsSdk.PolicyAsync(fixture, arn));

        // The runbook's second run: the policy already grants this, so nothing is written.
        Assert.Equal(arn, Assert.Single(session.Run(Reuse, vars).AssertSuccess().Output).Properties["Arn"].Value);
        Assert.Equal(puts + 1, fixture.Kms.Counters.Count("PutKeyPolicy"));
    }

    [Fact]
    public async Task UseExisting_with_principals_applies_Set_KmsSignerPolicys_safety_checks()
    {
        using var session = fixture.NewSession();
        var alias = "alias/" + Unique("reuse-checks");
        // Administration inside our Sid: merging the signer would drop the only kms:PutKeyPolicy grant.
        var arn = await KmsSdk.CreateKeyAsync(fixture, alias: alias, policy:
            $$"""{"Version":"2012-10-17","Statement":[{"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":"{{fixture.Kms.Admin.Arn}}"},"Action":"kms:*","Resource":"*"}]}""");
        var policy = await KmsSdk.PolicyAsync(fixture, arn);
        var mutations = KmsSdk.Mutations(fixture.Kms);
        var vars = new Dictionary<string, object?> { ["alias"] = alias };

        var lockout = session.Run("New-KmsSigningKey -Alias $alias -UseExisting -SignerPrincipal $signerArn @kmsAdmin", vars);
        var error = Assert.Single(lockout.Errors);
        Assert.StartsWith("KmsSignature.PolicyLockout,", error.FullyQualifiedErrorId);
        Assert.Equal(arn, error.TargetObject);
        Assert.Empty(lockout.Output);

        var algorithm = session.Run("New-KmsSigningKey -Alias $alias -UseExisting -SignerPrincipal $signerArn -SigningAlgorithm RSASSA_PSS_SHA_256 @kmsAdmin", vars);
        Assert.StartsWith("KmsSignature.SigningAlgorithmNotForKey,", Assert.Single(algorithm.Errors).FullyQualifiedErrorId);

        Assert.Equal(mutations, KmsSdk.Mutations(fixture.Kms));
        Assert.Equal(policy, await KmsSdk.PolicyAsync(fixture, arn));
    }

    // Stopped while CreateKey is in flight, the command says that KMS may have made a key without an alias. That message comes
    // due as the pipeline stops, when WriteVerbose throws: it was lost, and -Verbose showed nothing. It goes to the host.
    [Fact]
    public void Ctrl_C_during_CreateKey_tells_the_host_that_a_key_may_exist()
    {
        var host = new TextHost(120);
        using var session = fixture.NewSession(host);
        fixture.Kms.Faults.For("CreateKey").Latency = TimeSpan.FromSeconds(30);
        try
        {
            var before = fixture.Kms.Counters.Count("CreateKey");
            using var sent = new ManualResetEvent(false);
            using var watch = new Timer(_ =>
            {
                if (fixture.Kms.Counters.Count("CreateKey") > before)
                {
                    sent.Set();
                }
            }, null, 0, 10);
            var (_, stopped) = session.RunAndStop("New-KmsSigningKey -Alias $alias -Description 'stop note' -Verbose @kmsAdmin",
                new Dictionary<string, object?> { ["alias"] = Unique("stopped") }, sent);

            Assert.True(stopped);
            Assert.Contains(host.VerboseLines, line => line.Contains("may have created a key", StringComparison.Ordinal)
                                                       && line.Contains("'stop note'", StringComparison.Ordinal));
        }
        finally
        {
            fixture.Kms.Faults.Reset();
        }
    }

    [Fact]
    public async Task Alias_failure_schedules_the_new_key_for_deletion_and_says_so()
    {
        using var session = fixture.NewSession();
        fixture.Kms.Faults.For("CreateAlias").ErrorProbability = 1;
        try
        {
            var alias = Unique("orphan");
            var result = session.Run("New-KmsSigningKey -Alias $alias @kmsAdmin", new Dictionary<string, object?> { ["alias"] = alias });
            var error = Assert.Single(result.Errors);
            Assert.StartsWith("KmsSignature.AliasCreationFailed", error.FullyQualifiedErrorId);
            var message = error.ToString();
            Assert.Contains("scheduled for deletion", message);
            var arn = System.Text.RegularExpressions.Regex.Match(message, @"arn:aws:kms:[^ ]+:key/[0-9a-f-]+").Value;
            var metadata = await KmsSdk.DescribeAsync(fixture, arn);
            Assert.Equal("PendingDeletion", metadata.KeyState.Value);
            Assert.Empty(result.Output);
        }
        finally
        {
            fixture.Kms.Faults.Reset();
        }
    }

    // The account id for the birth policy's root statement is learned without STS. A least-privilege key creator (CreateKey,
    // CreateAlias and PutKeyPolicy, for KMS's lockout check, in IAM; no kms:ListAliases or kms:ListKeys) was refused on the first
    // way of learning it, ListAliases, and the run ended with KmsAccessDenied for a call it never asked for.
    [Fact]
    public async Task A_key_creator_without_list_permissions_still_creates_a_key_born_with_its_policy()
    {
        var (kms, _, creator) = await LocalKmsFixture.StartWithLeastPrivilegeAsync("KeyCreator",
            "kms:CreateKey", "kms:CreateAlias", "kms:DescribeKey", "kms:PutKeyPolicy");
        await using var _ = kms;
        using var session = new PowerShellSession();
        var vars = new Dictionary<string, object?>
        {
            ["creator"] = creator,
            ["signerArn"] = kms.Signer.Arn,
        };

        var result = session.Run("New-KmsSigningKey -Alias born-by-creator -SignerPrincipal $signerArn @creator", vars);

        Assert.Empty(result.Errors);
        var arn = (string)Assert.Single(result.Output).Properties["Arn"].Value;
        using var admin = new Amazon.KeyManagementService.AmazonKeyManagementServiceClient(
            new Amazon.Runtime.BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
            new Amazon.KeyManagementService.AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region });
        var policy = (await admin.GetKeyPolicyAsync(new Amazon.KeyManagementService.Model.GetKeyPolicyRequest { KeyId = arn, PolicyName = "default" })).Policy;
        Assert.Contains("\"arn:aws:iam::111122223333:root\"", policy);
        Assert.Contains("KmsSignatureSigners", policy);
    }

    [Theory]
    [InlineData("-SignerPrincipal 'arn:aws:iam::12345:role/x'", "KmsSignature.InvalidPrincipal")]
    [InlineData("-VerifierPrincipal 'arn:aws:sts::111122223333:assumed-role/r/session'", "KmsSignature.InvalidPrincipal")]
    [InlineData("-SignerPrincipal '*'", "KmsSignature.WildcardPrincipal")]
    [InlineData("-KeySpec SYMMETRIC_DEFAULT", "KmsSignature.InvalidKeySpec")]
    [InlineData("-SignerPrincipal $signerArn -SigningAlgorithm NOT_AN_ALG", "KmsSignature.InvalidSigningAlgorithm")]
    [InlineData("-SigningAlgorithm ECDSA_SHA_256", "KmsSignature.SigningAlgorithmWithoutSigner")]
    [InlineData("-SignerPrincipal $signerArn -SigningAlgorithm RSASSA_PSS_SHA_256", "KmsSignature.SigningAlgorithmNotForKey")]
    [InlineData("-KeySpec RSA_2048 -SignerPrincipal $signerArn -SigningAlgorithm ECDSA_SHA_256", "KmsSignature.SigningAlgorithmNotForKey")]
    public void Bad_input_is_refused_before_any_mutating_call(string parameters, string errorId)
    {
        using var session = fixture.NewSession();
        var before = KmsSdk.Mutations(fixture.Kms);
        var result = session.Run($"New-KmsSigningKey -Alias $alias {parameters} @kmsAdmin", new Dictionary<string, object?> { ["alias"] = Unique("bad") });
        Assert.StartsWith(errorId + ",", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Equal(before, KmsSdk.Mutations(fixture.Kms));
    }

    // KMS refused these only after CreateKey, and a 51st tag came back as LimitExceededException, retried as throttling for seconds.
    [Theory]
    [InlineData("@{ 'aws:team' = 'x' }", "KmsSignature.InvalidTag", "aws:team")]
    [InlineData("@{ 'AWS:Team' = 'x' }", "KmsSignature.InvalidTag", "AWS:Team")]
    [InlineData("@{ '' = 'x' }", "KmsSignature.InvalidTag", "")]
    [InlineData("@{ ('k' * 129) = 'x' }", "KmsSignature.InvalidTag", null)]
    [InlineData("@{ team = ('v' * 257) }", "KmsSignature.InvalidTag", "team")]
    [InlineData("(1..51 | ForEach-Object -Begin { $t = @{} } -Process { $t[\"k$_\"] = 'v' } -End { $t })", "KmsSignature.TooManyTags", 51)]
    public void Tags_KMS_refuses_are_refused_before_CreateKey(string tags, string errorId, object? target)
    {
        using var session = fixture.NewSession();
        var before = KmsSdk.Mutations(fixture.Kms);
        var creates = fixture.Kms.Counters.Count("CreateKey");

        var result = session.Run($"New-KmsSigningKey -Alias $alias -Tag {tags} @kmsAdmin", new Dictionary<string, object?> { ["alias"] = Unique("tags") });

        var error = Assert.Single(result.Errors);
        Assert.Equal(errorId + ",KmsSignature.Cmdlets.NewKmsSigningKeyCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(target ?? new string('k', 129), error.TargetObject);
        Assert.Equal(creates, fixture.Kms.Counters.Count("CreateKey"));
        Assert.Equal(before, KmsSdk.Mutations(fixture.Kms));
        Assert.Empty(result.Output);
    }

    [Fact]
    public void Fifty_tags_at_their_longest_make_a_key()
    {
        using var session = fixture.NewSession();
        var key = Assert.Single(session.Run(
            "$t = @{}; 1..50 | ForEach-Object { $t[('{0:d3}' -f $_) + ('k' * 125)] = 'v' * 256 }; New-KmsSigningKey -Alias $alias -Tag $t @kmsAdmin",
            new Dictionary<string, object?> { ["alias"] = Unique("tags50") }).AssertSuccess().Output);
        Assert.Equal("Enabled", key.Properties["KeyState"].Value);
    }

    [Fact]
    public void An_alias_over_256_characters_with_its_prefix_is_refused_before_CreateKey()
    {
        using var session = fixture.NewSession();
        var before = KmsSdk.Mutations(fixture.Kms);
        var creates = fixture.Kms.Counters.Count("CreateKey");

        // 'alias/' + 251 = 257 characters: one more than CreateAlias's AliasName allows.
        var result = session.Run("New-KmsSigningKey -Alias ('alias/' + ('a' * 251)) @kmsAdmin");

        var error = Assert.Single(result.Errors);
        Assert.Equal("KmsSignature.InvalidAliasName,KmsSignature.Cmdlets.NewKmsSigningKeyCommand", error.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(creates, fixture.Kms.Counters.Count("CreateKey"));
        Assert.Equal(before, KmsSdk.Mutations(fixture.Kms));
        Assert.Empty(result.Output);

        // The longest legal name (256 with the prefix) makes a key and its alias.
        var alias = "alias/" + Unique("long");
        alias += new string('b', 256 - alias.Length);
        Assert.Equal(256, alias.Length);
        var key = Assert.Single(session.Run("New-KmsSigningKey -Alias $a @kmsAdmin", new Dictionary<string, object?> { ["a"] = alias }).AssertSuccess().Output);
        Assert.Equal(alias, key.Properties["Alias"].Value);
    }

    [Fact]
    public void Multi_region_key_and_wildcard_principal_with_Force()
    {
        using var session = fixture.NewSession();
        var key = Assert.Single(session.Run("New-KmsSigningKey -Alias $alias -MultiRegion -VerifierPrincipal '*' -Force @kmsAdmin",
            new Dictionary<string, object?> { ["alias"] = Unique("mrk") }).AssertSuccess().Output);
        Assert.StartsWith("mrk-", (string)key.Properties["KeyId"].Value);
        Assert.True((bool)key.Properties["MultiRegion"].Value);
    }

    [Fact]
    public void KeySpec_completes_from_the_catalog()
    {
        using var session = fixture.NewSession();
        var result = session.Run("(TabExpansion2 -inputScript 'New-KmsSigningKey -KeySpec ECC_N' -cursorColumn 32).CompletionMatches.CompletionText").AssertSuccess();
        Assert.Equal(new[] { "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_NIST_EDWARDS25519" }, result.Output.Select(o => o.BaseObject.ToString()));
    }

    [Theory]
    [InlineData("New-KmsSigningKey -Alias a -KeySpec RSA_4096 -SigningAlgorithm ",
        "RSASSA_PKCS1_V1_5_SHA_256,RSASSA_PKCS1_V1_5_SHA_384,RSASSA_PKCS1_V1_5_SHA_512,RSASSA_PSS_SHA_256,RSASSA_PSS_SHA_384,RSASSA_PSS_SHA_512")]
    [InlineData("New-KmsSigningKey -Alias a -KeySpec ECC_NIST_P384 -SigningAlgorithm E", "ECDSA_SHA_384")]
    [InlineData("New-KmsSigningKey -Alias a -KeySpec ECC_NIST_EDWARDS25519 -SigningAlgorithm ", "ED25519_SHA_512,ED25519_PH_SHA_512")]
    [InlineData("New-KmsSigningKey -Alias a -SigningAlgorithm ", "ECDSA_SHA_256")] // the default key spec, ECC_NIST_P256
    [InlineData("Set-KmsSignerPolicy -KeyId alias/a -SigningAlgorithm E", "ECDSA_SHA_256,ECDSA_SHA_384,ECDSA_SHA_512,ED25519_SHA_512,ED25519_PH_SHA_512")]
    public void SigningAlgorithm_completes_only_what_the_key_spec_allows(string input, string expected)
    {
        // Any other algorithm is refused as KmsSignature.SigningAlgorithmNotForKey, so offering it only leads to an error.
        using var session = fixture.NewSession();
        var result = session.Run("(TabExpansion2 -inputScript $i -cursorColumn $i.Length).CompletionMatches.CompletionText",
            new Dictionary<string, object?> { ["i"] = input }).AssertSuccess();
        Assert.Equal(expected, string.Join(",", result.Output.Select(o => o.BaseObject.ToString())));
    }
}
