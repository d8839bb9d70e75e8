using Amazon.KeyManagementService;
using Amazon.Runtime;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Policy;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Kms;

public sealed class NewSigningKeyPlanTests
{
    [Fact]
    public async Task WhatIf_for_a_new_key_shows_the_statements_it_is_born_with_algorithm_condition_and_kms_Verify_included()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AmazonKeyManagementServiceClient(new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 });
        var service = new SigningKeyService(new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test"));
        var options = new NewSigningKeyOptions
        {
            Alias = "whatif-birth",
            KeySpec = "RSA_2048",
            Policy = new SignerPolicyRequest
            {
                Signers = [kms.Signer.Arn],
                Verifiers = [kms.Verifier.Arn],
                SigningAlgorithms = ["RSASSA_PSS_SHA_256"],
                AllowKmsVerify = true,
            },
        };

        var plan = await service.PlanCreateAsync(options, default);
        var text = plan.Describe();

        Assert.True(plan.HasChanges);
        Assert.Null(plan.ExistingKey);
        Assert.Contains("alias/whatif-birth", text);
        foreach (var sid in SignerPolicySids.All)
        {
            Assert.Contains($"Added {sid}:", text);
        }

        // What -WhatIf shows is what the key is born with: the signers restricted to the algorithm, kms:Verify for the verifiers.
        Assert.Contains("\"kms:SigningAlgorithm\":\"RSASSA_PSS_SHA_256\"", text);
        Assert.Contains("\"kms:Verify\"", text);
        Assert.Contains(kms.Signer.Arn, text);
        Assert.Contains(kms.Verifier.Arn, text);
        Assert.DoesNotContain("000000000000", text);
        Assert.Equal(0, kms.Counters.Count("CreateKey"));

        // Without principals the key gets KMS's default policy, and says so.
        var plain = await service.PlanCreateAsync(options with { Policy = new SignerPolicyRequest() }, default);
        Assert.EndsWith("the default key policy", plain.Describe());
    }
}
