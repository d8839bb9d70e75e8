using System.Text.Json.Nodes;
using KmsSignature.Core.Policy;

namespace KmsSignature.Core.Tests.Policy;

public sealed class SignerPolicyMergeTests
{
    private const string Signer = "arn:aws:iam::111122223333:role/Signer";
    private const string Verifier = "arn:aws-us-gov:iam::111122223333:user/path/Verifier";

    private static KeyPolicyDocument Default() => KeyPolicyDocument.Default("aws", "111122223333");

    [Fact]
    public void Adds_our_statements_and_keeps_others_in_place()
    {
        var policy = KeyPolicyDocument.Parse("""{"Version":"2012-10-17","X":1,"Statement":[{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Unknown":[1,2]}]}""");
        var plan = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer, Signer], Verifiers = [Verifier] });
        var json = JsonNode.Parse(plan.After.ToJson())!;
        Assert.Equal(1, (int)json["X"]!);
        var statements = json["Statement"]!.AsArray();
        Assert.Equal("""{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Unknown":[1,2]}""", statements[0]!.ToJsonString());
        Assert.Equal(Signer, (string?)statements[1]!["Principal"]!["AWS"]);
        Assert.All(plan.Changes, c => Assert.Equal(PolicyChangeKind.Added, c.Kind));
        Assert.DoesNotContain("kms:Sign", statements[3]!.ToJsonString());
    }

    [Fact]
    public void Characters_KMS_does_not_take_in_a_key_policy_go_out_escaped_as_they_came_in()
    {
        // KMS takes only tab, LF, CR and U+0020..U+00FF in a key policy; a foreign statement can still hold other characters
        // as JSON escapes (a team name in Japanese, an emoji). Written back raw, KMS would refuse the whole merged policy.
        const string foreign = """{"Sid":"Team","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:DescribeKey","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":["\u30c1\u30fc\u30e0","\ud83d\ude00","café"]}}}""";
        var policy = KeyPolicyDocument.Parse($$"""{"Version":"2012-10-17","Statement":[{{foreign}}]}""");
        var plan = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer] });

        foreach (var text in new[] { plan.After.ToJson(), plan.After.ToCompactJson() })
        {
            Assert.All(text, c => Assert.True(c is '\t' or '\n' or '\r' or (>= '\u0020' and <= '\u00FF'), $"U+{(int)c:X4} in the policy text"));
            Assert.Contains("café", text);
            var written = JsonNode.Parse(text)!["Statement"]!.AsArray();
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(foreign), written[0]));
            Assert.Equal(["チーム", "😀", "café"], written[0]!["Condition"]!["StringEquals"]!["aws:PrincipalTag/team"]!.AsArray().Select(v => (string)v!));
        }
    }

    [Fact]
    public void A_lone_surrogate_escape_in_the_policy_is_a_malformed_policy_not_a_crash_when_it_is_written()
    {
        // "\ud800" is valid JSON text (six ASCII characters) but no Unicode text: it cannot be written back as it came,
        // so the merge must refuse the policy as one it does not understand, before planning anything.
        foreach (var text in new[]
        {
            """{"Version":"2012-10-17","Statement":[{"Sid":"Tag","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"a\ud800b"}}}]}""",
            """{"Version":"2012-10-17","Statement":[{"Sid":"Tag","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/\udc00":"a"}}}]}""",
        })
        {
            var ex = Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(KeyPolicyDocument.Parse(text, "key-1"), new SignerPolicyRequest { Signers = [Signer] }));
            Assert.Equal(("KmsSignature.MalformedKeyPolicy", ErrorKind.InvalidData, "key-1"), (ex.ErrorId, ex.Kind, ex.Target));
        }
    }

    [Fact]
    public void Our_actions_written_in_another_case_are_no_change()
    {
        // IAM action names are case-insensitive: another tool's "KMS:sign" already says what this module would write.
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":"{{Signer}}"},"Action":"KMS:sign","Resource":"*"},
            {"Sid":"KmsSignatureSignersPublicKey","Effect":"Allow","Principal":{"AWS":"{{Signer}}"},"Action":["kms:getpublickey","Kms:DescribeKey"],"Resource":"*"}]}
            """);
        var plan = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer] });
        Assert.False(plan.HasChanges);
        Assert.Empty(plan.Changes);
    }

    [Fact]
    public void Same_request_twice_is_no_change()
    {
        var once = SignerPolicyMerge.Plan(Default(), new SignerPolicyRequest { Signers = [Signer], SigningAlgorithms = ["ecdsa_sha_256"] });
        var twice = SignerPolicyMerge.Plan(once.After, new SignerPolicyRequest { Signers = [Signer], SigningAlgorithms = ["ECDSA_SHA_256"] });
        Assert.False(twice.HasChanges);
        Assert.Contains("kms:SigningAlgorithm", once.After.ToJson());
        Assert.DoesNotContain("Condition", JsonNode.Parse(once.After.ToJson())!["Statement"]![2]!.ToJsonString());
    }

    [Fact]
    public void Conditions_and_members_added_to_our_statements_survive_every_merge()
    {
        var granted = JsonNode.Parse(SignerPolicyMerge.Plan(Default(),
            new SignerPolicyRequest { Signers = [Signer], SigningAlgorithms = ["ECDSA_SHA_256"] }).After.ToJson())!;
        var signers = granted["Statement"]![1]!.AsObject();
        signers["Condition"]!["StringEquals"]!["kms:MessageType"] = "DIGEST";
        signers["Condition"]!["Bool"] = new JsonObject { ["aws:SecureTransport"] = "true" };
        signers["Principal"]!["Service"] = "lambda.amazonaws.com";
        signers["X-Note"] = "added by hand";
        granted["Statement"]![2]!["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["kms:CallerAccount"] = "111122223333" } };
        var policy = KeyPolicyDocument.Parse(granted.ToJsonString());
        var signersBefore = signers.ToJsonString();
        var publicKeyBefore = granted["Statement"]![2]!.ToJsonString();

        // A change elsewhere leaves our statements exactly as they are.
        var verifier = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Verifiers = [Verifier] });
        var statements = JsonNode.Parse(verifier.After.ToJson())!["Statement"]!.AsArray();
        Assert.Equal(signersBefore, statements[1]!.ToJsonString());
        Assert.Equal(publicKeyBefore, statements[2]!.ToJsonString());
        var added = Assert.Single(verifier.Changes);
        Assert.Equal((SignerPolicySids.Verifiers, PolicyChangeKind.Added), (added.Sid, added.Kind));

        // A change to the principals or algorithms changes only those.
        var other = "arn:aws:iam::111122223333:role/Other";
        var changed = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [other], SigningAlgorithms = ["ECDSA_SHA_384"] });
        statements = JsonNode.Parse(changed.After.ToJson())!["Statement"]!.AsArray();
        var expected = JsonNode.Parse(signersBefore)!;
        expected["Principal"]!["AWS"] = new JsonArray(Signer, other);
        expected["Condition"]!["StringEquals"]!["kms:SigningAlgorithm"] = "ECDSA_SHA_384";
        Assert.Equal(expected.ToJsonString(), statements[1]!.ToJsonString());
        var expectedPublicKey = JsonNode.Parse(publicKeyBefore)!;
        expectedPublicKey["Principal"]!["AWS"] = new JsonArray(Signer, other);
        Assert.Equal(expectedPublicKey.ToJsonString(), statements[2]!.ToJsonString());

        // Asking for what is already there is no change.
        Assert.False(SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer] }).HasChanges);
        Assert.False(SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer], SigningAlgorithms = ["ECDSA_SHA_256"] }).HasChanges);
    }

    [Fact]
    public void The_signing_algorithm_condition_key_is_found_whatever_its_case()
    {
        // IAM condition key names are case-insensitive; a hand-written policy may spell ours kms:signingalgorithm.
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":"{{Signer}}"},"Action":"kms:Sign","Resource":"*","Condition":{"StringEquals":{"kms:signingalgorithm":["RSASSA_PSS_SHA_256","RSASSA_PSS_SHA_384"]} } },
            {"Sid":"KmsSignatureSignersPublicKey","Effect":"Allow","Principal":{"AWS":"{{Signer}}"},"Action":["kms:DescribeKey","kms:GetPublicKey"],"Resource":"*"}]}
            """);
        Assert.False(SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer], SigningAlgorithms = ["RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_256"] }).HasChanges);

        var one = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { SigningAlgorithms = ["RSASSA_PSS_SHA_384"], Remove = true });
        var condition = JsonNode.Parse(one.After.ToJson())!["Statement"]![1]!["Condition"]!["StringEquals"]!.AsObject();
        Assert.Equal("""{"kms:signingalgorithm":"RSASSA_PSS_SHA_256"}""", condition.ToJsonString());
    }

    [Fact]
    public void A_principal_list_in_another_order_or_shape_is_no_change()
    {
        var other = "arn:aws:iam::111122223333:role/Other";
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Sid":"KmsSignatureVerifiers","Effect":"Allow","Principal":{"AWS":["{{other}}","{{Verifier}}"]},"Action":["kms:GetPublicKey","kms:DescribeKey"],"Resource":"*"}]}
            """);
        Assert.False(SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Verifiers = [Verifier, other] }).HasChanges);
    }

    [Fact]
    public void Principals_added_to_or_taken_from_one_own_statement_by_hand_stay_so_through_other_changes()
    {
        // An administrator gave another team's role the public key through our signers' statement, and took kms:Verify
        // away from one verifier. A change elsewhere must neither revoke the first nor re-grant the second.
        const string teamB = "arn:aws:iam::444455556666:role/TeamB";
        const string v2 = "arn:aws:iam::111122223333:role/V2";
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":"{{Signer}}"},"Action":"kms:Sign","Resource":"*"},
            {"Sid":"KmsSignatureSignersPublicKey","Effect":"Allow","Principal":{"AWS":["{{Signer}}","{{teamB}}"]},"Action":["kms:DescribeKey","kms:GetPublicKey"],"Resource":"*"},
            {"Sid":"KmsSignatureVerifiers","Effect":"Allow","Principal":{"AWS":["{{Verifier}}","{{v2}}"]},"Action":["kms:DescribeKey","kms:GetPublicKey"],"Resource":"*"},
            {"Sid":"KmsSignatureVerifiersKmsVerify","Effect":"Allow","Principal":{"AWS":"{{Verifier}}"},"Action":"kms:Verify","Resource":"*"}]}
            """);
        static string[] Principals(KeyPolicyDocument p, string sid) => KeyPolicyStatements.Describe(p).Single(s => s.Sid == sid).Principals.ToArray();

        Assert.False(SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer], Verifiers = [Verifier, v2] }).HasChanges);

        var other = "arn:aws:iam::111122223333:role/Other";
        var added = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [other] }).After;
        Assert.Equal(new[] { Signer, other }, Principals(added, SignerPolicySids.Signers));
        Assert.Equal(new[] { Signer, teamB, other }, Principals(added, SignerPolicySids.SignersPublicKey));
        Assert.Equal(new[] { Verifier }, Principals(added, SignerPolicySids.VerifiersKmsVerify));

        // Removing the only signer takes kms:Sign away and leaves the other team's public key grant.
        var removed = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer], Remove = true }).After;
        Assert.DoesNotContain(KeyPolicyStatements.Describe(removed), s => s.Sid == SignerPolicySids.Signers);
        Assert.Equal(new[] { teamB }, Principals(removed, SignerPolicySids.SignersPublicKey));

        // -AllowKmsVerify asks for kms:Verify for every verifier; a new verifier joins kms:Verify where it is granted.
        Assert.Equal(new[] { Verifier, v2 }, Principals(
            SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { AllowKmsVerify = true }).After, SignerPolicySids.VerifiersKmsVerify));
        Assert.Equal(new[] { Verifier, other }, Principals(
            SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Verifiers = [other] }).After, SignerPolicySids.VerifiersKmsVerify));

        // The signers' kms:Sign statement deleted by hand (signing revoked, public key kept) does not come back for them.
        var withoutSign = JsonNode.Parse(policy.ToJson())!;
        withoutSign["Statement"]!.AsArray().RemoveAt(1);
        var noSign = KeyPolicyDocument.Parse(withoutSign.ToJsonString());
        var unrelated = SignerPolicyMerge.Plan(noSign, new SignerPolicyRequest { Verifiers = [other] }).After;
        Assert.DoesNotContain(KeyPolicyStatements.Describe(unrelated), s => s.Sid == SignerPolicySids.Signers);
        Assert.Equal(new[] { Signer, teamB }, Principals(unrelated, SignerPolicySids.SignersPublicKey));
    }

    [Fact]
    public void An_account_named_by_its_id_is_the_same_principal_as_its_root_ARN()
    {
        // A key policy may name an account as "111122223333" or as arn:aws:iam::111122223333:root (KMS keeps either as
        // written); both mean the account. -Remove of the root ARN must take out the id too, or the account keeps the grant
        // while the command says NoChange; granting the root ARN again must not add a second spelling.
        const string account = "arn:aws:iam::111122223333:root";
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Sid":"KmsSignatureVerifiers","Effect":"Allow","Principal":{"AWS":["111122223333","{{Verifier}}"]},"Action":["kms:DescribeKey","kms:GetPublicKey"],"Resource":"*"}]}
            """);

        Assert.False(SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Verifiers = [account] }).HasChanges);

        var removed = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Verifiers = [account], Remove = true });
        Assert.Equal([Verifier], KeyPolicyStatements.Describe(removed.After).Single(s => s.Sid == SignerPolicySids.Verifiers).Principals);
    }

    [Fact]
    public void Remove_drops_statements_that_lose_every_principal()
    {
        var with = SignerPolicyMerge.Plan(Default(), new SignerPolicyRequest { Signers = [Signer], Verifiers = [Verifier], AllowKmsVerify = true }).After;
        var plan = SignerPolicyMerge.Plan(with, new SignerPolicyRequest { Signers = [Signer], Remove = true });
        Assert.Equal(new[] { SignerPolicySids.Signers, SignerPolicySids.SignersPublicKey }, plan.Changes.Select(c => c.Sid));
        Assert.All(plan.Changes, c => Assert.Equal(PolicyChangeKind.Removed, c.Kind));
        Assert.Contains(SignerPolicySids.VerifiersKmsVerify, plan.After.ToJson());
    }

    [Fact]
    public void Remove_keeps_a_service_or_federated_principal_someone_added_to_our_statement()
    {
        // Only Principal.AWS is this module's: removing the last role must not take kms:Sign from the Lambda service or the
        // identity provider someone granted in the same statement, nor drop the condition that came with them.
        const string signers = $$$$"""{"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com","AWS":"{{{{Signer}}}}","Federated":"cognito-identity.amazonaws.com"},"Action":"kms:Sign","Resource":"*","Condition":{"StringEquals":{"kms:SigningAlgorithm":"ECDSA_SHA_256","aws:SourceAccount":"111122223333"}}}""";
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {{signers}},
            {"Sid":"KmsSignatureSignersPublicKey","Effect":"Allow","Principal":{"AWS":"{{Signer}}"},"Action":["kms:DescribeKey","kms:GetPublicKey"],"Resource":"*"}]}
            """);

        var plan = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer], Remove = true });

        Assert.Equal(new[] { (SignerPolicySids.Signers, PolicyChangeKind.Changed), (SignerPolicySids.SignersPublicKey, PolicyChangeKind.Removed) },
            plan.Changes.Select(c => (c.Sid, c.Kind)));
        var expected = JsonNode.Parse(signers)!.AsObject();
        expected["Principal"]!.AsObject().Remove("AWS");
        var statements = JsonNode.Parse(plan.After.ToJson())!["Statement"]!.AsArray();
        Assert.Equal(2, statements.Count);
        Assert.Equal(expected.ToJsonString(), statements[1]!.ToJsonString());

        // Nothing of ours is left to take out: the same request again, or one about verifiers, leaves that statement alone.
        Assert.False(SignerPolicyMerge.Plan(plan.After, new SignerPolicyRequest { Signers = [Signer], Remove = true }).HasChanges);
        var verifiers = SignerPolicyMerge.Plan(plan.After, new SignerPolicyRequest { Verifiers = [Verifier] });
        Assert.Equal((SignerPolicySids.Verifiers, PolicyChangeKind.Added), (Assert.Single(verifiers.Changes).Sid, verifiers.Changes[0].Kind));
    }

    [Fact]
    public void WhatIf_text_of_a_changed_statement_shows_what_it_loses()
    {
        // The merge rewrites the actions and resource of its statements: an action or a key ARN added by hand goes, and
        // -WhatIf/-Confirm must show it going, not only the statement as it will be.
        const string handEdited = """{"Sid":"KmsSignatureVerifiers","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Old"},"Action":["kms:DescribeKey","kms:GetPublicKey","kms:ListKeyPolicies"],"Resource":"*"}""";
        var policy = KeyPolicyDocument.Parse($$"""{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{{handEdited}}]}""");

        var plan = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Verifiers = ["arn:aws:iam::111122223333:role/Old"] });
        var change = Assert.Single(plan.Changes);
        Assert.Equal(PolicyChangeKind.Changed, change.Kind);
        Assert.DoesNotContain("kms:ListKeyPolicies", change.After);

        var text = plan.Describe();
        Assert.Contains(JsonNode.Parse(handEdited)!.ToJsonString(), text);
        Assert.Contains(change.After!, text);
        Assert.True(text.IndexOf("kms:ListKeyPolicies", StringComparison.Ordinal) < text.IndexOf(change.After!, StringComparison.Ordinal));
    }

    [Fact]
    public void Removing_the_last_signing_algorithm_is_refused_because_no_condition_would_allow_every_algorithm()
    {
        var restricted = SignerPolicyMerge.Plan(Default(), new SignerPolicyRequest { Signers = [Signer], SigningAlgorithms = ["RSASSA_PSS_SHA_256"] }).After;
        var text = restricted.ToJson();

        var ex = Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(restricted,
            new SignerPolicyRequest { SigningAlgorithms = ["RSASSA_PSS_SHA_256"], Remove = true }, "key-1"));
        Assert.Equal("KmsSignature.LastSigningAlgorithm", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidOperation, ex.Kind);
        Assert.Equal("key-1", ex.Target);
        Assert.Contains("-SignerPrincipal", ex.RecommendedAction);
        Assert.Contains("-Remove", ex.RecommendedAction);
        Assert.Equal(text, restricted.ToJson());
    }

    [Fact]
    public void Removing_a_signing_algorithm_from_unrestricted_signers_is_refused_because_it_would_stay_allowed()
    {
        var unrestricted = SignerPolicyMerge.Plan(Default(), new SignerPolicyRequest { Signers = [Signer] }).After;
        var ex = Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(unrestricted,
            new SignerPolicyRequest { SigningAlgorithms = ["RSASSA_PKCS1_V1_5_SHA_256"], Remove = true }));
        Assert.Equal("KmsSignature.SigningAlgorithmNotRestricted", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidOperation, ex.Kind);
    }

    [Fact]
    public void Removing_some_signing_algorithms_or_the_signers_with_them_still_works()
    {
        var two = SignerPolicyMerge.Plan(Default(),
            new SignerPolicyRequest { Signers = [Signer], SigningAlgorithms = ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384"] }).After;

        var one = SignerPolicyMerge.Plan(two, new SignerPolicyRequest { SigningAlgorithms = ["RSASSA_PSS_SHA_384"], Remove = true });
        Assert.Equal("RSASSA_PSS_SHA_256", (string?)JsonNode.Parse(one.After.ToJson())!["Statement"]![1]!["Condition"]!["StringEquals"]!["kms:SigningAlgorithm"]);

        // Revoking the signers together with their algorithms leaves nobody who could sign: nothing is widened.
        var none = SignerPolicyMerge.Plan(two,
            new SignerPolicyRequest { Signers = [Signer], SigningAlgorithms = ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384"], Remove = true });
        Assert.DoesNotContain(SignerPolicySids.Signers, none.After.ToJson());
    }

    [Theory]
    [InlineData(""" "Effect":"Deny","Principal":{"AWS":"@S"},"Action":"kms:Sign" """)]
    [InlineData(""" "Principal":{"AWS":"@S"},"Action":"kms:Sign" """)]
    [InlineData(""" "Effect":"Allow","NotPrincipal":{"AWS":"@S"},"Action":"kms:Sign" """)]
    [InlineData(""" "Effect":"Allow","Principal":{"AWS":"@S"},"NotAction":"kms:Sign" """)]
    public void An_own_statement_edited_into_a_Deny_or_a_Not_statement_is_refused_not_turned_into_an_Allow(string members)
    {
        // An administrator turned our statement into a Deny (or a NotPrincipal/NotAction statement): rewriting it as
        // an Allow would grant kms:Sign to the principals it denies, and dropping it would lift the Deny.
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Sid":"KmsSignatureSigners",{{members.Trim().Replace("@S", Signer)}},"Resource":"*"}]}
            """);
        foreach (var request in new[]
                 {
                     new SignerPolicyRequest { Verifiers = [Verifier] },
                     new SignerPolicyRequest { Signers = [Signer] },
                     new SignerPolicyRequest { Signers = [Signer], Remove = true },
                 })
        {
            var ex = Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(policy, request, "key-1"));
            Assert.Equal("KmsSignature.MalformedKeyPolicy", ex.ErrorId);
            Assert.Equal("key-1", ex.Target);
            Assert.Contains("KmsSignatureSigners", ex.Message);
            Assert.Contains("Sid", ex.RecommendedAction);
        }
    }

    [Theory]
    [InlineData("""{"Sid":"D","Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"KMS:sign","Resource":"*"}""", "kms:Sign", "Signer")]
    [InlineData("""{"Sid":"D","Effect":"Deny","Principal":"*","NotAction":["kms:Sign","kms:Describe*"],"Resource":"*"}""", "kms:GetPublicKey", "Signer,Verifier")]
    [InlineData("""{"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/Signer","111122223333"]},"Action":"kms:*","Resource":"*"}""", "kms:DescribeKey,kms:GetPublicKey", "Verifier")]
    [InlineData("""{"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:role/Signer"]},"Action":"kms:Sign","Resource":"*"}""", "", "")]
    [InlineData("""{"Sid":"D","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}""", "", "")]
    [InlineData("""{"Sid":"D","Effect":"Deny","Principal":{"Service":"lambda.amazonaws.com"},"Action":"kms:*","Resource":"*"}""", "", "")]
    [InlineData("""{"Sid":"D","Effect":"Allow","Principal":"*","Action":"kms:Sign","Resource":"*"}""", "", "")]
    public void Deny_statements_that_cover_our_grants_are_found(string deny, string actions, string principals)
    {
        var verifier = "arn:aws:iam::111122223333:role/Verifier";
        var policy = KeyPolicyDocument.Parse($$"""{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{{deny}}]}""");
        var plan = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer], Verifiers = [verifier] });
        if (actions.Length == 0)
        {
            Assert.Empty(plan.BlockingDenies);
            return;
        }

        var found = Assert.Single(plan.BlockingDenies);
        Assert.Equal(("D", 1, false), (found.Sid, found.Index, found.IsConditional));
        Assert.Equal(actions.Split(',').Order(), found.Actions.Order());
        Assert.Equal(principals.Split(',').Select(p => $"arn:aws:iam::111122223333:role/{p}").Order(), found.Principals.Order());
    }

    [Theory]
    [InlineData("""["arn:aws:iam::111122223333:role/Signer"]""")]
    [InlineData("""["arn:aws:iam::111122223333:root"]""")]
    [InlineData("""["111122223333","arn:aws:iam::111122223333:role/Other"]""")]
    public void A_NotPrincipal_Deny_that_does_not_list_both_the_principal_and_its_account_still_denies_it(string notPrincipals)
    {
        // IAM checks the account, then the role: a NotPrincipal exempts a role only when it names the role and its account
        // (IAM user guide, NotPrincipal, "Key points"). Naming just the role denies the whole account, the role included.
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":{{notPrincipals}}},"Action":"kms:Sign","Resource":"*"}]}
            """);
        var plan = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer] });
        var found = Assert.Single(plan.BlockingDenies);
        Assert.Equal(("D", 1, false), (found.Sid, found.Index, found.IsConditional));
        Assert.Equal([Signer], found.Principals);
        Assert.Equal(["kms:Sign"], found.Actions);
    }

    [Fact]
    public void A_request_that_asks_for_nothing_is_refused_whatever_switches_come_with_it()
    {
        foreach (var request in new[] { new SignerPolicyRequest(), new SignerPolicyRequest { Remove = true, AllowEveryone = true } })
        {
            Assert.False(request.AsksForChange);
            var ex = Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.RequireChange(request, "alias/app"));
            Assert.Equal(("KmsSignature.NothingToChange", ErrorKind.InvalidArgument, (object?)"alias/app"), (ex.ErrorId, ex.Kind, ex.Target));
        }

        // Each of these can change a policy, even without principals (-SigningAlgorithm and -AllowKmsVerify act on the current ones).
        foreach (var request in new[]
                 {
                     new SignerPolicyRequest { Signers = [Signer] },
                     new SignerPolicyRequest { Verifiers = [Verifier], Remove = true },
                     new SignerPolicyRequest { SigningAlgorithms = ["ECDSA_SHA_256"] },
                     new SignerPolicyRequest { SigningAlgorithms = ["ECDSA_SHA_256"], Remove = true },
                     new SignerPolicyRequest { AllowKmsVerify = true },
                     new SignerPolicyRequest { AllowKmsVerify = false },
                 })
        {
            Assert.True(request.AsksForChange);
            SignerPolicyMerge.RequireChange(request, "alias/app");
        }
    }

    [Theory]
    [InlineData("*", "KmsSignature.WildcardPrincipal")]
    [InlineData("arn:aws:iam::1111:role/x", "KmsSignature.InvalidPrincipal")]
    [InlineData("arn:aws:sts::111122223333:assumed-role/r/s", "KmsSignature.InvalidPrincipal")]
    [InlineData("arn:aws:iam::111122223333:group/g", "KmsSignature.InvalidPrincipal")]
    [InlineData("arn:aws:iam::111122223333:role/Sígner", "KmsSignature.InvalidPrincipal")]
    [InlineData("arn:aws:iam::111122223333:user/team/Straße", "KmsSignature.InvalidPrincipal")]
    [InlineData("arn:aws:iam::111122223333:role/ThisRoleNameIsSixtyFiveCharactersLongWhichIsOneMoreThanIamAllowsX", "KmsSignature.InvalidPrincipal")]
    public void Bad_principals_are_refused(string principal, string errorId)
    {
        var ex = Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(Default(), new SignerPolicyRequest { Signers = [principal] }));
        Assert.Equal(errorId, ex.ErrorId);
    }

    [Theory]
    [InlineData("arn:aws-cn:iam::111122223333:role/a")]
    [InlineData("arn:aws-iso-b:iam::111122223333:role/a/b/c")]
    [InlineData("arn:aws:iam::111122223333:root")]
    [InlineData("arn:aws:iam::111122223333:role/team#1/ops!/ThisRoleNameIsSixtyFourCharactersLongWhichIsExactlyWhatIamAllows")]
    public void Principals_in_every_partition_are_accepted(string principal) =>
        Assert.Equal($$"""{"AWS":"{{principal}}"}""", VerifiersPrincipal(SignerPolicyMerge.Plan(Default(), new SignerPolicyRequest { Verifiers = [principal] })));

    [Fact]
    public void Wildcard_with_force_is_allowed() =>
        Assert.Equal("""{"AWS":"*"}""", VerifiersPrincipal(SignerPolicyMerge.Plan(Default(), new SignerPolicyRequest { Verifiers = ["*"], AllowEveryone = true })));

    private static string VerifiersPrincipal(SignerPolicyPlan plan)
    {
        var added = Assert.Single(plan.Changes);
        Assert.Equal((PolicyChangeKind.Added, SignerPolicySids.Verifiers), (added.Kind, added.Sid));
        return JsonNode.Parse(plan.After.ToJson())!["Statement"]!.AsArray().Single(s => (string?)s!["Sid"] == SignerPolicySids.Verifiers)!["Principal"]!.ToJsonString();
    }

    [Theory]
    [InlineData(""" "Principal":{"AWS":"arn:aws:iam::111122223333:role/AdminA"} """, true)]
    [InlineData(""" "Principal":{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::111122223333:role/AdminA"]} """, true)]
    [InlineData(""" "NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/AdminB","111122223333"]} """, true)]
    [InlineData(""" "Principal":{"AWS":"arn:aws:iam::111122223333:role/AdminA"},"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}} """, false)]
    [InlineData(""" "Principal":{"AWS":"arn:aws:iam::111122223333:role/Other"} """, false)]
    public void Lockout_check_counts_only_administrators_that_no_unconditional_Deny_stops(string denyPrincipal, bool lockedOut)
    {
        // AdminA's kms:* is taken away by an explicit Deny, so once this module rewrites its own statement (which someone gave
        // kms:PutKeyPolicy for AdminB by hand) nobody could change the policy any more. A Deny with a Condition may not apply:
        // that is left to KMS's own lockout check, which evaluates it for the caller.
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Admins","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/AdminA"},"Action":"kms:*","Resource":"*"},
            {"Sid":"NoPolicyChanges","Effect":"Deny",{{denyPrincipal.Trim()}},"Action":"kms:Put*","Resource":"*"},
            {"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":["{{Signer}}","arn:aws:iam::111122223333:role/AdminB"]},"Action":["kms:Sign","kms:PutKeyPolicy"],"Resource":"*"}]}
            """);
        var request = new SignerPolicyRequest { Signers = ["arn:aws:iam::111122223333:role/AdminB"], Remove = true };
        if (lockedOut)
        {
            var ex = Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(policy, request, "key-1"));
            Assert.Equal(("KmsSignature.PolicyLockout", ErrorKind.InvalidOperation, (object?)"key-1"), (ex.ErrorId, ex.Kind, ex.Target));
        }
        else
        {
            Assert.True(SignerPolicyMerge.Plan(policy, request, "key-1").HasChanges);
        }
    }

    [Fact]
    public void A_deleted_principal_shown_by_its_unique_id_is_named_before_the_call_and_can_be_removed()
    {
        // KMS shows a deleted role by its unique id and refuses any new policy that still names it ("invalid principals").
        const string deleted = "AROAEXAMPLEDELETED123";
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
            {"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":["{{deleted}}","{{Signer}}"]},"Action":"kms:Sign","Resource":"*"},
            {"Sid":"KmsSignatureSignersPublicKey","Effect":"Allow","Principal":{"AWS":["{{deleted}}","{{Signer}}"]},"Action":["kms:DescribeKey","kms:GetPublicKey"],"Resource":"*"}]}
            """);

        var ex = Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Verifiers = [Verifier] }, "key-1"));
        Assert.Equal(("KmsSignature.DeletedPrincipalInPolicy", ErrorKind.InvalidData, (object?)"key-1"), (ex.ErrorId, ex.Kind, ex.Target));
        Assert.Contains($"{deleted} in statement 'KmsSignatureSigners'", ex.Message);
        Assert.Contains($"{deleted} in statement 'KmsSignatureSignersPublicKey'", ex.Message);
        Assert.Contains("-Remove", ex.RecommendedAction);

        // Nothing to write, nothing to refuse.
        Assert.False(SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [Signer] }, "key-1").HasChanges);

        // It cannot be granted, but it can be taken out, from both statements.
        Assert.Equal("KmsSignature.InvalidPrincipal",
            Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [deleted] }, "key-1")).ErrorId);
        var removed = SignerPolicyMerge.Plan(policy, new SignerPolicyRequest { Signers = [deleted], Remove = true }, "key-1");
        Assert.Equal(2, removed.Changes.Count);
        Assert.DoesNotContain(deleted, removed.After.ToJson());
        Assert.Contains(Signer, removed.After.ToJson());
    }

    [Theory]
    [InlineData(""" "NotAction":"kms:ScheduleKeyDeletion" """, false)]
    [InlineData(""" "NotAction":["kms:Put*","kms:ScheduleKeyDeletion"] """, true)]
    public void An_Allow_with_NotAction_that_leaves_PutKeyPolicy_in_keeps_the_key_administered(string actions, bool lockedOut)
    {
        // "Everything but deleting the key" for the account: administration stays when this module rewrites its own
        // statement, which someone had given kms:PutKeyPolicy for an admin role by hand.
        var policy = KeyPolicyDocument.Parse($$"""
            {"Version":"2012-10-17","Statement":[
            {"Sid":"AccountButNoDeletion","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},{{actions.Trim()}},"Resource":"*"},
            {"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":["{{Signer}}","arn:aws:iam::111122223333:role/Admin"]},"Action":["kms:Sign","kms:PutKeyPolicy"],"Resource":"*"}]}
            """);
        var request = new SignerPolicyRequest { Signers = ["arn:aws:iam::111122223333:role/Admin"], Remove = true };
        if (lockedOut)
        {
            Assert.Equal("KmsSignature.PolicyLockout", Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(policy, request, "key-1")).ErrorId);
        }
        else
        {
            var plan = SignerPolicyMerge.Plan(policy, request, "key-1");
            Assert.True(plan.HasChanges);
            Assert.DoesNotContain("kms:PutKeyPolicy", plan.After.ToJson());
        }
    }

    [Fact]
    public void Lockout_size_and_malformed_policies_are_refused()
    {
        var lockout = KeyPolicyDocument.Parse("""{"Statement":[{"Sid":"KmsSignatureSigners","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Admin"},"Action":"kms:*","Resource":"*"}]}""");
        Assert.Equal("KmsSignature.PolicyLockout",
            Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(lockout, new SignerPolicyRequest { Signers = [Signer] })).ErrorId);

        var many = Enumerable.Range(0, 800).Select(i => $"arn:aws:iam::111122223333:role/signer-number-{i:D4}").ToArray();
        Assert.Equal("KmsSignature.PolicyTooLarge",
            Assert.Throws<KmsSignatureException>(() => SignerPolicyMerge.Plan(Default(), new SignerPolicyRequest { Signers = many })).ErrorId);

        foreach (var bad in new[] { "not json", "[]", """{"Version":"2012-10-17"}""", """{"Statement":[1]}""", """{"Statement":[],"Statement":[]}""" })
        {
            Assert.Equal("KmsSignature.MalformedKeyPolicy", Assert.Throws<KmsSignatureException>(() => KeyPolicyDocument.Parse(bad)).ErrorId);
        }
    }
}
