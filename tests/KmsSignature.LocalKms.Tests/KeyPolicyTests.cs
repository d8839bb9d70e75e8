using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;

namespace KmsSignature.LocalKms.Tests;

[Collection(TestCollection.Name)]
public sealed class KeyPolicyTests(LocalKmsFixture fixture)
{
    private const string Account = "111122223333";
    private const string RootStatement =
        """{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}""";

    private static string Policy(params string[] statements) =>
        $$"""{"Version":"2012-10-17","Statement":[{{string.Join(",", statements)}}]}""";

    private static string Allow(string principal, string actions, string? condition = null) =>
        $$"""{"Effect":"Allow","Principal":{"AWS":{{principal}}},"Action":{{actions}},"Resource":"*"{{(condition is null ? "" : ",\"Condition\":" + condition)}}}""";

    private string Signer => $"\"{fixture.Kms.Signer.Arn}\"";

    private string Verifier => $"\"{fixture.Kms.Verifier.Arn}\"";

    private static Task<SignResponse> SignAsync(IAmazonKeyManagementService client, string keyId, string algorithm = "ECDSA_SHA_256", MessageType? type = null, byte[]? message = null) =>
        client.SignAsync(new SignRequest { KeyId = keyId, Message = new MemoryStream(message ?? [1, 2, 3]), SigningAlgorithm = algorithm, MessageType = type });

