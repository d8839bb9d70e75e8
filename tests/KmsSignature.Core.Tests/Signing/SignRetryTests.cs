using System.Net;
using System.Net.Http;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Signing;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Signing;

/// <summary>
/// Sign's own retries (its client has the SDK's off). A lost connection ends the whole run (IsRunWide), so it is retried
/// for longer than a server fault: a brief network drop must not stop a bulk run.
/// </summary>
public sealed class SignRetryTests
{
    [Fact]
    public async Task A_few_lost_connections_in_a_row_are_ridden_out()
    {
        const int failures = SigningKey.MaxUnreachableAttempts - 1; // more than a server fault's retries
        await using var kms = await LocalKmsServer.StartAsync();
        using var client = new FailingSignClient(kms, failures, () => new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException(111)));
        var key = await NewKeyAsync(client);
        var signer = await SigningKey.ResolveAsync(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"), key, NullOperationLog.Instance, default);

        var signature = await signer.SignAsync(SignatureAlgorithm.EcdsaSha256, SigningMessage.For("hello"u8, SignatureAlgorithm.EcdsaSha256, null), "item", default);

        Assert.NotEmpty(signature);
        Assert.Equal(failures + 1, client.SignCalls);
    }

    [Fact]
    public async Task A_lost_connection_that_lasts_is_the_run_wide_KmsEndpointUnreachable()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var client = new FailingSignClient(kms, int.MaxValue, () => new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException(111)));
        var key = await NewKeyAsync(client);
        var signer = await SigningKey.ResolveAsync(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"), key, NullOperationLog.Instance, default);

        var error = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            signer.SignAsync(SignatureAlgorithm.EcdsaSha256, SigningMessage.For("hello"u8, SignatureAlgorithm.EcdsaSha256, null), "item", default));

        Assert.Equal("KmsSignature.KmsEndpointUnreachable", error.ErrorId);
        Assert.True(error.IsRunWide);
        Assert.Equal("item", error.Target);
        Assert.Equal(SigningKey.MaxUnreachableAttempts, client.SignCalls);
    }

    // A server fault is about this call: it keeps the short retries and is not run-wide.
    [Fact]
    public async Task A_server_fault_keeps_the_short_retries()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var client = new FailingSignClient(kms, int.MaxValue,
            () => new AmazonKeyManagementServiceException("internal", ErrorType.Receiver, "KMSInternalException", "req-1", HttpStatusCode.InternalServerError));
        var key = await NewKeyAsync(client);
        var signer = await SigningKey.ResolveAsync(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"), key, NullOperationLog.Instance, default);

        var error = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            signer.SignAsync(SignatureAlgorithm.EcdsaSha256, SigningMessage.For("hello"u8, SignatureAlgorithm.EcdsaSha256, null), "item", default));

        Assert.Equal("KmsSignature.KmsInternal", error.ErrorId);
        Assert.False(error.IsRunWide);
        Assert.Equal(SigningKey.MaxFailedAttempts, client.SignCalls);
    }

    private static async Task<string> NewKeyAsync(IAmazonKeyManagementService client) =>
        (await client.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata.Arn;

    // Fails the first Sign calls as given, then signs through LocalKms.
    private sealed class FailingSignClient(LocalKmsServer kms, int failures, Func<Exception> failure) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        private int signCalls;

        public int SignCalls => signCalls;

        public override Task<SignResponse> SignAsync(SignRequest request, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref signCalls) <= failures ? Task.FromException<SignResponse>(failure()) : base.SignAsync(request, cancellationToken);
    }
}
