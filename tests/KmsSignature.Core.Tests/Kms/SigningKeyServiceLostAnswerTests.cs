using System.Net.Http;
using System.Net.Sockets;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Policy;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Kms;

/// <summary>
/// KMS makes the key, then the connection drops before its answer arrives. CreateKey has no client token, so sending it
/// again makes a second key: the SDK's own retry did so, and the first key was left with no alias, never reported.
/// </summary>
public sealed class SigningKeyServiceLostAnswerTests
{
    // The answer lost to a reset connection, or a 504 from a gateway in front of KMS (KMS's own 500 alike): either may come
    // after KMS made the key. Sent again, CreateKey made a second (or third) key, never reported, and the error did not say a
    // key may exist.
    [Theory]
    [InlineData(false, "KmsSignature.KmsEndpointUnreachable", ErrorKind.ConnectionError, "CreateKey")]
    [InlineData(true, "KmsSignature.KmsHttpError", ErrorKind.ResourceUnavailable, "HTTP 504")]
    public async Task A_CreateKey_whose_answer_is_lost_or_a_5xx_is_not_sent_again_and_the_error_says_a_key_may_exist(
        bool gatewayTimeout, string errorId, ErrorKind kind, string mentions)
    {
        await using var kms = await LocalKmsServer.StartAsync();
        var factory = new LosingFactory("TrentService.CreateKey", gatewayTimeout: gatewayTimeout);
        // As KmsClientProvider makes them: the SDK's standard retries, and none for the second client.
        using var client = Client(kms, factory, maxErrorRetry: null);
        using var noRetries = Client(kms, factory, maxErrorRetry: 0);
        var service = new SigningKeyService(new KmsConnection(client, noRetries, kms.Region, kms.Endpoint, "test"));

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = "alias/lost", KeySpec = "ECC_NIST_P256", Description = "lost answer" }, default));

        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal("alias/lost", ex.Target);
        Assert.Contains(mentions, ex.Message);
        Assert.Contains("may have created a key", ex.Message);
        Assert.Equal(1, kms.Counters.Count("CreateKey"));
        Assert.Equal(0, kms.Counters.Count("CreateAlias"));
    }

    // CreateKey is not sent again after a timeout (KMS may have made the key): the error said "retries included" all the same,
    // and called the timeout a lost connection.
    [Fact]
    public async Task A_CreateKey_that_times_out_says_so_without_claiming_retries()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        kms.Faults.For("CreateKey").Latency = TimeSpan.FromSeconds(3);
        using var client = new AmazonKeyManagementServiceClient(new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
            new AmazonKeyManagementServiceConfig
            {
                ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0, Timeout = TimeSpan.FromMilliseconds(300),
            });
        var service = new SigningKeyService(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"));

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = "alias/slow", KeySpec = "ECC_NIST_P256" }, default));

        Assert.Equal("KmsSignature.KmsTimeout", ex.ErrorId);
        Assert.Contains("did not answer in time.", ex.Message);
        Assert.DoesNotContain("retries", ex.Message);
        Assert.Contains("no answer came in time after CreateKey was sent", ex.Message);
        Assert.Contains("may have created a key", ex.Message);
        Assert.Equal(1, kms.Counters.Count("CreateKey"));
    }

    // LimitExceededException is a full resource quota (100,000 keys in the Region), not throttling: it was sent twice more,
    // seconds apart, to the same answer, and the error did not say that retrying cannot help.
    [Fact]
    public async Task A_CreateKey_refused_for_a_full_quota_is_not_sent_again()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var client = new QuotaFullClient(kms);
        var service = new SigningKeyService(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"));

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = "alias/full", KeySpec = "ECC_NIST_P256" }, default));

        Assert.Equal(1, client.CreateKeyCalls);
        Assert.Equal("KmsSignature.KmsLimitExceeded", ex.ErrorId);
        Assert.Equal(ErrorKind.LimitsExceeded, ex.Kind);
        Assert.Equal("alias/full", ex.Target);
        Assert.Contains("retrying does not help", ex.RecommendedAction);
    }

    // KMS's answer when the account already has as many keys as its quota allows.
    private sealed class QuotaFullClient(LocalKmsServer kms) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        public int CreateKeyCalls { get; private set; }

        public override Task<CreateKeyResponse> CreateKeyAsync(CreateKeyRequest request, CancellationToken cancellationToken = default)
        {
            CreateKeyCalls++;
            throw new LimitExceededException("You have reached the limit on the number of KMS keys in this Region.")
            {
                ErrorCode = "LimitExceededException",
                StatusCode = System.Net.HttpStatusCode.BadRequest,
                RequestId = "quota-full",
            };
        }
    }

    // Ctrl+C after KMS made the key: the run stopped without a word about the unnamed key it may have left.
    [Fact]
    public async Task Ctrl_C_during_CreateKey_says_in_the_verbose_stream_that_a_key_may_exist()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var stop = new CancellationTokenSource();
        using var client = new StoppedAfterCreateKeyClient(kms, stop);
        var messages = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var service = new SigningKeyService(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"), new ActionOperationLog(messages.Enqueue));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = "alias/stopped", KeySpec = "ECC_NIST_P256", Description = "stopped run" }, stop.Token));

        Assert.Equal(1, kms.Counters.Count("CreateKey"));
        Assert.Contains(messages, m => m.Contains("may have created a key", StringComparison.Ordinal) && m.Contains("'stopped run'", StringComparison.Ordinal));
    }

    // CreateKey reaches KMS, then the run is stopped before its answer is taken.
    private sealed class StoppedAfterCreateKeyClient(LocalKmsServer kms, CancellationTokenSource stop) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        public override async Task<CreateKeyResponse> CreateKeyAsync(CreateKeyRequest request, CancellationToken cancellationToken = default)
        {
            await base.CreateKeyAsync(request, cancellationToken);
            await stop.CancelAsync();
            throw new OperationCanceledException(stop.Token);
        }
    }

    // PutKeyPolicy is carried out each time, and each answer is lost (the SDK's retries included): the error named only the lost
    // connection, as if nothing had been written.
    [Fact]
    public async Task A_PutKeyPolicy_whose_answers_are_lost_says_the_policy_may_have_been_written_and_a_rerun_writes_nothing()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        var factory = new LosingFactory("TrentService.PutKeyPolicy", every: true);
        using var client = Client(kms, factory, maxErrorRetry: null);
        using var noRetries = Client(kms, factory, maxErrorRetry: 0);
        var service = new SigningKeyService(new KmsConnection(client, noRetries, kms.Region, kms.Endpoint, "test"));
        await service.CreateAsync(new NewSigningKeyOptions { Alias = "alias/policy", KeySpec = "ECC_NIST_P256" }, default);
        var request = new SignerPolicyRequest { Signers = [kms.Signer.Arn] };
        var (key, plan) = await service.PlanPolicyAsync("alias/policy", request, default);

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() => service.ApplyPolicyAsync(key, plan, default));

        Assert.Equal("KmsSignature.KmsEndpointUnreachable", ex.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, ex.Kind);
        Assert.Equal(key.Arn, ex.Target);
        Assert.Contains("PutKeyPolicy", ex.Message);
        Assert.Contains("may have written the new policy", ex.Message);
        Assert.True(kms.Counters.Count("PutKeyPolicy") >= 1);
        // As the note says: the policy was written, and running the command again writes nothing.
        var (again, replanned) = await service.PlanPolicyAsync("alias/policy", request, default);
        Assert.Equal(KmsPolicyUpdateStatus.NoChange, (await service.ApplyPolicyAsync(again, replanned, default)).Status);
    }

    // Ctrl+C after KMS wrote the policy (during PutKeyPolicy, or while it was read back): the run stopped without a word, as if
    // nothing had been written. During the read-back the write is known to have succeeded, and the note must not say "may".
    [Theory]
    [InlineData(false, "may have written the new policy", null)]
    [InlineData(true, "the new policy was written", "may have written")]
    public async Task Ctrl_C_during_PutKeyPolicy_or_its_read_back_logs_what_was_written(bool afterReadBack, string says, string? never)
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var stop = new CancellationTokenSource();
        using var client = new StoppedAfterPolicyClient(kms, stop, afterReadBack);
        var messages = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var service = new SigningKeyService(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"), new ActionOperationLog(messages.Enqueue));
        await service.CreateAsync(new NewSigningKeyOptions { Alias = "alias/stopped", KeySpec = "ECC_NIST_P256" }, default);
        var (key, plan) = await service.PlanPolicyAsync("alias/stopped", new SignerPolicyRequest { Signers = [kms.Signer.Arn] }, default);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.ApplyPolicyAsync(key, plan, stop.Token));

        Assert.Equal(1, kms.Counters.Count("PutKeyPolicy"));
        Assert.Contains(messages, m => m.Contains(says, StringComparison.Ordinal)
            && m.Contains("Running the command again is safe", StringComparison.Ordinal));
        if (never is not null)
        {
            Assert.DoesNotContain(messages, m => m.Contains(never, StringComparison.Ordinal));
        }
    }

    // PutKeyPolicy (or, with afterReadBack, the first GetKeyPolicy after it) reaches KMS, then the run is stopped before its answer is taken.
    private sealed class StoppedAfterPolicyClient(LocalKmsServer kms, CancellationTokenSource stop, bool afterReadBack) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        private bool written;

        public override async Task<PutKeyPolicyResponse> PutKeyPolicyAsync(PutKeyPolicyRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.PutKeyPolicyAsync(request, cancellationToken);
            written = true;
            return afterReadBack ? response : throw await StopAsync();
        }

        public override async Task<GetKeyPolicyResponse> GetKeyPolicyAsync(GetKeyPolicyRequest request, CancellationToken cancellationToken = default)
        {
            var response = await base.GetKeyPolicyAsync(request, cancellationToken);
            return written && afterReadBack ? throw await StopAsync() : response;
        }

        private async Task<OperationCanceledException> StopAsync()
        {
            await stop.CancelAsync();
            return new OperationCanceledException(stop.Token);
        }
    }

    // The orphan's ScheduleKeyDeletion is carried out, its answer is lost, and the resend is told the key is pending deletion:
    // the error said scheduling the deletion had failed and the key was left without an alias.
    [Fact]
    public async Task A_resent_ScheduleKeyDeletion_refused_because_the_first_one_took_counts_as_scheduled()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new DeletionResentClient(kms);
        var service = new SigningKeyService(new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test"));
        kms.Faults.For("CreateAlias").ErrorProbability = 1;

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = "alias/orphan", KeySpec = "ECC_NIST_P256" }, default));

        Assert.Equal("KmsSignature.AliasCreationFailed", ex.ErrorId);
        Assert.Equal("alias/orphan", ex.Target);
        Assert.Contains("the key was scheduled for deletion on", ex.Message);
        Assert.DoesNotContain("also failed", ex.Message);
        Assert.Equal(2, kms.Counters.Count("ScheduleKeyDeletion"));
    }

    // ScheduleKeyDeletion reaches KMS, its answer is lost, and it is sent again, as the SDK's retries do.
    private sealed class DeletionResentClient(LocalKmsServer kms) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        public override async Task<ScheduleKeyDeletionResponse> ScheduleKeyDeletionAsync(ScheduleKeyDeletionRequest request,
            CancellationToken cancellationToken = default)
        {
            await base.ScheduleKeyDeletionAsync(request, cancellationToken);
            return await base.ScheduleKeyDeletionAsync(request, cancellationToken);
        }
    }

    private static AmazonKeyManagementServiceClient Client(LocalKmsServer kms, HttpClientFactory factory, int? maxErrorRetry)
    {
        var config = new AmazonKeyManagementServiceConfig
        {
            ServiceURL = kms.Endpoint.ToString(),
            AuthenticationRegion = kms.Region,
            RetryMode = RequestRetryMode.Standard,
            HttpClientFactory = factory,
        };
        if (maxErrorRetry is { } retries)
        {
            config.MaxErrorRetry = retries;
            config.MaxStaleConnectionRetries = 0;
        }

        return new AmazonKeyManagementServiceClient(new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey), config);
    }

    // The first call of the operation (or, with every, each call) reaches KMS and is carried out; its answer is then lost as a
    // dropped connection loses it.
    // Loses the answer to `target` (a reset connection, or with gatewayTimeout a gateway's 504) after KMS carried it out.
    private sealed class LosingFactory(string target, bool every = false, bool gatewayTimeout = false) : HttpClientFactory
    {
        private readonly string target = target;
        private readonly bool every = every;
        private readonly bool gatewayTimeout = gatewayTimeout;
        private int lost;

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new LosingHandler(this));

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;

        private sealed class LosingHandler(LosingFactory owner) : DelegatingHandler(new HttpClientHandler())
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (request.Headers.TryGetValues("X-Amz-Target", out var values) && values.Contains(owner.target)
                    && (Interlocked.Exchange(ref owner.lost, 1) == 0 || owner.every))
                {
                    response.Dispose();
                    if (owner.gatewayTimeout)
                    {
                        return new HttpResponseMessage(System.Net.HttpStatusCode.GatewayTimeout)
                        {
                            Content = new StringContent("<html>504 Gateway Time-out</html>", System.Text.Encoding.UTF8, "text/html"),
                        };
                    }

                    // What SocketsHttpHandler throws when the peer resets the connection before answering.
                    throw new HttpRequestException(HttpRequestError.Unknown, "An error occurred while sending the request.",
                        new IOException("Unable to read data from the transport connection: Connection reset by peer.",
                            new SocketException((int)SocketError.ConnectionReset)));
                }

                return response;
            }
        }
    }
}