    [Fact]
    public async Task The_default_key_policy_is_the_text_KMS_writes()
    {
        var key = await fixture.NewKeyAsync();
        var policy = await fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "default" });
        Assert.Equal("default", policy.PolicyName);
        Assert.Equal(
            "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n"
            + "    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::111122223333:root\"\n    },\n"
            + "    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}",
            policy.Policy);
        var names = await fixture.Admin.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = key.Arn });
        Assert.Equal(["default"], names.PolicyNames);
        Assert.False(names.Truncated);
    }

    [Theory]
    [InlineData("my-policy")]
    [InlineData("default policy")]
    [InlineData("défaut")]
    public async Task A_PolicyName_outside_its_pattern_is_ValidationException(string name)
    {
        // GetKeyPolicy/PutKeyPolicy PolicyName is the model's PolicyNameType: 1-128 characters of pattern [\w]+.
        var key = await fixture.NewKeyAsync();
        var get = await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId, PolicyName = name }));
        Assert.Equal($@"1 validation error detected: Value '{name}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w]+", get.Message);
        await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, PolicyName = name, Policy = Policy(RootStatement) }));

        // A name of the right shape that is not "default" names no policy.
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "my_policy" }));
    }

    [Fact]
    public async Task PutKeyPolicy_stores_the_text_verbatim()
    {
        var key = await fixture.NewKeyAsync();
        var text = Policy(RootStatement, Allow(Signer, "\"kms:Sign\""));
        await fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = text });
        Assert.Equal(text, (await fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.Arn })).Policy);
    }

    [Fact]
    public async Task Key_policy_operations_take_a_key_id_or_ARN_not_an_alias()
    {
        var key = await fixture.NewKeyAsync();
        var alias = "alias/policy-" + Guid.NewGuid().ToString("N");
        await fixture.Admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = alias }));
        await KmsAssert.ErrorAsync<NotFoundException>("NotFoundException", () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = alias, Policy = Policy(RootStatement) }));
    }

    [Fact]
    public async Task A_verifier_with_only_GetPublicKey_is_denied_Sign_in_KMS_wording()
    {
        // No account-root statement: only the key policy can grant, so KMS blames the resource-based policy.
        var admin = $"\"{fixture.Kms.Admin.Arn}\"";
        var key = await fixture.NewKeyAsync(policy: Policy(Allow(admin, "\"kms:*\""), Allow(Verifier, "[\"kms:GetPublicKey\",\"kms:DescribeKey\"]")));
        using var verifier = fixture.Client(fixture.Kms.Verifier);
        var publicKey = await verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId });
        var expected = await fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId });
        Assert.Equal(expected.PublicKey.ToArray(), publicKey.PublicKey.ToArray());
        Assert.Equal(key.Arn, publicKey.KeyId);

        var ex = await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(verifier, key.KeyId));
        Assert.Equal(
            $"User: {fixture.Kms.Verifier.Arn} is not authorized to perform: kms:Sign on resource: {key.Arn} because no resource-based policy allows the kms:Sign action",
            ex.Message);
    }

    [Fact]
    public async Task Signers_and_verifiers_with_no_key_policy_statement_are_denied_even_under_the_default_policy()
    {
        var key = await fixture.NewKeyAsync();
        using var signer = fixture.Client(fixture.Kms.Signer);
        var ex = await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, key.KeyId));
        Assert.EndsWith("because no identity-based policy allows the kms:Sign action", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task kms_SigningAlgorithm_condition_limits_the_algorithms()
    {
        var key = await fixture.NewKeyAsync("RSA_2048", Policy(RootStatement,
            Allow(Signer, "\"kms:Sign\"", """{"StringEquals":{"kms:SigningAlgorithm":["RSASSA_PSS_SHA_256","RSASSA_PSS_SHA_384"]}}""")));
        using var signer = fixture.Client(fixture.Kms.Signer);
        await SignAsync(signer, key.KeyId, "RSASSA_PSS_SHA_256");
        await SignAsync(signer, key.KeyId, "RSASSA_PSS_SHA_384");
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, key.KeyId, "RSASSA_PKCS1_V1_5_SHA_256"));
    }

    [Fact]
    public async Task kms_MessageType_condition_with_StringLike_and_ForAnyValue()
    {
        var key = await fixture.NewKeyAsync(policy: Policy(RootStatement,
            Allow(Signer, "\"kms:Sign\"", """{"StringLike":{"kms:MessageType":"DIG*"}}"""),
            Allow(Verifier, "\"kms:Sign\"", """{"ForAnyValue:StringEquals":{"kms:MessageType":["RAW"]}}""")));
        using var signer = fixture.Client(fixture.Kms.Signer);
        using var verifier = fixture.Client(fixture.Kms.Verifier);
        await SignAsync(signer, key.KeyId, type: MessageType.DIGEST, message: new byte[32]);
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, key.KeyId, type: MessageType.RAW));
        await SignAsync(verifier, key.KeyId, type: MessageType.RAW);
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(verifier, key.KeyId, type: MessageType.DIGEST, message: new byte[32]));
    }

    [Fact]
    public async Task IfExists_conditions_hold_when_the_key_is_absent()
    {
        // kms:SigningAlgorithm is absent for GetPublicKey: StringEqualsIfExists allows, StringEquals does not.
        var key = await fixture.NewKeyAsync(policy: Policy(RootStatement,
            Allow(Signer, "\"kms:GetPublicKey\"", """{"StringEqualsIfExists":{"kms:SigningAlgorithm":"ECDSA_SHA_256"}}"""),
            Allow(Verifier, "\"kms:GetPublicKey\"", """{"StringEquals":{"kms:SigningAlgorithm":"ECDSA_SHA_256"}}""")));
        using var signer = fixture.Client(fixture.Kms.Signer);
        using var verifier = fixture.Client(fixture.Kms.Verifier);
        await signer.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId });
        await KmsAssert.ErrorAsync("AccessDeniedException", () => verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }));
    }

    [Fact]
    public async Task Principal_star_with_kms_CallerAccount_and_action_wildcards()
    {
        var key = await fixture.NewKeyAsync(policy: Policy(RootStatement,
            Allow("\"*\"", "\"kms:Get*\"", $$$"""{"StringEquals":{"kms:CallerAccount":"{{{Account}}}"}}""")));
        using var verifier = fixture.Client(fixture.Kms.Verifier);
        await verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId });
        await verifier.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId });
        await KmsAssert.ErrorAsync("AccessDeniedException", () => verifier.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }));

        var otherAccount = await fixture.NewKeyAsync(policy: Policy(RootStatement,
            Allow("\"*\"", "\"kms:Get*\"", """{"StringEquals":{"kms:CallerAccount":"444455556666"}}""")));
        await KmsAssert.ErrorAsync("AccessDeniedException", () => verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = otherAccount.KeyId }));
    }

    [Fact]
    public async Task An_explicit_Deny_wins_over_every_Allow()
    {
        var deny = $$"""{"Effect":"Deny","Principal":{"AWS":[{{Signer}}]},"Action":"kms:Sign","Resource":"*"}""";
        var key = await fixture.NewKeyAsync(policy: Policy(RootStatement, Allow(Signer, "\"kms:*\""), deny));
        using var signer = fixture.Client(fixture.Kms.Signer);
        await signer.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId });
        var ex = await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, key.KeyId));
        Assert.EndsWith("with an explicit deny in a resource-based policy", ex.Message, StringComparison.Ordinal);
    }

    // IAM checks the account, then the role: a NotPrincipal Deny exempts the signer only when it lists both.
    [Theory]
    [InlineData("role", false)]
    [InlineData("account", false)]
    [InlineData("role and account", true)]
    [InlineData("role and account id", true)]
    [InlineData("everyone", true)]
    public async Task A_NotPrincipal_Deny_exempts_a_role_only_when_it_lists_the_role_and_its_account(string listed, bool exempt)
    {
        var notPrincipal = listed switch
        {
            "role" => Signer,
            "account" => $"\"arn:aws:iam::{Account}:root\"",
            "role and account" => $"[{Signer},\"arn:aws:iam::{Account}:root\"]",
            "role and account id" => $"[{Signer},\"{Account}\"]",
            _ => "\"*\"",
        };
        var deny = $$"""{"Effect":"Deny","NotPrincipal":{"AWS":{{notPrincipal}}},"Action":"kms:Sign","Resource":"*"}""";
        var key = await fixture.NewKeyAsync(policy: Policy(RootStatement, Allow(Signer, "\"kms:Sign\""), deny));
        using var signer = fixture.Client(fixture.Kms.Signer);
        if (exempt)
        {
            await SignAsync(signer, key.KeyId);
        }
        else
        {
            var ex = await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, key.KeyId));
            Assert.EndsWith("with an explicit deny in a resource-based policy", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NotAction_allows_everything_but_the_listed_actions()
    {
        var key = await fixture.NewKeyAsync(policy: Policy(RootStatement,
            $$"""{"Effect":"Allow","Principal":{"AWS":{{Signer}}},"NotAction":["kms:Sign","kms:Put*"],"Resource":"*"}"""));
        using var signer = fixture.Client(fixture.Kms.Signer);
        await signer.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId });
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, key.KeyId));
    }

    [Fact]
    public async Task A_key_policy_statement_without_Action_or_Resource_is_accepted_and_has_no_effect()
    {
        // CreateKey/PutKeyPolicy Policy: "If either of the required Resource or Action elements are missing from a key policy
        // statement, the policy statement has no effect. ... the CreateKey and PutKeyPolicy API requests succeed, even though
        // the policy statement is ineffective."
        var noResource = $$"""{"Sid":"NoResource","Effect":"Allow","Principal":{"AWS":{{Signer}}},"Action":"kms:*"}""";
        var noAction = $$"""{"Sid":"NoAction","Effect":"Deny","Principal":{"AWS":"*"},"Resource":"*"}""";
        var text = Policy(RootStatement, noResource, noAction);
        var key = await fixture.NewKeyAsync(policy: text);
        Assert.Equal(text, (await fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId })).Policy);

        // The Allow without Resource grants the signer nothing; the Deny without Action denies the admin nothing.
        using var signer = fixture.Client(fixture.Kms.Signer);
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, key.KeyId));
        await SignAsync(fixture.Admin, key.KeyId);

        var other = await fixture.NewKeyAsync();
        await fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = other.KeyId, Policy = text });
        Assert.Equal(text, (await fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = other.KeyId })).Policy);
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, other.KeyId));
    }

    [Theory]
    [InlineData("{not json", "JSON")]
    [InlineData("""{"Version":"2012-10-17"}""", "Statement")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}""", "principal")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"not-an-arn"},"Action":"kms:*","Resource":"*"}]}""", "invalid principals")]
    // IAM: "You cannot use a wildcard to match part of a principal name or ARN" (Principal element); only "*" itself.
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"kms:*","Resource":"*"}]}""", "invalid principals")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:role/Kms?igner"]},"Action":"kms:*","Resource":"*"}]}""", "invalid principals")]
    [InlineData("""{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"kms:*","Resource":"*"}]}""", "Effect")]
    public async Task Malformed_policies_are_MalformedPolicyDocumentException(string policy, string mentions)
    {
        var key = await fixture.NewKeyAsync();
        var ex = await KmsAssert.ErrorAsync<MalformedPolicyDocumentException>("MalformedPolicyDocumentException",
            () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }));
        Assert.Contains(mentions, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{"StringEquals":{"aws:SourceIp":"10.0.0.1"}}""", "aws:SourceIp")]
    [InlineData("""{"IpAddress":{"kms:CallerAccount":"111122223333"}}""", "IpAddress")]
    [InlineData("""{"DateGreaterThan":{"kms:CallerAccount":"2020-01-01"}}""", "DateGreaterThan")]
    public async Task Conditions_LocalKms_cannot_evaluate_are_refused_clearly(string condition, string named)
    {
        var key = await fixture.NewKeyAsync();
        var ex = await KmsAssert.ErrorAsync<MalformedPolicyDocumentException>("MalformedPolicyDocumentException",
            () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = Policy(RootStatement, Allow(Signer, "\"kms:Sign\"", condition)) }));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        Assert.Contains("LocalKms cannot evaluate", ex.Message, StringComparison.Ordinal);

        await KmsAssert.ErrorAsync<MalformedPolicyDocumentException>("MalformedPolicyDocumentException",
            () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Policy = Policy(RootStatement, Allow(Signer, "\"kms:Sign\"", condition)) }));
    }

    [Fact]
    public async Task Policies_over_32_KB_are_LimitExceededException_and_over_the_model_length_ValidationException()
    {
        // The SDK's PutKeyPolicy/CreateKey docs: "If the key policy exceeds the length constraint, KMS returns a
        // LimitExceededException"; the API model caps the string itself at 131072 characters (ValidationException).
        var key = await fixture.NewKeyAsync();
        string Padded(int length) => Policy(RootStatement.Insert(RootStatement.Length - 1, $$""","Sid":"{{new string('x', length)}}" """.Trim()));
        var big = Padded(33000);
        Assert.InRange(big.Length, 32769, 131072);
        var ex = await KmsAssert.ErrorAsync<LimitExceededException>("LimitExceededException",
            () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = big }));
        Assert.Contains("32768", ex.Message, StringComparison.Ordinal);

        var huge = Padded(140_000);
        var invalid = await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = huge }));
        Assert.Contains("131072", invalid.Message, StringComparison.Ordinal);
        var policy = await fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId });
        Assert.DoesNotContain("xxxx", policy.Policy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Schlüssel für € Zahlungen")] // U+20AC, beyond Latin-1
    [InlineData("签名者")]
    [InlineData("signer \U0001F511")] // a surrogate pair
    [InlineData("bell \u0007")]
    public async Task Policies_with_characters_beyond_Latin1_are_ValidationException(string sid)
    {
        // PutKeyPolicy/CreateKey: "A key policy document can include only the following characters": printable ASCII and
        // Latin-1 Supplement (through \u00FF), tab, line feed and carriage return; the model pattern is
        // [\u0009\u000A\u000D\u0020-\u00FF]+. AWS refuses such a policy, so LocalKms must not accept it.
        var key = await fixture.NewKeyAsync();
        var text = Policy(RootStatement.Replace("Enable IAM User Permissions", sid));
        var put = await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = text }));
        Assert.StartsWith("1 validation error detected: Value '", put.Message, StringComparison.Ordinal);
        Assert.EndsWith(@"at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+", put.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(sid, (await fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId })).Policy, StringComparison.Ordinal);

        await KmsAssert.ErrorAsync("ValidationException",
            () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Policy = text }));

        // Latin-1 Supplement, tab, line feed and carriage return are allowed.
        var latin1 = Policy(RootStatement.Replace("Enable IAM User Permissions", "Signatur-Schlüssel ©")).Replace(",", ",\r\n\t");
        await fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = latin1 });
        Assert.Equal(latin1, (await fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId })).Policy);
    }

    [Fact]
    public async Task The_32_KB_limit_counts_UTF8_bytes_not_characters()
    {
        // KMS documents the limit in bytes ("32 kilobytes (32,768 bytes)"), and a key policy may hold Latin-1 Supplement
        // characters (through \u00FF), two bytes each in UTF-8: under 32768 characters is not enough.
        var key = await fixture.NewKeyAsync();
        string WithSid(int latin1Characters) => Policy(RootStatement.Replace("Enable IAM User Permissions", "Signatur-Schlüssel " + new string('é', latin1Characters)));
        var big = WithSid(17_000);
        Assert.InRange(big.Length, 17_000, 32_767);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(big) > 32768);

        var put = await KmsAssert.ErrorAsync("LimitExceededException", () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = big }));
        Assert.Contains("32768", put.Message, StringComparison.Ordinal);
        var create = await KmsAssert.ErrorAsync("LimitExceededException",
            () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Policy = big }));
        Assert.Contains("32768", create.Message, StringComparison.Ordinal);

        // Just under the limit in bytes is accepted, and returned verbatim.
        var fits = WithSid(16_000);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(fits) <= 32768);
        await fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = fits });
        Assert.Equal(fits, (await fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId })).Policy);
    }

    [Fact]
    public async Task The_lockout_safety_check_refuses_a_policy_the_caller_could_not_change_later()
    {
        var key = await fixture.NewKeyAsync();
        var lockout = Policy(Allow(Signer, "\"kms:Sign\""));
        var ex = await KmsAssert.ErrorAsync<MalformedPolicyDocumentException>("MalformedPolicyDocumentException",
            () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = lockout }));
        Assert.Equal("The new key policy will not allow you to update the key policy in the future.", ex.Message);
        await KmsAssert.ErrorAsync<MalformedPolicyDocumentException>("MalformedPolicyDocumentException",
            () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Policy = lockout }));

        await fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = lockout, BypassPolicyLockoutSafetyCheck = true });
        await KmsAssert.ErrorAsync("AccessDeniedException", () => fixture.Admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }));
    }

    [Fact]
    public async Task The_lockout_safety_check_applies_to_a_policy_the_caller_provides_not_to_the_default_policy()
    {
        // KMS CreateKey: "If you provide a key policy, it must ... allow the calling principal to make a subsequent
        // PutKeyPolicy request"; without one KMS attaches the default policy. A creator allowed only kms:CreateKey can create keys.
        var creator = new LocalKmsPrincipal("AKIALOCALKMSCREATOR1", "creator-secret", $"arn:aws:iam::{Account}:role/Creator",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*"}]}""");
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { Principals = [LocalKmsPrincipal.Defaults(Account)[0], creator] });
        using var client = KmsClients.Create(kms, creator);

        var created = (await client.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY })).KeyMetadata;
        Assert.Equal("Enabled", created.KeyState.Value);

        await KmsAssert.ErrorAsync<MalformedPolicyDocumentException>("MalformedPolicyDocumentException",
            () => client.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Policy = Policy(RootStatement) }));
    }

    [Fact]
    public async Task CreateKey_with_Tags_needs_kms_TagResource_too()
    {
        // KMS CreateKey: "To use the Tags parameter, kms:TagResource (IAM policy)", covering all keys of the account and Region.
        var creator = new LocalKmsPrincipal("AKIALOCALKMSCREATOR1", "creator-secret", $"arn:aws:iam::{Account}:role/Creator",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*"}]}""");
        var tagger = new LocalKmsPrincipal("AKIALOCALKMSTAGGER01", "tagger-secret", $"arn:aws:iam::{Account}:role/Tagger",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*"},{"Effect":"Allow","Action":"kms:TagResource","Resource":"arn:aws:kms:us-east-1:111122223333:key/*"}]}""");
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { Principals = [LocalKmsPrincipal.Defaults(Account)[0], creator, tagger] });
        CreateKeyRequest Tagged() => new() { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Tags = [new Tag { TagKey = "team", TagValue = "release" }] };

        using var creatorClient = KmsClients.Create(kms, creator);
        var ex = await KmsAssert.ErrorAsync("AccessDeniedException", () => creatorClient.CreateKeyAsync(Tagged()));
        Assert.Contains("kms:TagResource", ex.Message, StringComparison.Ordinal);
        using var admin = KmsClients.Create(kms, kms.Admin);
        Assert.Empty((await admin.ListKeysAsync(new ListKeysRequest())).Keys);

        using var taggerClient = KmsClients.Create(kms, tagger);
        var key = (await taggerClient.CreateKeyAsync(Tagged())).KeyMetadata;
        Assert.Equal("release", Assert.Single((await admin.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId })).Tags).TagValue);
    }

    [Fact]
    public async Task The_account_root_statement_delegates_to_identity_policies()
    {
        // A separate LocalKms with custom principals: one with an identity policy allowing kms:Sign, one without.
        var withPolicy = new LocalKmsPrincipal("AKIALOCALKMSAPPROLE1", "app-secret", $"arn:aws:iam::{Account}:role/App",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Sign","kms:DescribeKey"],"Resource":"arn:aws:kms:*:111122223333:key/*"}]}""");
        var denied = new LocalKmsPrincipal("AKIALOCALKMSDENIED01", "deny-secret", $"arn:aws:sts::{Account}:assumed-role/Denied/session",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"},{"Effect":"Deny","Action":"kms:Sign","Resource":"*"}]}""");
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { Principals = [LocalKmsPrincipal.Defaults(Account)[0], withPolicy, denied] });
        using var admin = KmsClients.Create(kms, kms.Admin);
        var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY })).KeyMetadata;
        Assert.Equal(withPolicy, kms.Signer);

        using var app = KmsClients.Create(kms, withPolicy);
        await SignAsync(app, key.KeyId);
        await KmsAssert.ErrorAsync("AccessDeniedException", () => app.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }));

        using var deniedClient = KmsClients.Create(kms, denied);
        await deniedClient.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId });
        var ex = await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(deniedClient, key.KeyId));
        Assert.EndsWith("with an explicit deny in an identity-based policy", ex.Message, StringComparison.Ordinal);

        // Without the root statement the identity policy no longer counts.
        await admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = Policy(Allow($"\"{kms.Admin.Arn}\"", "\"kms:*\"")) });
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(app, key.KeyId));

        // A key policy naming the role also covers its assumed-role sessions.
        await admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = Policy(Allow($"\"{kms.Admin.Arn}\"", "\"kms:*\""), Allow($"\"arn:aws:iam::{Account}:role/Denied\"", "\"kms:GetPublicKey\"")) });
        await deniedClient.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId });
    }

    [Fact]
    public async Task aws_PrincipalArn_of_an_assumed_role_session_is_its_role_ARN_as_IAM_documents()
    {
        // IAM: "For IAM roles, the request context returns the ARN of the role, not the ARN of the user that assumed the role"
        // (aws:PrincipalArn, AWS global condition context keys): a key policy pinning the role covers its sessions, one naming
        // the session ARN matches nothing.
        var session = new LocalKmsPrincipal("AKIALOCALKMSSESSION1", "session-secret", $"arn:aws:sts::{Account}:assumed-role/Pipeline/build-42");
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { Principals = [LocalKmsPrincipal.Defaults(Account)[0], session] });
        using var admin = KmsClients.Create(kms, kms.Admin);
        var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY })).KeyMetadata;
        using var client = KmsClients.Create(kms, session);

        await admin.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId,
            Policy = Policy(RootStatement, Allow("\"*\"", "\"kms:Sign\"", $$$"""{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::{{{Account}}}:role/Pipeline"}}""")),
        });
        await SignAsync(client, key.KeyId);

        await admin.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId,
            Policy = Policy(RootStatement, Allow("\"*\"", "\"kms:Sign\"", $$$"""{"StringLike":{"aws:PrincipalArn":"arn:aws:sts::{{{Account}}}:assumed-role/*"}}""")),
        });
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(client, key.KeyId));
    }

    [Fact]
    public async Task Alias_and_tag_condition_keys_are_evaluated()
    {
        // kms:RequestAlias in the key policy; kms:ResourceAliases and aws:ResourceTag in an identity policy (KMS allows them
        // there only), which the key policy's account statement delegates to.
        var alias = "alias/abac-" + Guid.NewGuid().ToString("N");
        var reader = new LocalKmsPrincipal("AKIALOCALKMSABACRD01", "abac-secret", $"arn:aws:iam::{Account}:role/AbacReader",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:GetPublicKey","Resource":"*","Condition":{"ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/abac-*"},"StringEquals":{"aws:ResourceTag/team":"release"}}}]}""");
        var defaults = LocalKmsPrincipal.Defaults(Account);
        await using var kms = await LocalKmsServer.StartAsync(new LocalKmsOptions { Principals = [defaults[0], defaults[1], reader] });
        using var admin = KmsClients.Create(kms, kms.Admin);
        var key = (await admin.CreateKeyAsync(new CreateKeyRequest
        {
            KeySpec = KeySpec.ECC_NIST_P256,
            KeyUsage = KeyUsageType.SIGN_VERIFY,
            Tags = [new Tag { TagKey = "Team", TagValue = "release" }],
            Policy = Policy(RootStatement, Allow($"\"{kms.Signer.Arn}\"", "\"kms:Sign\"", $$$"""{"StringEquals":{"kms:RequestAlias":"{{{alias}}}"}}""")),
        })).KeyMetadata;
        using var signer = KmsClients.Create(kms, kms.Signer);
        using var verifier = KmsClients.Create(kms, reader);

        await KmsAssert.ErrorAsync("AccessDeniedException", () => verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }));
        await admin.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId });
        await verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId });

        await SignAsync(signer, alias);
        await SignAsync(signer, $"arn:aws:kms:us-east-1:{Account}:{alias}");
        await KmsAssert.ErrorAsync("AccessDeniedException", () => SignAsync(signer, key.KeyId));

        await admin.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "Team", TagValue = "other" }] });
        await KmsAssert.ErrorAsync("AccessDeniedException", () => verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }));
    }

    // KMS Developer Guide, ABAC for AWS KMS: aws:ResourceTag and kms:ResourceAliases are "IAM policy only"; KMS refuses them in a
    // key policy ("These condition keys are not permitted in a key policy: ...").
    [Theory]
    [InlineData("""{"ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/abac-*"}}""", "kms:ResourceAliases")]
    [InlineData("""{"StringEquals":{"aws:ResourceTag/team":"release"}}""", "aws:ResourceTag/team")]
    public async Task Condition_keys_KMS_allows_in_IAM_policies_only_are_refused_in_a_key_policy(string condition, string named)
    {
        var policy = Policy(RootStatement, Allow(Verifier, "\"kms:GetPublicKey\"", condition));
        var key = await fixture.NewKeyAsync();
        var ex = await KmsAssert.ErrorAsync<MalformedPolicyDocumentException>("MalformedPolicyDocumentException",
            () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }));
        Assert.Contains("not permitted in a key policy", ex.Message, StringComparison.Ordinal);
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
        await KmsAssert.ErrorAsync("MalformedPolicyDocumentException",
            () => fixture.Admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY, Policy = policy }));
    }

    [Fact]
    public async Task kms_BypassPolicyLockoutSafetyCheck_in_a_key_policy_keeps_callers_from_bypassing_the_check()
    {
        // The key policy statement the KMS Developer Guide gives for kms:BypassPolicyLockoutSafetyCheck: PutKeyPolicy only when
        // the request does not include the parameter ("Null": true).
        var policy = Policy(
            """{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"{admin}"},"NotAction":"kms:PutKeyPolicy","Resource":"*"}""",
            """{"Sid":"NoBypass","Effect":"Allow","Principal":{"AWS":"{admin}"},"Action":"kms:PutKeyPolicy","Resource":"*","Condition":{"Null":{"kms:BypassPolicyLockoutSafetyCheck":true}}}""")
            .Replace("{admin}", fixture.Kms.Admin.Arn, StringComparison.Ordinal);
        var key = await fixture.NewKeyAsync();
        await fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy });

        await KmsAssert.ErrorAsync("AccessDeniedException", () => fixture.Admin.PutKeyPolicyAsync(
            new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy, BypassPolicyLockoutSafetyCheck = true }));
        await fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy });
    }

    [Theory]
    [InlineData("kms:CustomerMasterKeySpec", "ECC_NIST_P256", "ECC_NIST_P384")]
    [InlineData("kms:CustomerMasterKeyUsage", "SIGN_VERIFY", "ENCRYPT_DECRYPT")]
    public async Task Deprecated_condition_keys_work_as_kms_KeySpec_and_kms_KeyUsage_as_KMS_documents(string conditionKey, string matching, string other)
    {
        // KMS Developer Guide, AWS KMS condition keys: "The kms:CustomerMasterKeySpec and kms:KeySpec condition keys work the same
        // way. Only the names differ. ... to avoid breaking changes, AWS KMS supports both condition keys" (kms:KeyUsage alike).
        var key = await fixture.NewKeyAsync();
        using var verifier = fixture.Client(fixture.Kms.Verifier);
        foreach (var (value, allowed) in new[] { (matching, true), (other, false) })
        {
            await fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest
            {
                KeyId = key.KeyId,
                Policy = Policy(RootStatement, Allow(Verifier, "\"kms:GetPublicKey\"", $$$"""{"StringEquals":{"{{{conditionKey}}}":"{{{value}}}"}}""")),
            });
            if (allowed)
            {
                await verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId });
            }
            else
            {
                await KmsAssert.ErrorAsync("AccessDeniedException", () => verifier.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }));
            }
        }
    }

    [Fact]
    public async Task Duplicate_statement_ids_are_MalformedPolicyDocumentException()
    {
        var key = await fixture.NewKeyAsync();
        var ex = await KmsAssert.ErrorAsync<MalformedPolicyDocumentException>("MalformedPolicyDocumentException",
            () => fixture.Admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = Policy(RootStatement, RootStatement) }));
        Assert.Contains("unique", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_documents_used_here_are_valid_JSON()
    {
        using var doc = JsonDocument.Parse(Policy(RootStatement, Allow(Signer, "\"kms:Sign\"", """{"StringEquals":{"kms:MessageType":"RAW"}}""")));
        Assert.Equal(2, doc.RootElement.GetProperty("Statement").GetArrayLength());
    }
}
