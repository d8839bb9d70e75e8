using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Policy;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Kms;

/// <summary>
/// Two runs of one runbook (two CI jobs) create the same new alias at once: both find no alias, both create a key, and
/// one wins CreateAlias. Here the other run's CreateAlias lands just before this run's.
/// </summary>
public sealed class SigningKeyServiceAliasRaceTests
{
    private const string Alias = "alias/raced";

    [Fact]
    public async Task UseExisting_returns_the_key_that_won_the_alias_with_the_grants_merged_and_deletes_its_own()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms);
        var winner = await NewKeyAsync(admin, "ECC_NIST_P256");
        var service = ServiceFor(kms, admin);
        admin.WinnerKeyId = winner.KeyId;

        var key = await service.CreateAsync(new NewSigningKeyOptions
        {
            Alias = Alias,
            KeySpec = "ECC_NIST_P256",
            UseExisting = true,
            Policy = new SignerPolicyRequest { Signers = [kms.Signer.Arn], Verifiers = [kms.Verifier.Arn] },
        }, default);

        Assert.Equal(winner.Arn, key.Arn);
        Assert.Equal(Alias, key.Alias);
        Assert.Equal(winner.KeyId, (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Alias })).KeyMetadata.KeyId);
        var policy = (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = winner.Arn, PolicyName = "default" })).Policy;
        Assert.Contains(SignerPolicySids.Signers, policy);
        Assert.Contains(SignerPolicySids.Verifiers, policy);
        Assert.Contains(kms.Signer.Arn, policy);
        Assert.Equal("PendingDeletion", (await LoserAsync(admin, winner)).KeyState.Value);
    }

    // The confirmed plan created a key; changing the policy of the key another run made is a different change, asked again.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task With_a_confirmation_UseExisting_asks_before_changing_the_winners_policy(bool confirmed)
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms);
        var winner = await NewKeyAsync(admin, "ECC_NIST_P256");
        var service = ServiceFor(kms, admin);
        var before = (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = winner.Arn, PolicyName = "default" })).Policy;
        var plan = await service.PlanCreateAsync(new NewSigningKeyOptions
        {
            Alias = Alias,
            KeySpec = "ECC_NIST_P256",
            UseExisting = true,
            Policy = new SignerPolicyRequest { Signers = [kms.Signer.Arn] },
        }, default);
        Assert.Null(plan.ExistingKey);
        admin.WinnerKeyId = winner.KeyId;
        var asked = new List<NewSigningKeyPlan>();

        var key = await service.ExecuteAsync(plan, reuse =>
        {
            asked.Add(reuse);
            return Task.FromResult(confirmed);
        }, default);

        var reuse = Assert.Single(asked);
        Assert.Equal(winner.Arn, reuse.Target);
        Assert.Contains(SignerPolicySids.Signers, reuse.Describe());
        var after = (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = winner.Arn, PolicyName = "default" })).Policy;
        if (confirmed)
        {
            Assert.Equal(winner.Arn, key!.Arn);
            Assert.Contains(kms.Signer.Arn, after);
        }
        else
        {
            Assert.Null(key);
            Assert.Equal(before, after);
        }

        Assert.Equal("PendingDeletion", (await LoserAsync(admin, winner)).KeyState.Value);
    }

    [Fact]
    public async Task UseExisting_writes_no_policy_when_the_winner_already_grants_it()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms);
        var winner = await NewKeyAsync(admin, "ECC_NIST_P256");
        var service = ServiceFor(kms, admin);
        var request = new SignerPolicyRequest { Signers = [kms.Signer.Arn] };
        var (planned, plan) = await service.PlanPolicyAsync(winner.Arn, request, default);
        await service.ApplyPolicyAsync(planned, plan, default);
        var puts = kms.Counters.Count("PutKeyPolicy");
        admin.WinnerKeyId = winner.KeyId;

        var key = await service.CreateAsync(new NewSigningKeyOptions { Alias = Alias, UseExisting = true, Policy = request }, default);

        Assert.Equal(winner.Arn, key.Arn);
        Assert.Equal(puts, kms.Counters.Count("PutKeyPolicy"));
        Assert.Equal("PendingDeletion", (await LoserAsync(admin, winner)).KeyState.Value);
    }

    // With a confirmation callback, a reuse that changes nothing was asked nothing and said nothing: a Deny that blocks
    // the grants went unreported, where the plan without one (and the run that finds the alias at the start) reports it.
    [Fact]
    public async Task With_a_confirmation_a_reuse_that_changes_nothing_still_reports_a_Deny_that_blocks_the_grants()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms);
        var winner = await NewKeyAsync(admin, "ECC_NIST_P256");
        var verbose = new List<string>();
        var service = new SigningKeyService(new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test"), new ActionOperationLog(verbose.Add));
        var request = new SignerPolicyRequest { Signers = [kms.Signer.Arn] };
        var (planned, plan) = await service.PlanPolicyAsync(winner.Arn, request, default);
        await service.ApplyPolicyAsync(planned, plan, default);
        var policy = (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = winner.Arn, PolicyName = "default" })).Policy;
        var deny = $$"""{"Sid":"NoSigningHere","Effect":"Deny","Principal":{"AWS":"{{kms.Signer.Arn}}"},"Action":"kms:Sign","Resource":"*"}""";
        await admin.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = winner.Arn, PolicyName = "default", Policy = policy[..policy.LastIndexOf(']')] + "," + deny + "]}",
        });
        var newKey = await service.PlanCreateAsync(new NewSigningKeyOptions { Alias = Alias, UseExisting = true, Policy = request }, default);
        admin.WinnerKeyId = winner.KeyId;
        var asked = 0;

        var key = await service.ExecuteAsync(newKey, _ =>
        {
            asked++;
            return Task.FromResult(true);
        }, default);

        Assert.Equal(winner.Arn, key!.Arn);
        Assert.Equal(0, asked);
        Assert.Contains(verbose, line => line.Contains("NoSigningHere", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UseExisting_refuses_a_winner_of_another_spec_as_an_existing_incompatible_key_and_deletes_its_own()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms);
        var winner = await NewKeyAsync(admin, "RSA_2048");
        var service = ServiceFor(kms, admin);
        admin.WinnerKeyId = winner.KeyId;
        var winnerPolicy = (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = winner.Arn, PolicyName = "default" })).Policy;

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() => service.CreateAsync(new NewSigningKeyOptions
        {
            Alias = Alias,
            KeySpec = "ECC_NIST_P256",
            UseExisting = true,
            Policy = new SignerPolicyRequest { Signers = [kms.Signer.Arn] },
        }, default));

        Assert.Equal("KmsSignature.ExistingKeyIncompatible", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidOperation, ex.Kind);
        Assert.Equal(Alias, ex.Target);
        var loser = await LoserAsync(admin, winner);
        Assert.Contains(winner.Arn, ex.Message);
        Assert.Contains(loser.Arn, ex.Message);
        Assert.Equal("PendingDeletion", loser.KeyState.Value);
        Assert.Equal(winnerPolicy, (await admin.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = winner.Arn, PolicyName = "default" })).Policy);
    }

    [Fact]
    public async Task Without_UseExisting_the_error_names_the_alias_the_key_that_holds_it_and_the_deleted_new_key()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms);
        var winner = await NewKeyAsync(admin, "ECC_NIST_P256");
        var service = ServiceFor(kms, admin);
        admin.WinnerKeyId = winner.KeyId;

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = Alias, KeySpec = "ECC_NIST_P256" }, default));

        Assert.Equal("KmsSignature.AliasCreationFailed", ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, ex.Kind);
        Assert.Equal(Alias, ex.Target);
        Assert.Equal("AlreadyExistsException", ex.KmsErrorCode);
        var loser = await LoserAsync(admin, winner);
        Assert.Contains(Alias, ex.Message);
        Assert.Contains(winner.Arn, ex.Message);
        Assert.Contains(loser.Arn, ex.Message);
        Assert.Contains("scheduled for deletion", ex.Message);
        Assert.Equal("PendingDeletion", loser.KeyState.Value);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_CreateAlias_retried_after_its_answer_was_lost_keeps_the_new_key_the_alias_names(bool useExisting)
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms) { AnswerLost = true };
        var service = ServiceFor(kms, admin);

        var key = await service.CreateAsync(new NewSigningKeyOptions
        {
            Alias = Alias,
            KeySpec = "ECC_NIST_P256",
            UseExisting = useExisting,
            Policy = new SignerPolicyRequest { Signers = [kms.Signer.Arn] },
        }, default);

        var named = (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Alias })).KeyMetadata;
        Assert.Equal(named.Arn, key.Arn);
        Assert.Equal(Alias, key.Alias);
        Assert.Equal("Enabled", named.KeyState.Value);
        Assert.Equal(0, kms.Counters.Count("ScheduleKeyDeletion"));
    }

    // A timeout or a dropped connection after KMS made the alias: the SDK's retries are spent, and the answer never came.
    [Fact]
    public async Task A_CreateAlias_that_fails_after_KMS_made_the_alias_keeps_the_new_key()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms) { FailAfterMaking = () => new HttpRequestException("Connection reset by peer") };
        var service = ServiceFor(kms, admin);

        var key = await service.CreateAsync(new NewSigningKeyOptions { Alias = Alias, KeySpec = "ECC_NIST_P256" }, default);

        var named = (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Alias })).KeyMetadata;
        Assert.Equal(named.Arn, key.Arn);
        Assert.Equal("Enabled", named.KeyState.Value);
        Assert.Equal(0, kms.Counters.Count("ScheduleKeyDeletion"));
    }

    [Fact]
    public async Task Ctrl_C_after_KMS_made_the_alias_stops_the_command_and_keeps_the_named_key()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms) { FailAfterMaking = () => new OperationCanceledException() };
        var service = ServiceFor(kms, admin);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = Alias, KeySpec = "ECC_NIST_P256" }, default));

        Assert.Equal("Enabled", (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Alias })).KeyMetadata.KeyState.Value);
        Assert.Equal(0, kms.Counters.Count("ScheduleKeyDeletion"));
    }

    [Fact]
    public async Task Ctrl_C_before_the_alias_was_made_schedules_the_unnamed_key_for_deletion()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms) { FailBeforeMaking = true };
        var service = ServiceFor(kms, admin);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = Alias, KeySpec = "ECC_NIST_P256" }, default));

        var created = Assert.Single((await admin.ListKeysAsync(new ListKeysRequest())).Keys);
        Assert.Equal("PendingDeletion", (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = created.KeyId })).KeyMetadata.KeyState.Value);
    }

    // The alias may or may not name the new key when it cannot be read: deleting the key could leave the alias on a key
    // pending deletion, so the key is kept and the error says what to check.
    [Fact]
    public async Task A_failed_CreateAlias_whose_alias_cannot_be_read_keeps_the_new_key_and_says_so()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms)
        {
            FailAfterMaking = () => new HttpRequestException("Connection reset by peer"),
            DescribeFailsAfterAlias = true,
        };
        var service = ServiceFor(kms, admin);

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = Alias, KeySpec = "ECC_NIST_P256" }, default));

        admin.DescribeFailsAfterAlias = false;
        var named = (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Alias })).KeyMetadata;
        Assert.Equal("KmsSignature.AliasCreationFailed", ex.ErrorId);
        Assert.Equal(Alias, ex.Target);
        Assert.Contains(named.Arn, ex.Message);
        Assert.Contains("Connection reset by peer", ex.Message);
        Assert.Contains("Get-KmsSigningKey", ex.RecommendedAction);
        Assert.Equal("Enabled", named.KeyState.Value);
        Assert.Equal(0, kms.Counters.Count("ScheduleKeyDeletion"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_retried_CreateAlias_told_the_alias_exists_keeps_the_new_key_when_the_alias_cannot_be_read(bool useExisting)
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms) { AnswerLost = true, DescribeFailsAfterAlias = true };
        var service = ServiceFor(kms, admin);

        var ex = await Assert.ThrowsAsync<KmsSignatureException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = Alias, KeySpec = "ECC_NIST_P256", UseExisting = useExisting }, default));

        admin.DescribeFailsAfterAlias = false;
        var named = (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Alias })).KeyMetadata;
        Assert.Equal("KmsSignature.AliasCreationFailed", ex.ErrorId);
        Assert.Equal("AlreadyExistsException", ex.KmsErrorCode);
        Assert.Contains(named.Arn, ex.Message);
        Assert.Equal("Enabled", named.KeyState.Value);
        Assert.Equal(0, kms.Counters.Count("ScheduleKeyDeletion"));
    }

    [Fact]
    public async Task Ctrl_C_whose_alias_cannot_be_read_keeps_the_new_key()
    {
        await using var kms = await LocalKmsServer.StartAsync();
        using var admin = new AliasRacingClient(kms) { FailAfterMaking = () => new OperationCanceledException(), DescribeFailsAfterAlias = true };
        var service = ServiceFor(kms, admin);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            service.CreateAsync(new NewSigningKeyOptions { Alias = Alias, KeySpec = "ECC_NIST_P256" }, default));

        admin.DescribeFailsAfterAlias = false;
        Assert.Equal("Enabled", (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Alias })).KeyMetadata.KeyState.Value);
        Assert.Equal(0, kms.Counters.Count("ScheduleKeyDeletion"));
    }

    // The racing client serves every call, Sign included, as the module's two clients would.
    private static SigningKeyService ServiceFor(LocalKmsServer kms, AliasRacingClient admin) =>
        new(new KmsConnection(admin, admin, kms.Region, kms.Endpoint, "test"));

    private static async Task<KeyMetadata> NewKeyAsync(IAmazonKeyManagementService admin, string spec) =>
        (await admin.CreateKeyAsync(new CreateKeyRequest { KeySpec = spec, KeyUsage = "SIGN_VERIFY" })).KeyMetadata;

    // The key this run created: the only key besides the winner.
    private static async Task<KeyMetadata> LoserAsync(IAmazonKeyManagementService admin, KeyMetadata winner)
    {
        var keys = (await admin.ListKeysAsync(new ListKeysRequest())).Keys.Where(k => k.KeyId != winner.KeyId);
        return (await admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = Assert.Single(keys).KeyId })).KeyMetadata;
    }

    // The other run's CreateAlias, for WinnerKeyId, reaches KMS just before this run's.
    private sealed class AliasRacingClient(LocalKmsServer kms) : AmazonKeyManagementServiceClient(
        new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
        new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region, MaxErrorRetry = 0 })
    {
        public string? WinnerKeyId { get; set; }

        /// <summary>
        /// This run's CreateAlias reaches KMS, but its answer is lost (a dropped connection) and the SDK sends it again, as its
        /// retries do: the second call is told the alias exists.
        /// </summary>
        public bool AnswerLost { get; set; }

        /// <summary>This run's CreateAlias reaches KMS, and then this is thrown instead of its answer.</summary>
        public Func<Exception>? FailAfterMaking { get; set; }

        /// <summary>This run is stopped (Ctrl+C) as its CreateAlias is about to be sent.</summary>
        public bool FailBeforeMaking { get; set; }

        /// <summary>Once this run's CreateAlias was sent, DescribeKey fails as the network does (a read of the alias is undecided).</summary>
        public bool DescribeFailsAfterAlias { get; set; }

        private bool aliasSent;

        public override Task<DescribeKeyResponse> DescribeKeyAsync(DescribeKeyRequest request, CancellationToken cancellationToken = default) =>
            DescribeFailsAfterAlias && aliasSent
                ? throw new HttpRequestException("Name or service not known")
                : base.DescribeKeyAsync(request, cancellationToken);

        public override async Task<CreateAliasResponse> CreateAliasAsync(CreateAliasRequest request, CancellationToken cancellationToken = default)
        {
            aliasSent = true;
            if (FailBeforeMaking)
            {
                throw new OperationCanceledException();
            }

            if (FailAfterMaking is { } fail)
            {
                await base.CreateAliasAsync(request, cancellationToken);
                throw fail();
            }

            if (AnswerLost)
            {
                AnswerLost = false;
                await base.CreateAliasAsync(request, cancellationToken);
            }

            if (WinnerKeyId is { } winner)
            {
                WinnerKeyId = null;
                await base.CreateAliasAsync(new CreateAliasRequest { AliasName = request.AliasName, TargetKeyId = winner }, cancellationToken);
            }

            return await base.CreateAliasAsync(request, cancellationToken);
        }
    }
}
