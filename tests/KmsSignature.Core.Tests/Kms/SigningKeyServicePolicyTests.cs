using System.Text.Json.Nodes;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Policy;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Kms;

public sealed class SigningKeyServicePolicyTests
{
    [Fact]
    public async Task A_policy_changed_between_plan_and_apply_is_not_overwritten()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AmazonKeyManagementServiceClient(new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 });
        var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata.Arn;
        var service = new SigningKeyService(new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test"));
        var request = new SignerPolicyRequest { Signers = [kms.Signer.Arn] };
        async Task<string> Policy() => (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key, PolicyName = "default" })).Policy;

        var (planned, plan) = await service.PlanPolicyAsync(key, request, default);

        // Another administrator adds a statement while this plan waits (for -Confirm, say). KMS has no conditional
        // PutKeyPolicy: writing the plan now would silently drop that statement.
        var other = JsonNode.Parse(await Policy())!;
        other["Statement"]!.AsArray().Add(JsonNode.Parse(
            $$"""{"Sid":"TeamB","Effect":"Allow","Principal":{"AWS":"{{kms.Verifier.Arn}}"},"Action":"kms:DescribeKey","Resource":"*"}"""));
        await admin.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key, PolicyName = "default", Policy = other.ToJsonString() });
        var theirs = await Policy();
        var puts = kms.Counters.Count("PutKeyPolicy");

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() => service.ApplyPolicyAsync(planned, plan, default));
        Assert.Equal("KmsSignature.PolicyChangedConcurrently", ex.ErrorId);
        Assert.Equal(key, ex.Target);
        Assert.Contains("Nothing was changed", ex.Message);
        Assert.Equal(puts, kms.Counters.Count("PutKeyPolicy"));
        Assert.Equal(theirs, await Policy());

        // Running it again merges into the policy now on the key.
        var (again, replanned) = await service.PlanPolicyAsync(key, request, default);
        Assert.Equal(KmsPolicyUpdateStatus.Updated, (await service.ApplyPolicyAsync(again, replanned, default)).Status);
        var final = await Policy();
        Assert.Contains("TeamB", final);
        Assert.Contains(SignerPolicySids.Signers, final);
    }

    // PutKeyPolicy's API reference: KMS is eventually consistent. A read right after the write that still returns the policy it
    // replaced was reported as someone else's concurrent write (PolicyChangedConcurrently), failing a runbook whose write succeeded.
    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(100, false)]
    public async Task A_policy_read_back_before_the_write_is_visible_is_read_again(int staleReads, bool confirmed)
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new StaleAfterPutClient(kms) { StaleReadsAfterPut = staleReads };
        var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata.Arn;
        var service = new SigningKeyService(new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test"));
        var (planned, plan) = await service.PlanPolicyAsync(key, new SignerPolicyRequest { Signers = [kms.Signer.Arn] }, default);

        if (confirmed)
        {
            var result = await service.ApplyPolicyAsync(planned, plan, default);
            Assert.Equal(KmsPolicyUpdateStatus.Updated, result.Status);
            Assert.Contains(SignerPolicySids.Signers, result.Json);
        }
        else
        {
            var ex = await Assert.ThrowsAsync<KmsSignatureException>(() => service.ApplyPolicyAsync(planned, plan, default));
            Assert.Equal("KmsSignature.PolicyNotConfirmed", ex.ErrorId);
            Assert.Equal(ErrorKind.InvalidResult, ex.Kind);
            Assert.Equal(key, ex.Target);
            Assert.Contains("succeeded", ex.Message);
        }

        Assert.Equal(1, kms.Counters.Count("PutKeyPolicy"));
    }

    // The write succeeded but the read-back failed (KMS answering 500 after the SDK's retries): the error was the read's alone,
    // "GetKeyPolicy failed", which read as if the policy had not been changed.
    [Fact]
    public async Task A_read_back_that_fails_after_the_write_says_the_policy_was_written()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new ReadFailsAfterPutClient(kms);
        var key = (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata.Arn;
        var service = new SigningKeyService(new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test"));
        var (planned, plan) = await service.PlanPolicyAsync(key, new SignerPolicyRequest { Signers = [kms.Signer.Arn] }, default);

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() => service.ApplyPolicyAsync(planned, plan, default));

        Assert.Equal("KmsSignature.KmsInternal", ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceUnavailable, ex.Kind);
        Assert.Equal(key, ex.Target);
        Assert.Contains("GetKeyPolicy", ex.Message);
        Assert.Contains($"PutKeyPolicy {key} had succeeded", ex.Message);
        Assert.Equal(1, kms.Counters.Count("PutKeyPolicy"));
        kms.Faults.Reset();
        Assert.Contains(SignerPolicySids.Signers,
            (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key, PolicyName = "default" })).Policy);
    }

    // Once a PutKeyPolicy succeeded, KMS answers every GetKeyPolicy with a 500.
    private sealed class ReadFailsAfterPutClient(LocalKmsServer kms) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        public override async Task<PutKeyPolicyResponse> PutKeyPolicyAsync(PutKeyPolicyRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.PutKeyPolicyAsync(request, cancellationToken);
            kms.Faults.For("GetKeyPolicy").ErrorProbability = 1;
            return response;
        }
    }

    // After a PutKeyPolicy, the next reads still return the policy it replaced, as an eventually consistent read may.
    private sealed class StaleAfterPutClient(LocalKmsServer kms) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        private string? replaced;
        private int stale;

        public int StaleReadsAfterPut { get; init; }

        public override async Task<PutKeyPolicyResponse> PutKeyPolicyAsync(PutKeyPolicyRequest request, CancellationToken cancellationToken = default)
        {
            replaced = (await base.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = request.KeyId, PolicyName = "default" }, cancellationToken)).Policy;
            stale = StaleReadsAfterPut;
            return await base.PutKeyPolicyAsync(request, cancellationToken);
        }

        public override async Task<GetKeyPolicyResponse> GetKeyPolicyAsync(GetKeyPolicyRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.GetKeyPolicyAsync(request, cancellationToken);
            if (replaced is not null && stale > 0)
            {
                stale--;
                response.Policy = replaced;
            }

            return response;
        }
    }
}
