using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Policy;

namespace KmsSignature.Core.Kms;

/// <summary>
/// The administrator's KMS operations: create signing keys (born with their final policy), find them,
/// merge signer/verifier grants into their policies, and export their public keys. Every KMS failure
/// becomes a <see cref="KmsSignatureException"/> that keeps the KMS error code and request id.
/// </summary>
public sealed class SigningKeyService
{
    private const string SignVerify = "SIGN_VERIFY";

    // KMS's minimum (and the quickest way to undo an orphan): 7 to 30 days.
    private const int OrphanDeletionWindowDays = 7;

    // As many as the SDK's standard mode makes.
    private const int CreateKeyAttempts = 3;

    // Waits for a key policy just written to be read back (3.75 s in all): KMS's reads are eventually consistent.
    private static readonly TimeSpan[] ReadBackDelays =
        [TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    private readonly KmsConnection connection;
    private readonly IOperationLog log;

    public SigningKeyService(KmsConnection connection, IOperationLog? log = null)
    {
        this.connection = connection;
        this.log = log ?? NullOperationLog.Instance;
    }

    private IAmazonKeyManagementService Client => connection.Client;

    /// <summary>
    /// Creates a SIGN_VERIFY key and its alias, or reuses the key the alias names (<see cref="NewSigningKeyOptions.UseExisting"/>):
    /// <see cref="PlanCreateAsync"/> then <see cref="ExecuteAsync(NewSigningKeyPlan, CancellationToken)"/>, with nobody asked in between.
    /// </summary>
    public async Task<KmsSigningKey> CreateAsync(NewSigningKeyOptions options, CancellationToken ct) =>
        await ExecuteAsync(await PlanCreateAsync(options, ct).ConfigureAwait(false), ct).ConfigureAwait(false);

    /// <summary>
    /// Works out, with read-only calls, what <see cref="ExecuteAsync(NewSigningKeyPlan, CancellationToken)"/> will do. Input is checked before any call. When the
    /// alias already names a key, it must be a compatible signing key and -UseExisting must be given; grants asked for are then
    /// planned into that key's policy exactly as Set-KmsSignerPolicy plans them (same merge, same safety checks), never dropped.
    /// </summary>
    public async Task<NewSigningKeyPlan> PlanCreateAsync(NewSigningKeyOptions options, CancellationToken ct)
    {
        var alias = KmsKeyIdentifier.NormalizeAliasName(options.Alias);
        var spec = ParseSpec(options.KeySpec);
        KeyTags.Validate(options.Tags);
        var wantsPolicy = options.Policy.AsksForChange;
        if (wantsPolicy)
        {
            SignerPolicyMerge.Validate(options.Policy);
            // A reused key must have this spec too, so the spec's algorithms are the key's either way.
            EnsureAlgorithmsFit(options.Policy, SignatureAlgorithm.ForKeySpec(spec).Select(a => a.KmsName).ToArray(), $"an {spec.ToKmsName()} key");
        }

        var existing = await TryDescribeAsync(alias, ct).ConfigureAwait(false);
        if (existing is null)
        {
            // Every rule of the birth policy, checked on a placeholder before any mutating call; its statement changes (ours
            // only, which name no account) are what -WhatIf and -Confirm show.
            var birth = wantsPolicy ? SignerPolicyMerge.Plan(KeyPolicyDocument.Default("aws", "000000000000"), options.Policy, alias) : null;
            return new NewSigningKeyPlan(options, alias, null, null, birth?.Changes ?? []);
        }

        return await PlanReuseAsync(options, alias, existing, spec, ct).ConfigureAwait(false);
    }

    // The plan for the key the alias names: the -UseExisting compatibility check, then the grants planned into its policy.
    private async Task<NewSigningKeyPlan> PlanReuseAsync(NewSigningKeyOptions options, string alias, KeyMetadata existing, KmsKeySpec spec,
        CancellationToken ct)
    {
        var key = Reusable(alias, existing, spec, options);
        if (!options.Policy.AsksForChange)
        {
            log.Verbose($"-UseExisting: {alias} already points to {existing.Arn} ({spec.ToKmsName()}).");
            return new NewSigningKeyPlan(options, alias, key, null);
        }

        log.Verbose($"-UseExisting: {alias} already points to {existing.Arn} ({spec.ToKmsName()}); merging the requested grants into its key policy.");
        return new NewSigningKeyPlan(options, alias, key, await PlanPolicyAsync(key, options.Policy, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Carries out a plan: writes the reused key's policy change (as <see cref="ApplyPolicyAsync"/>: nothing when nothing changes,
    /// re-read before and after), or creates the key born with the merged policy (no moment under the default policy). If the alias then
    /// cannot be created, the new key is scheduled for deletion (7 days) so no orphan remains, and the error says both; when the alias
    /// cannot be read back either, the key is kept (the alias may name it). When the alias was created for another key meanwhile,
    /// -UseExisting goes on with that key as if it had been found at the start.
    /// </summary>
    public async Task<KmsSigningKey> ExecuteAsync(NewSigningKeyPlan plan, CancellationToken ct) =>
        (await CarryOutAsync(plan, confirmReuse: null, ct).ConfigureAwait(false))!;

    /// <summary>
    /// As <see cref="ExecuteAsync(NewSigningKeyPlan, CancellationToken)"/>, but when the alias was created for another key after
    /// the plan was confirmed, and reusing that key would change its policy, <paramref name="confirmReuse"/> is asked about that
    /// plan first, and reports its <see cref="SignerPolicyPlan.BlockingDenies"/> (a reuse that changes nothing logs them, as without
    /// it): the confirmed plan created a key, it did not change someone else's. Null when it declines (the new key is
    /// still scheduled for deletion).
    /// </summary>
    public Task<KmsSigningKey?> ExecuteAsync(NewSigningKeyPlan plan, Func<NewSigningKeyPlan, Task<bool>> confirmReuse, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(confirmReuse);
        return CarryOutAsync(plan, confirmReuse, ct);
    }

    private async Task<KmsSigningKey?> CarryOutAsync(NewSigningKeyPlan plan, Func<NewSigningKeyPlan, Task<bool>>? confirmReuse, CancellationToken ct)
    {
        if (plan.ExistingKey is { } existingKey)
        {
            if (plan.PolicyPlan is { } policyPlan)
            {
                await ApplyPolicyAsync(existingKey, policyPlan, ct).ConfigureAwait(false);
            }

            return existingKey;
        }

        var options = plan.Options;
        var alias = plan.Alias;
        var spec = ParseSpec(options.KeySpec);
        string? policyText = null;
        if (options.Policy.NamesPrincipals)
        {
            var (partition, account) = await DiscoverAccountAsync(ct).ConfigureAwait(false);
            var policyPlan = SignerPolicyMerge.Plan(KeyPolicyDocument.Default(partition, account), options.Policy, alias);
            policyText = policyPlan.After.ToJson();
        }

        var request = new CreateKeyRequest
        {
            KeyUsage = KeyUsageType.SIGN_VERIFY,
            KeySpec = new KeySpec(spec.ToKmsName()),
            Description = options.Description ?? string.Empty,
            MultiRegion = options.MultiRegion,
            Policy = policyText,
            Tags = options.Tags.Count == 0 ? null : options.Tags.Select(t => new Tag { TagKey = t.Key, TagValue = t.Value }).ToList(),
        };
        var created = await CreateKeyOnceAsync(request, alias, ct).ConfigureAwait(false);
        var metadata = created.KeyMetadata;
        log.Verbose($"CreateKey -> {metadata.Arn} ({spec.ToKmsName()}), request id {created.ResponseMetadata?.RequestId}.");

        try
        {
            var aliasResponse = await CallAsync("CreateAlias", alias,
                () => Client.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = metadata.KeyId }, ct)).ConfigureAwait(false);
            log.Verbose($"CreateAlias {alias} -> {metadata.KeyId}, request id {aliasResponse.ResponseMetadata?.RequestId}.");
        }
        catch (Exception aliasError) when (aliasError is KmsSignatureException or OperationCanceledException)
        {
            // A timeout, a lost answer or Ctrl+C may come after KMS made the alias, and the SDK resends a CreateAlias whose
            // answer was lost (the resend is told the alias exists): a key the alias names is kept, not deleted.
            var (holder, readError) = await ReadAliasUncancelledAsync(alias).ConfigureAwait(false);
            if (holder?.KeyId == metadata.KeyId)
            {
                log.Verbose($"CreateAlias {alias} -> {metadata.KeyId} failed ({aliasError.Message}), but KMS had made the alias: keeping the key.");
                if (aliasError is OperationCanceledException)
                {
                    throw;
                }

                return ToSigningKey(metadata, alias);
            }

            if (readError is not null)
            {
                if (aliasError is KmsSignatureException failed)
                {
                    throw AliasUnconfirmed(metadata.Arn, alias, failed, readError);
                }

                log.Verbose($"Stopped after CreateAlias {alias} was sent, and the alias could not be read ({readError.Message}): " +
                            $"KMS key {metadata.Arn} was kept, as the alias may name it.");
                throw;
            }

            if (aliasError is KmsSignatureException { KmsErrorCode: "AlreadyExistsException" } raced)
            {
                return await AfterLostAliasRaceAsync(plan, spec, metadata.Arn, holder, raced, confirmReuse, ct).ConfigureAwait(false);
            }

            if (aliasError is KmsSignatureException kmsError)
            {
                throw await CleanUpOrphanAsync(metadata.Arn, alias, kmsError).ConfigureAwait(false);
            }

            // Stopped between CreateKey and a named key: the new key goes as any orphan does.
            var (deletionDate, cleanupError) = await ScheduleOrphanDeletionAsync(metadata.Arn).ConfigureAwait(false);
            log.Verbose(cleanupError is null
                ? $"Stopped before the alias {alias} was made: KMS key {metadata.Arn} was scheduled for deletion on {deletionDate:u}."
                : $"Stopped before the alias {alias} was made, and KMS key {metadata.Arn} could not be scheduled for deletion: {cleanupError.Message}");
            throw;
        }

        return ToSigningKey(metadata, alias);
    }

    // CreateKey has no client token: sent again after KMS made the key but its answer was lost, it makes a second key, and the
    // first is left with no alias, unreported (the SDK's retries did that). So it goes through the client without retries and
    // is sent again only when KMS surely did not act on it (throttled, or no connection made). Not after a 5xx: a 502 or 504
    // from a gateway in front of KMS, or KMS's own 500, comes after the request may have been carried out.
    private async Task<CreateKeyResponse> CreateKeyOnceAsync(CreateKeyRequest request, string alias, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await connection.SignClient.CreateKeyAsync(request, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped with CreateKey possibly sent: as any stop after a mutating call, logged (shown with -Verbose).
                log.Verbose($"Stopped while CreateKey was in flight (about {DateTime.UtcNow:u}): KMS may have created a key that has no alias" +
                    $"{Described(request)}. Look for it with Get-KmsSigningKey and delete it with Request-KMSKeyDeletion.");
                throw;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (attempt < CreateKeyAttempts && (KmsErrorTranslator.IsThrottling(ex) || KmsErrorTranslator.IsNeverSent(ex)))
                {
                    log.Verbose($"CreateKey attempt {attempt} failed ({ex.Message}); KMS did not make the key, so it is sent again.");
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 500) << (attempt - 1)), ct).ConfigureAwait(false);
                    continue;
                }

                var error = KmsErrorTranslator.Translate(ex, "CreateKey", alias, connection.Endpoint, retried: false);
                var unknown = KmsErrorTranslator.IsTimeout(ex) ? "no answer came in time after CreateKey was sent"
                    : KmsErrorTranslator.IsAnswerLost(ex) ? "the connection was lost after CreateKey was sent"
                    : ex is AmazonServiceException { StatusCode: >= System.Net.HttpStatusCode.InternalServerError } service
                        ? $"CreateKey was answered with HTTP {(int)service.StatusCode}, which does not say whether KMS carried it out"
                        : null;
                if (unknown is not null)
                {
                    throw error.WithNote($"As {unknown} (about {DateTime.UtcNow:u}), KMS may have created a key that has no alias{Described(request)}. " +
                        "It was not sent again, which would make another one: look for that key with Get-KmsSigningKey, delete it with " +
                        "Request-KMSKeyDeletion, then run the command again.");
                }

                throw error;
            }
        }
    }

    // Why a rerun after an unconfirmed PutKeyPolicy is harmless.
    private const string PolicyRerunIsSafe =
        "Running the command again is safe: it merges into the policy then on the key and writes nothing when it already grants this.";

    private static string Described(CreateKeyRequest request) =>
        string.IsNullOrEmpty(request.Description) ? string.Empty : $" (description '{request.Description}')";

    // After a failed or stopped CreateAlias: not cancellable, as the orphan's deletion, because it decides whether the new key
    // is an orphan. A read that fails leaves that undecided (null holder) and is returned for the caller's message.
    private async Task<(KeyMetadata? Holder, KmsSignatureException? Error)> ReadAliasUncancelledAsync(string alias)
    {
        try
        {
            return (await TryDescribeAsync(alias, CancellationToken.None).ConfigureAwait(false), null);
        }
        catch (KmsSignatureException ex)
        {
            return (null, ex);
        }
    }

    // Two runs of one runbook (two CI jobs) can both find the alias missing and both create a key; one CreateAlias wins. This run's
    // key goes as any orphan does; holder is the alias as read after the refusal (another key, or null when it is gone again). With
    // -UseExisting the run then does what it would have done had it found the alias at the start (same compatibility check, same
    // policy merge), so running a runbook twice at once stays idempotent.
    private async Task<KmsSigningKey?> AfterLostAliasRaceAsync(NewSigningKeyPlan plan, KmsKeySpec spec, string createdArn, KeyMetadata? holder,
        KmsSignatureException aliasError, Func<NewSigningKeyPlan, Task<bool>>? confirmReuse, CancellationToken ct)
    {
        var alias = plan.Alias;
        var options = plan.Options;
        var (deletionDate, cleanupError) = await ScheduleOrphanDeletionAsync(createdArn).ConfigureAwait(false);
        if (cleanupError is not null)
        {
            throw OrphanLeft(createdArn, alias, aliasError, cleanupError);
        }

        var deleted = $"KMS key {createdArn}, which this command created for the alias, was scheduled for deletion on {deletionDate:u} " +
                      $"({OrphanDeletionWindowDays} days) so that no unnamed key is left behind.";
        log.Verbose($"CreateAlias {alias}: someone else created the alias at the same time. {deleted}");
        if (holder is null)
        {
            throw AliasCreationFailed(alias, aliasError,
                $"The alias {alias} could not be created ({aliasError.Message}), and it no longer exists: someone else created and " +
                $"deleted it meanwhile. {deleted}", "Run the command again.");
        }

        if (!options.UseExisting)
        {
            throw AliasCreationFailed(alias, aliasError,
                $"The alias {alias} was created at the same time by someone else and points to KMS key {holder.Arn} " +
                $"({holder.KeyUsage?.Value} {holder.KeySpec?.Value}, {holder.KeyState?.Value}), so it could not be created for the new key " +
                $"({aliasError.Message}). {deleted}",
                "Pass -UseExisting to reuse that key when it is a compatible signing key, or choose another alias.");
        }

        try
        {
            var reuse = await PlanReuseAsync(options, alias, holder, spec, ct).ConfigureAwait(false);
            if (confirmReuse is not null && reuse.HasChanges)
            {
                // The confirmation reports the plan's blocking denies with its prompt.
                if (!await confirmReuse(reuse).ConfigureAwait(false))
                {
                    return null;
                }
            }
            else
            {
                foreach (var deny in reuse.PolicyPlan?.BlockingDenies ?? [])
                {
                    log.Verbose(deny.ToString());
                }
            }

            return await ExecuteAsync(reuse, ct).ConfigureAwait(false);
        }
        catch (KmsSignatureException ex)
        {
            throw ex.WithNote(deleted);
        }
    }

    /// <summary>The key named by any of KMS's four identifier forms.</summary>
    public async Task<KmsSigningKey> GetAsync(string keyIdentifier, bool includeAllKeyUsages, CancellationToken ct)
    {
        var identifier = KmsKeyIdentifier.Parse(keyIdentifier);
        var metadata = await DescribeAsync(identifier.Value, ct).ConfigureAwait(false);
        RequireSigning(metadata, identifier.Value, includeAllKeyUsages);
        var alias = identifier.Kind switch
        {
            KmsKeyIdentifierKind.AliasName => identifier.Value,
            KmsKeyIdentifierKind.AliasArn => identifier.Value[identifier.Value.IndexOf(":alias/", StringComparison.Ordinal)..][1..],
            _ => await AliasIfAllowedAsync(metadata.KeyId, ct).ConfigureAwait(false),
        };
        return ToSigningKey(metadata, alias);
    }

    private Task<string?> AliasIfAllowedAsync(string keyId, CancellationToken ct) => UnlessAliasesDeniedAsync(
        () => FirstAliasAsync(keyId, ct), null,
        $"ListAliases for {keyId} was denied (kms:ListAliases is granted in IAM only); the key is returned without its alias.");

    private Task<Dictionary<string, string>> AliasesByKeyIfAllowedAsync(CancellationToken ct) => UnlessAliasesDeniedAsync(
        async () => (await ListAliasesAsync(null, ct).ConfigureAwait(false))
            .Where(a => a.TargetKeyId is not null)
            .GroupBy(a => a.TargetKeyId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => FirstAlias(g)!, StringComparer.Ordinal),
        new Dictionary<string, string>(StringComparer.Ordinal),
        "ListAliases was denied (kms:ListAliases is granted in IAM only); the keys are listed without their aliases.");

    // kms:ListAliases can be granted only in IAM (not in a key policy), so a caller holding just what a key policy grants
    // (DescribeKey), or ListKeys and DescribeKey from IAM without it, is denied it: aliases are a courtesy, and the key
    // (or every key) is still returned without them.
    private async Task<T> UnlessAliasesDeniedAsync<T>(Func<Task<T>> list, T withoutAliases, string deniedMessage)
    {
        try
        {
            return await list().ConfigureAwait(false);
        }
        catch (KmsSignatureException ex) when (ex.KmsErrorCode == "AccessDeniedException")
        {
            log.Verbose(deniedMessage);
            return withoutAliases;
        }
    }

    /// <summary>
    /// Keys whose alias matches <paramref name="aliasPattern"/> (<see cref="AliasNamePattern"/>), found with ListAliases page by page, in
    /// alias order. A key that cannot be described is an entry with its error, and the others are still listed. A name without
    /// wildcards is one DescribeKey, and an error when there is no such alias. Each entry goes to <paramref name="onEntry"/> as
    /// soon as its key is described, and the next is described only once the task it returns completes: a consumer that has
    /// enough (Select-Object -First) stops the listing there, not after every key was described.
    /// </summary>
    public async Task FindByAliasAsync(string aliasPattern, bool includeAllKeyUsages, Func<KeyListEntry, Task> onEntry, CancellationToken ct)
    {
        var pattern = AliasNamePattern.Parse(aliasPattern);
        if (!pattern.HasWildcards)
        {
            await onEntry(new KeyListEntry(await GetByAliasNameAsync(pattern.Text, includeAllKeyUsages, ct).ConfigureAwait(false), null))
                .WaitAsync(ct).ConfigureAwait(false);
            return;
        }

        // A key carries up to 50 aliases, and a pattern often matches several of them: one DescribeKey per key, not per alias.
        var described = new Dictionary<string, KeyMetadata>(StringComparer.Ordinal);
        foreach (var entry in await ListAliasesAsync(null, ct).ConfigureAwait(false))
        {
            if (entry.TargetKeyId is null || !pattern.IsMatch(entry.AliasName))
            {
                continue;
            }

            var outcome = await TryListAsync(entry.TargetKeyId, described,
                metadata => metadata.KeyUsage?.Value == SignVerify || includeAllKeyUsages ? ToSigningKey(metadata, entry.AliasName) : null,
                ct).ConfigureAwait(false);
            if (outcome is { } listed)
            {
                await onEntry(listed).WaitAsync(ct).ConfigureAwait(false);
                if (IsFatal(listed.Error))
                {
                    break;
                }
            }
        }
    }

    // One name is one DescribeKey, which a key policy can grant (as for -KeyId alias/...): listing every alias to find it cost
    // a ListAliases call per 100 aliases, and kms:ListAliases can be granted only in IAM, so a verifier could not use -Alias.
    private async Task<KmsSigningKey> GetByAliasNameAsync(string aliasName, bool includeAllKeyUsages, CancellationToken ct)
    {
        KeyMetadata metadata;
        try
        {
            metadata = await DescribeAsync(aliasName, ct).ConfigureAwait(false);
        }
        catch (KmsSignatureException ex) when (ex.KmsErrorCode == "NotFoundException")
        {
            throw new KmsSignatureException("AliasNotFound", ErrorKind.ObjectNotFound,
                $"There is no alias {aliasName} in {connection.Region}.", aliasName, ex)
            {
                KmsErrorCode = ex.KmsErrorCode,
                RequestId = ex.RequestId,
            };
        }

        RequireSigning(metadata, aliasName, includeAllKeyUsages);
        return ToSigningKey(metadata, aliasName);
    }

    /// <summary>
    /// Every signing key in the account and Region (ListKeys, paginated), in ListKeys order. A key that cannot be
    /// described is an entry with its error, and the others are still listed. Each entry goes to <paramref name="onEntry"/>
    /// as soon as its key is described, and the next key is described (or the next ListKeys page read) only once the task
    /// it returns completes.
    /// </summary>
    public async Task ListAsync(bool includeAllKeyUsages, Func<KeyListEntry, Task> onEntry, CancellationToken ct)
    {
        var aliases = await AliasesByKeyIfAllowedAsync(ct).ConfigureAwait(false);
        string? marker = null;
        do
        {
            var page = await CallAsync("ListKeys", null, () => Client.ListKeysAsync(new ListKeysRequest { Marker = marker, Limit = 1000 }, ct))
                .ConfigureAwait(false);
            foreach (var key in page.Keys ?? [])
            {
                var outcome = await TryListAsync(key.KeyId, null, metadata => metadata.KeyUsage?.Value == SignVerify || includeAllKeyUsages
                    ? ToSigningKey(metadata, aliases.GetValueOrDefault(metadata.KeyId))
                    : null, ct).ConfigureAwait(false);
                if (outcome is { } listed)
                {
                    await onEntry(listed).WaitAsync(ct).ConfigureAwait(false);
                    if (IsFatal(listed.Error))
                    {
                        return;
                    }
                }
            }

            marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (marker is not null);
    }

    /// <summary>Reads the key policy and plans the merge. Nothing is written; a request that asks for nothing makes no call (<c>KmsSignature.NothingToChange</c>).</summary>
    public async Task<(KmsSigningKey Key, SignerPolicyPlan Plan)> PlanPolicyAsync(string keyIdentifier, SignerPolicyRequest request, CancellationToken ct)
    {
        SignerPolicyMerge.RequireChange(request, keyIdentifier);
        // Input first, as New-KmsSigningKey checks it: a name that is no KMS algorithm at all is not a misfit with this key.
        SignerPolicyMerge.Validate(request);
        var key = await GetAsync(keyIdentifier, includeAllKeyUsages: false, ct).ConfigureAwait(false);
        return (key, await PlanPolicyAsync(key, request, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Writes a planned policy (no call when nothing changes). KMS has no optimistic concurrency for key policies (no
    /// conditional PutKeyPolicy), so the policy is read again just before writing, and nothing is written when it is no
    /// longer the one the plan was made from (someone changed it while the plan waited, for -Confirm say: writing would
    /// drop their change); afterwards it is read back to check our statements arrived, as a concurrent writer could win.
    /// </summary>
    public async Task<KmsKeyPolicy> ApplyPolicyAsync(KmsSigningKey key, SignerPolicyPlan plan, CancellationToken ct)
    {
        if (!plan.HasChanges)
        {
            log.Verbose($"Key policy of {key.Arn} already grants this: no PutKeyPolicy call.");
            return new KmsKeyPolicy(key.KeyId, key.Arn, KmsPolicyUpdateStatus.NoChange, plan, plan.Before.ToJson());
        }

        var current = await ReadPolicyAsync(key.Arn, ct).ConfigureAwait(false);
        if (!current.SameAs(plan.Before))
        {
            throw new KmsSignatureException("PolicyChangedConcurrently", ErrorKind.InvalidOperation,
                $"The key policy of {key.Arn} changed after it was read for this update: someone else wrote it in the meantime. " +
                "Writing the planned policy now would undo their change (KMS has no optimistic concurrency for key policies). Nothing was changed.", key.Arn)
            {
                RecommendedAction = "Run the command again; it merges into whatever policy is now on the key.",
            };
        }

        var text = plan.After.ToJson();
        PutKeyPolicyResponse put;
        try
        {
            put = await CallAsync("PutKeyPolicy", key.Arn,
                () => Client.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.Arn, PolicyName = "default", Policy = text }, ct)).ConfigureAwait(false);
        }
        catch (KmsSignatureException ex) when (ex.InnerException is { } cause && KmsErrorTranslator.IsAnswerLost(cause))
        {
            // The error alone read as if nothing had been written; a rerun is safe, as the merge writes nothing once the policy grants this.
            throw ex.WithNote($"The connection was lost or timed out after PutKeyPolicy {key.Arn} was sent, so KMS may have written the new policy. " +
                              PolicyRerunIsSafe);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped with PutKeyPolicy possibly sent: as any stop after a mutating call, logged (shown with -Verbose).
            log.Verbose($"Stopped while PutKeyPolicy {key.Arn} was in flight (about {DateTime.UtcNow:u}): KMS may have written the new policy. " +
                        PolicyRerunIsSafe);
            throw;
        }

        log.Verbose($"PutKeyPolicy {key.Arn} ({plan.Changes.Count} statement change(s)), request id {put.ResponseMetadata?.RequestId}.");

        // KMS is eventually consistent (PutKeyPolicy's API reference): a read right after the write may still return the policy
        // it replaced. Only that exact policy is waited out; any other one is someone else's write, reported below.
        KeyPolicyDocument reread;
        try
        {
            reread = await ReadPolicyAsync(key.Arn, ct).ConfigureAwait(false);
            for (var attempt = 0; reread.SameAs(current) && attempt < ReadBackDelays.Length; attempt++)
            {
                await Task.Delay(ReadBackDelays[attempt], ct).ConfigureAwait(false);
                reread = await ReadPolicyAsync(key.Arn, ct).ConfigureAwait(false);
            }
        }
        catch (KmsSignatureException ex)
        {
            // The read's error alone read as if nothing had been written; the write is done, only its check is not.
            throw ex.WithNote($"PutKeyPolicy {key.Arn} had succeeded (request id {put.ResponseMetadata?.RequestId}): the new policy was written, " +
                              "but reading it back to confirm it failed. " + PolicyRerunIsSafe);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped during the check: the write itself is done, which the stop alone would not say.
            log.Verbose($"Stopped while reading back the key policy of {key.Arn}: PutKeyPolicy had succeeded (request id " +
                        $"{put.ResponseMetadata?.RequestId}), so the new policy was written, but not confirmed. " + PolicyRerunIsSafe);
            throw;
        }

        if (reread.SameAs(current))
        {
            throw new KmsSignatureException("PolicyNotConfirmed", ErrorKind.InvalidResult,
                $"PutKeyPolicy {key.Arn} succeeded (request id {put.ResponseMetadata?.RequestId}), but {ReadBackDelays.Sum(d => d.TotalSeconds):0.#} s " +
                "later the key policy read back is still the one it replaced (KMS is eventually consistent), so the change is not confirmed.", key.Arn)
            {
                RecommendedAction = "Run Set-KmsSignerPolicy again later: it writes nothing when the policy already grants this.",
            };
        }

        var expected = plan.After.Statements.Where(s => SignerPolicySids.IsOurs(OwnStatement.Strings(s["Sid"]).FirstOrDefault())).ToArray();
        var actual = reread.Statements.Where(s => SignerPolicySids.IsOurs(OwnStatement.Strings(s["Sid"]).FirstOrDefault())).ToArray();
        var same = expected.Length == actual.Length && expected.All(e => actual.Any(a =>
            OwnStatement.Strings(a["Sid"]).SequenceEqual(OwnStatement.Strings(e["Sid"]))
            && OwnStatement.SameStatement(a, e)));
        if (!same)
        {
            throw new KmsSignatureException("PolicyChangedConcurrently", ErrorKind.InvalidOperation,
                $"After PutKeyPolicy the key policy of {key.Arn} does not hold the statements just written: someone else changed it at the same time " +
                "(KMS has no optimistic concurrency for key policies; the last writer wins).", key.Arn)
            {
                RecommendedAction = "Run Set-KmsSignerPolicy again; it merges into whatever policy is now on the key.",
            };
        }

        return new KmsKeyPolicy(key.KeyId, key.Arn, KmsPolicyUpdateStatus.Updated, plan, reread.ToJson());
    }

    /// <summary>
    /// GetPublicKey for one key, with the kid chosen by <paramref name="style"/> and the JWK alg pinned to
    /// <paramref name="algorithm"/> (which must fit the key: <c>KmsSignature.AlgorithmDoesNotFitKey</c>), else to
    /// the key spec's only alg (<see cref="JwsAlgorithm.SingleFor"/>; none for RSA).
    /// </summary>
    public async Task<KmsPublicKey> ExportAsync(string? keyIdentifier, KeyIdStyle style, JwsAlgorithm? algorithm, CancellationToken ct)
    {
        var identifier = KmsKeyIdentifier.Parse(keyIdentifier);
        var response = await CallAsync("GetPublicKey", identifier.Value,
            () => Client.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = identifier.Value }, ct)).ConfigureAwait(false);
        log.Verbose($"GetPublicKey {identifier.Value} -> {response.KeyId} ({response.KeySpec?.Value}), request id {response.ResponseMetadata?.RequestId}.");
        if (response.KeyUsage?.Value != SignVerify)
        {
            throw NotForSigning(response.KeyId, response.KeyUsage?.Value, identifier.Value);
        }

        var info = new KmsPublicKeyInfo(response.KeyId, response.KeySpec?.Value ?? string.Empty, response.KeyUsage.Value,
            (response.SigningAlgorithms ?? []).ToArray(), response.PublicKey.ToArray());
        var key = PublicKey.FromSpki(info.SubjectPublicKeyInfo, $"the public key of {info.KeyArn}");
        if (algorithm is not null && !algorithm.Fits(key.KeySpec))
        {
            throw new KmsSignatureException("AlgorithmDoesNotFitKey", ErrorKind.InvalidArgument,
                $"-Algorithm {algorithm.Name} does not fit KMS key {info.KeyArn} ({key.KeySpecName}); it signs " +
                $"{string.Join(", ", JwsAlgorithm.ForKeySpec(key.KeySpec).Select(a => a.Name))}.", identifier.Value);
        }

        string? alias = identifier.Kind switch
        {
            KmsKeyIdentifierKind.AliasName => identifier.Value,
            KmsKeyIdentifierKind.AliasArn => identifier.Value[(identifier.Value.IndexOf(":alias/", StringComparison.Ordinal) + 1)..],
            _ when style == KeyIdStyle.Alias => await FirstAliasAsync(info.KeyId, ct).ConfigureAwait(false),
            _ => null,
        };
        var kid = KeyIds.For(style, info.KeyArn, alias, key);
        return new KmsPublicKey(info, alias, key, kid, (algorithm ?? JwsAlgorithm.SingleFor(key.KeySpec))?.Name);
    }

    // Set-KmsSignerPolicy's and New-KmsSigningKey -UseExisting's one way to plan a policy change on a key.
    private async Task<SignerPolicyPlan> PlanPolicyAsync(KmsSigningKey key, SignerPolicyRequest request, CancellationToken ct)
    {
        EnsureAlgorithmsFit(request, key.SigningAlgorithms, $"{key.KeySpec} key {key.Arn}");
        var policy = await ReadPolicyAsync(key.Arn, ct).ConfigureAwait(false);
        return SignerPolicyMerge.Plan(policy, request, key.Arn);
    }

    private static void EnsureAlgorithmsFit(SignerPolicyRequest request, IReadOnlyList<string> keyAlgorithms, string keyDescription)
    {
        if (!request.Remove && request.SigningAlgorithms is { } algorithms)
        {
            foreach (var name in algorithms)
            {
                if (!keyAlgorithms.Contains(name.Trim(), StringComparer.OrdinalIgnoreCase))
                {
                    throw new KmsSignatureException("SigningAlgorithmNotForKey", ErrorKind.InvalidArgument,
                        $"{name} does not fit {keyDescription}; it signs with {string.Join(", ", keyAlgorithms)}.", name);
                }
            }
        }
    }

    private KmsSigningKey Reusable(string alias, KeyMetadata existing, KmsKeySpec spec, NewSigningKeyOptions options)
    {
        if (!options.UseExisting)
        {
            throw new KmsSignatureException("AliasExists", ErrorKind.ResourceExists,
                $"The alias {alias} already points to KMS key {existing.Arn} ({existing.KeyUsage?.Value} {existing.KeySpec?.Value}, {existing.KeyState?.Value}).", alias)
            {
                RecommendedAction = "Pass -UseExisting to reuse that key when it is a compatible signing key, or choose another alias.",
            };
        }

        var fits = existing.KeyUsage?.Value == SignVerify && existing.KeySpec?.Value == spec.ToKmsName();
        if (!fits || existing.KeyState?.Value != "Enabled")
        {
            throw new KmsSignatureException("ExistingKeyIncompatible", ErrorKind.InvalidOperation,
                $"-UseExisting: the alias {alias} points to KMS key {existing.Arn}, which is {existing.KeyUsage?.Value} {existing.KeySpec?.Value} " +
                $"in state {existing.KeyState?.Value}, not an Enabled SIGN_VERIFY {spec.ToKmsName()} key.", alias)
            {
                // The right key in the wrong state is brought back, not replaced: moving the alias would leave it unnamed.
                RecommendedAction = (fits ? existing.KeyState?.Value : null) switch
                {
                    "Disabled" => $"If the key should be used again, enable it (Enable-KMSKey -KeyId {existing.Arn}, or aws kms enable-key) and run " +
                                  "the command again; otherwise choose another alias.",
                    "PendingDeletion" => $"If the key should be kept, cancel its deletion (Undo-KMSKeyDeletion -KeyId {existing.Arn}, or aws kms " +
                                         "cancel-key-deletion), which leaves it Disabled, then enable it (Enable-KMSKey) and run the command again; " +
                                         "otherwise choose another alias.",
                    _ => "Choose another alias, or move this one with Update-KMSAlias after checking who uses it.",
                },
            };
        }

        return ToSigningKey(existing, alias);
    }

    private async Task<KmsSignatureException> CleanUpOrphanAsync(string keyArn, string alias, KmsSignatureException aliasError)
    {
        var (deletionDate, cleanupError) = await ScheduleOrphanDeletionAsync(keyArn).ConfigureAwait(false);
        if (cleanupError is not null)
        {
            return OrphanLeft(keyArn, alias, aliasError, cleanupError);
        }

        return AliasCreationFailed(alias, aliasError,
            $"KMS key {keyArn} was created, but the alias {alias} could not be created ({aliasError.Message}). " +
            $"So that no unnamed key is left behind, the key was scheduled for deletion on {deletionDate:u} " +
            $"({OrphanDeletionWindowDays} days; cancel with Undo-KMSKeyDeletion if you want to keep it).");
    }

    // The deletion date, or the error that kept the key from being scheduled (it is an orphan then, and the caller must say so).
    private async Task<(DateTime? DeletionDate, Exception? Error)> ScheduleOrphanDeletionAsync(string keyArn)
    {
        try
        {
            // Not cancellable: leaving an orphan behind because of Ctrl+C is worse than finishing this call.
            var deletion = await Client.ScheduleKeyDeletionAsync(
                new ScheduleKeyDeletionRequest { KeyId = keyArn, PendingWindowInDays = OrphanDeletionWindowDays }, CancellationToken.None).ConfigureAwait(false);
            return (deletion.DeletionDate, null);
        }
        catch (KMSInvalidStateException invalidState)
        {
            // A resend (the SDK's retry after a lost answer or a 5xx) is refused once the first call scheduled the deletion:
            // the key is then pending deletion, which is what was asked, not a key left behind.
            try
            {
                var key = (await Client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyArn }, CancellationToken.None).ConfigureAwait(false)).KeyMetadata;
                return key.KeyState?.Value == "PendingDeletion" ? (key.DeletionDate, null) : (null, invalidState);
            }
            catch (Exception)
            {
                return (null, invalidState);
            }
        }
        catch (Exception cleanupError)
        {
            return (null, cleanupError);
        }
    }

    private static KmsSignatureException OrphanLeft(string keyArn, string alias, KmsSignatureException aliasError, Exception cleanupError) =>
        AliasCreationFailed(alias, aliasError,
            $"KMS key {keyArn} was created, but the alias {alias} could not be created ({aliasError.Message}), and scheduling the key " +
            $"for deletion also failed ({cleanupError.Message}). The key exists without an alias: delete it with " +
            $"Request-KMSKeyDeletion -KeyId {keyArn} -PendingWindowInDay 7.");

    // The alias could not be read after its CreateAlias failed, so whether it names the new key is unknown: deleting the key
    // could leave the alias on a key pending deletion, so it is kept, and the user is told how to decide.
    private static KmsSignatureException AliasUnconfirmed(string keyArn, string alias, KmsSignatureException aliasError, KmsSignatureException readError) =>
        AliasCreationFailed(alias, aliasError,
            $"KMS key {keyArn} was created, but its CreateAlias {alias} failed ({aliasError.Message}), and reading the alias afterwards " +
            $"failed too ({readError.Message}), so whether KMS made the alias for this key is unknown. The key was kept.",
            $"Run Get-KmsSigningKey -KeyId {alias}: if it is not {keyArn}, delete that key with Request-KMSKeyDeletion -KeyId {keyArn} -PendingWindowInDay 7.");

    // The alias step's error, keeping KMS's code and request id.
    private static KmsSignatureException AliasCreationFailed(string alias, KmsSignatureException aliasError, string message, string? recommendedAction = null) =>
        new("AliasCreationFailed", aliasError.Kind, message, alias, aliasError)
        {
            KmsErrorCode = aliasError.KmsErrorCode,
            RequestId = aliasError.RequestId,
            RecommendedAction = recommendedAction,
        };

    /// <summary>
    /// The account and partition for the birth policy's root statement, without STS (a custom endpoint such
    /// as LocalKms has none): an alias ARN (KMS lists its predefined AWS aliases in every account), else a
    /// key ARN, else the ARN KMS puts into NotFound for a key id that cannot exist. A least-privilege key creator may hold
    /// neither kms:ListAliases nor kms:ListKeys (IAM-only permissions this command does not otherwise need): a denied
    /// listing is one way fewer, not the end of the run.
    /// </summary>
    private async Task<(string Partition, string Account)> DiscoverAccountAsync(CancellationToken ct)
    {
        var aliases = await UnlessListingDeniedAsync("ListAliases",
            () => Client.ListAliasesAsync(new ListAliasesRequest { Limit = 1 }, ct)).ConfigureAwait(false);
        if (TryAccount(aliases?.Aliases?.FirstOrDefault()?.AliasArn, out var found))
        {
            return found;
        }

        var keys = await UnlessListingDeniedAsync("ListKeys",
            () => Client.ListKeysAsync(new ListKeysRequest { Limit = 1 }, ct)).ConfigureAwait(false);
        if (TryAccount(keys?.Keys?.FirstOrDefault()?.KeyArn, out found))
        {
            return found;
        }

        try
        {
            await Client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "00000000-0000-0000-0000-000000000000" }, ct).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            var start = ex.Message.IndexOf("arn:", StringComparison.Ordinal);
            if (start >= 0 && TryAccount(ex.Message[start..].Split('\'', ' ')[0], out found))
            {
                return found;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw KmsErrorTranslator.Translate(ex, "DescribeKey", null, connection.Endpoint);
        }

        throw new KmsSignatureException("AccountUnknown", ErrorKind.InvalidOperation,
            "Could not learn the AWS account id for the new key's policy (needed for the statement that lets the account administer the key).");
    }

    private async Task<T?> UnlessListingDeniedAsync<T>(string operation, Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await CallAsync(operation, null, call).ConfigureAwait(false);
        }
        catch (KmsSignatureException ex) when (ex.KmsErrorCode == "AccessDeniedException")
        {
            log.Verbose($"{operation} was denied (kms:{operation} is granted in IAM only); the account id is learned another way.");
            return null;
        }
    }

    private static bool TryAccount(string? arn, out (string Partition, string Account) result)
    {
        result = default;
        var parts = arn?.Split(':');
        if (parts is not { Length: >= 6 } || parts[0] != "arn" || parts[4].Length != 12)
        {
            return false;
        }

        result = (parts[1], parts[4]);
        return true;
    }

    private async Task<KeyPolicyDocument> ReadPolicyAsync(string keyArn, CancellationToken ct)
    {
        var response = await CallAsync("GetKeyPolicy", keyArn,
            () => Client.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = keyArn, PolicyName = "default" }, ct)).ConfigureAwait(false);
        log.Verbose($"GetKeyPolicy {keyArn}, request id {response.ResponseMetadata?.RequestId}.");
        return KeyPolicyDocument.Parse(response.Policy, keyArn);
    }

    // Describes one listed key: its entry, null when it is left out (not a signing key, or deleted since it was listed), or
    // its error as an entry. KMS deletes a key when its waiting period ends, so in a listing that takes minutes a listed key
    // can be gone by the time it is described: it no longer exists, as if it had been listed a moment later.
    private async Task<KeyListEntry?> TryListAsync(string keyId, Dictionary<string, KeyMetadata>? described,
        Func<KeyMetadata, KmsSigningKey?> select, CancellationToken ct)
    {
        try
        {
            if (described?.GetValueOrDefault(keyId) is not { } metadata)
            {
                metadata = await DescribeAsync(keyId, ct).ConfigureAwait(false);
                described?.Add(keyId, metadata);
            }

            return select(metadata) is { } key ? new KeyListEntry(key, null) : null;
        }
        catch (KmsSignatureException ex) when (ex.KmsErrorCode == "NotFoundException")
        {
            log.Verbose($"{keyId} was deleted after it was listed; left out.");
            return null;
        }
        catch (KmsSignatureException ex)
        {
            log.Verbose($"{keyId}: {ex.Message}");
            return new KeyListEntry(null, ex);
        }
    }

    // Errors that no later key could escape (endpoint gone or not answering, credentials refused): stop the listing after
    // them instead of repeating them (a timeout costs minutes, retries included) for every remaining key.
    private static bool IsFatal(KmsSignatureException? error) =>
        error is { IsRunWide: true };

    private async Task<KeyMetadata?> TryDescribeAsync(string identifier, CancellationToken ct)
    {
        try
        {
            return await DescribeAsync(identifier, ct).ConfigureAwait(false);
        }
        catch (KmsSignatureException ex) when (ex.KmsErrorCode == "NotFoundException")
        {
            return null;
        }
    }

    private async Task<KeyMetadata> DescribeAsync(string identifier, CancellationToken ct)
    {
        var response = await CallAsync("DescribeKey", identifier,
            () => Client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = identifier }, ct)).ConfigureAwait(false);
        log.Verbose($"DescribeKey {identifier} -> {response.KeyMetadata.Arn} ({response.KeyMetadata.KeyState?.Value}), request id {response.ResponseMetadata?.RequestId}.");
        return response.KeyMetadata;
    }

    private async Task<IReadOnlyList<AliasListEntry>> ListAliasesAsync(string? keyId, CancellationToken ct)
    {
        var result = new List<AliasListEntry>();
        string? marker = null;
        do
        {
            var page = await CallAsync("ListAliases", keyId,
                () => Client.ListAliasesAsync(new ListAliasesRequest { KeyId = keyId, Marker = marker, Limit = 100 }, ct)).ConfigureAwait(false);
            result.AddRange(page.Aliases ?? []);
            marker = page.Truncated == true ? page.NextMarker : null;
        }
        while (marker is not null);

        return result;
    }

    /// <summary>The key's alphabetically first alias over every ListAliases page, or null when it has none the caller can see.</summary>
    internal async Task<string?> FirstAliasAsync(string keyId, CancellationToken ct)
    {
        try
        {
            return FirstAlias(await ListAliasesAsync(keyId, ct).ConfigureAwait(false));
        }
        catch (KmsSignatureException ex) when (ex.KmsErrorCode == "NotFoundException")
        {
            // ListAliases lists the caller's account only and answers NotFoundException for a key it does not hold, so a key
            // of another account, used by its ARN, has no alias here (https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html).
            log.Verbose($"ListAliases does not know {keyId} (a key of another account has no alias in this one): no alias.");
            return null;
        }
    }

    // KMS documents no order for ListAliases: one stable choice, so the Alias a listing shows is the kid -KeyIdStyle Alias writes.
    private static string? FirstAlias(IEnumerable<AliasListEntry> aliases) => aliases.Select(a => a.AliasName).Order(StringComparer.Ordinal).FirstOrDefault();

    private static void RequireSigning(KeyMetadata metadata, string target, bool includeAllKeyUsages)
    {
        if (!includeAllKeyUsages && metadata.KeyUsage?.Value != SignVerify)
        {
            throw NotForSigning(metadata.Arn, metadata.KeyUsage?.Value, target);
        }
    }

    private static KmsSignatureException NotForSigning(string keyArn, string? usage, string target) =>
        new("KeyNotForSigning", ErrorKind.InvalidOperation,
            $"KMS key {keyArn} has key usage {usage}; only SIGN_VERIFY keys make or check signatures.", target);

    private KmsSigningKey ToSigningKey(KeyMetadata metadata, string? alias)
    {
        var specName = metadata.KeySpec?.Value ?? string.Empty;
        var jwt = KmsKeySpecs.TryParse(specName, out var spec) && metadata.KeyUsage?.Value == SignVerify
            ? JwsAlgorithm.ForKeySpec(spec).Where(a => !a.IsLegacyName).Select(a => a.Name).ToArray()
            : [];
        return new KmsSigningKey(metadata.KeyId, metadata.Arn, alias, specName, metadata.KeyUsage?.Value ?? string.Empty,
            (metadata.SigningAlgorithms ?? []).ToArray(), jwt, metadata.KeyState?.Value ?? string.Empty, metadata.CreationDate,
            connection.Region, string.IsNullOrEmpty(metadata.Description) ? null : metadata.Description, metadata.MultiRegion == true);
    }

    private static KmsKeySpec ParseSpec(string name) => KmsKeySpecs.TryParse(name?.Trim(), out var spec)
        ? spec
        : throw new KmsSignatureException("InvalidKeySpec", ErrorKind.InvalidArgument,
            $"'{name}' is not a KMS signing key spec. Use one of: {string.Join(", ", KmsKeySpecs.AllKmsNames)}.", name);

    private async Task<T> CallAsync<T>(string operation, string? target, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var error = KmsErrorTranslator.Translate(ex, operation, target, connection.Endpoint);
            throw InOtherRegion(error, target) ?? error;
        }
    }

    // KMS keys are regional and each Region's endpoint answers NotFound for an ARN of any other Region, which reads as if the
    // key did not exist. (A multi-Region key's replica here has the same mrk- key id, in an ARN of this Region.)
    private KmsSignatureException? InOtherRegion(KmsSignatureException error, string? target)
    {
        if (error.KmsErrorCode != "NotFoundException" || !KmsKeyIdentifier.TryParse(target, out var identifier)
            || identifier.Region is not { } region || string.Equals(region, connection.Region, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return new KmsSignatureException("KeyInOtherRegion", ErrorKind.ObjectNotFound,
            $"{target} is in Region {region}, but this command called KMS in {connection.Region}: KMS keys are regional, so it answered " +
            $"that the key does not exist ({error.KmsErrorCode}, request id {error.RequestId}).", target, error)
        {
            KmsErrorCode = error.KmsErrorCode,
            RequestId = error.RequestId,
            RecommendedAction = $"Add -Region {region}.",
        };
    }
}
