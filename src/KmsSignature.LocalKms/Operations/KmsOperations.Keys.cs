using System.Security.Cryptography;
using System.Text.Json;
using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Operations;

internal sealed partial class KmsOperations
{
    // Two limits, as KMS has them: the API model caps the Policy string at 131072 characters (ValidationException), and
    // the key policy quota is "32 kilobytes (32,768 bytes)" (LimitExceededException, per the SDK's PutKeyPolicy/CreateKey
    // docs), counted in bytes: a key policy may hold Latin-1 Supplement characters, two bytes each in UTF-8.
    private const int PolicyMaxLength = 131072;
    private const int PolicyMaxBytes = 32768;
    private static readonly string[] Origins = ["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];
    private static readonly string[] CustomerMasterKeySpecs =
    [
        "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
    ];

    private void CreateKey(OperationContext context)
    {
        var input = context.Input;
        var policyText = PolicyText(input);
        var description = input.String("Description", 0, 8192) ?? string.Empty;
        var keyUsageGiven = input.Enum("KeyUsage", KeySpecInfo.AllUsages);
        var keyUsage = keyUsageGiven ?? "ENCRYPT_DECRYPT";
        var cmkSpec = input.Enum("CustomerMasterKeySpec", CustomerMasterKeySpecs);
        var keySpecName = input.Enum("KeySpec", KeySpecInfo.AllNames);
        var origin = input.Enum("Origin", Origins) ?? "AWS_KMS";
        var customKeyStoreId = input.String("CustomKeyStoreId", 1, 64);
        var bypass = BypassMember(context);
        var tags = TagMembers(input, required: false);
        CheckTagRules(tags);
        var multiRegion = input.Bool("MultiRegion") ?? false;

        var requestContext = context.NewRequestContext().Set("kms:KeySpec", keySpecName ?? cmkSpec ?? "SYMMETRIC_DEFAULT").Set("kms:KeyUsage", keyUsage).Set("kms:KeyOrigin", origin).Set("kms:MultiRegion", multiRegion ? "true" : "false");
        AuthorizeWithoutKey(context, "kms:CreateKey", requestContext);
        CheckPolicyQuota(policyText);

        if (keySpecName is not null && cmkSpec is not null)
        {
            throw KmsErrorException.Validation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec instead.");
        }

        keySpecName ??= cmkSpec ?? "SYMMETRIC_DEFAULT";
        if (keySpecName == "SM2")
        {
            throw KmsErrorException.Validation("KeySpec SM2 is supported only in China Regions.");
        }

        // CreateKey KeyUsage: "The default value is ENCRYPT_DECRYPT. This parameter is optional when you are creating a
        // symmetric encryption KMS key; otherwise, it is required." An RSA key without it is not an encryption key.
        if (keyUsageGiven is null && keySpecName != "SYMMETRIC_DEFAULT")
        {
            throw KmsErrorException.Validation($"KeyUsage is required for a KMS key with KeySpec {keySpecName}; only a symmetric encryption key (SYMMETRIC_DEFAULT) defaults to ENCRYPT_DECRYPT.");
        }

        var spec = KeySpecInfo.Find(keySpecName)!;
        if (!spec.Usages.Contains(keyUsage))
        {
            throw KmsErrorException.Validation($"KeyUsage {keyUsage} is not compatible with KeySpec {keySpecName}.");
        }

        if (customKeyStoreId is not null)
        {
            throw new KmsErrorException("CustomKeyStoreNotFoundException", $"Custom key store {customKeyStoreId} does not exist (LocalKms has no custom key stores).");
        }

        if (origin != "AWS_KMS")
        {
            throw new KmsErrorException("UnsupportedOperationException", $"LocalKms supports only Origin AWS_KMS, not {origin}.");
        }

        var keyId = multiRegion ? "mrk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : Guid.NewGuid().ToString();
        var keyArn = _store.KeyArn(keyId);
        if (tags.Count > 0)
        {
            // KMS CreateKey: "To use the Tags parameter, kms:TagResource (IAM policy)"; the new key has no key policy yet.
            AuthorizeWithoutKey(context, "kms:TagResource", requestContext, resource: keyArn);
        }

        // KMS runs the lockout safety check on a policy the caller provides ("If you provide a key policy, it must ...
        // allow the calling principal to make a subsequent PutKeyPolicy request"), not on the default policy it attaches.
        var provided = policyText is not null;
        policyText ??= DefaultKeyPolicy.For(context.Caller.Partition, _store.AccountId);
        var policy = PolicyDocument.Parse(policyText, isKeyPolicy: true);
        if (provided && !bypass)
        {
            CheckLockoutSafety(context, policy, keyArn);
        }

        // Generation (slow for RSA_4096) happens outside the mutation lock.
        var material = KeyMaterial.GenerateFor(spec.Name);
        var key = new KmsKey(keyId, keyArn, spec, keyUsage, _store.Now, multiRegion, material,
            new KeyStatus("Enabled", null, null, description, policyText, policy, tags, AliasNames: []));
        _store.Mutate(() => _store.AddKey(key));
        WriteKeyMetadata(context.Output, key, key.Status);
    }

    /// <summary>
    /// KMS's policy lockout safety check: refuse a policy under which the caller could not call
    /// PutKeyPolicy later (unless BypassPolicyLockoutSafetyCheck).
    /// </summary>
    private static void CheckLockoutSafety(OperationContext context, PolicyDocument policy, string keyArn)
    {
        // A later PutKeyPolicy, which need not bypass the check: its context is the caller's, not this request's.
        var outcome = PolicyEvaluator.Evaluate(context.Caller, "kms:PutKeyPolicy", keyArn, policy, context.CallerRequestContext());
        if (outcome != AuthorizationOutcome.Allowed)
        {
            throw new KmsErrorException("MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.");
        }
    }

    /// <summary>The BypassPolicyLockoutSafetyCheck member, also kept for the kms:BypassPolicyLockoutSafetyCheck condition key.</summary>
    private static bool BypassMember(OperationContext context)
    {
        var bypass = context.Input.Bool("BypassPolicyLockoutSafetyCheck");
        context.BypassPolicyLockoutSafetyCheck = bypass is { } given ? (given ? "true" : "false") : null;
        return bypass ?? false;
    }

    /// <summary>Tags as the model shapes them (TagKey 1-128 and TagValue 0-256 characters, both required): request validation.</summary>
    private static List<KeyValuePair<string, string>> TagMembers(JsonInput input, bool required)
    {
        var members = input.ObjectList("Tags");
        if (members is null && required)
        {
            throw KmsErrorException.Constraint("tags", null, "Member must not be null");
        }

        var tags = new List<KeyValuePair<string, string>>();
        foreach (var tag in members ?? [])
        {
            var key = tag.RequiredString("TagKey", 1, 128);
            var value = tag.String("TagValue", 0, 256) ?? throw KmsErrorException.Constraint("tags.member.tagValue", null, "Member must not be null");
            tags.Add(new(key, value));
        }

        return tags;
    }

    /// <summary>KMS's own tag rules, checked after the model's: no reserved aws: prefix, no duplicate keys, at most 50 tags.</summary>
    private static void CheckTagRules(List<KeyValuePair<string, string>> tags)
    {
        for (var i = 0; i < tags.Count; i++)
        {
            var key = tags[i].Key;
            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new KmsErrorException("TagException", "Tags beginning with aws: are reserved.");
            }

            if (tags.Take(i).Any(t => t.Key == key))
            {
                throw new KmsErrorException("TagException", $"Duplicate tag key: {key}");
            }
        }

        if (tags.Count > 50)
        {
            throw new KmsErrorException("LimitExceededException", "A KMS key can have at most 50 tags.");
        }
    }

    private void DescribeKey(OperationContext context)
    {
        ValidateGrantTokens(context.Input);
        var (key, status) = ResolveForRead(context, "kms:DescribeKey", allowAlias: true);
        Authorize(context, "kms:DescribeKey", key, status);
        WriteKeyMetadata(context.Output, key, status);
    }

    private void WriteKeyMetadata(Utf8JsonWriter w, KmsKey key, KeyStatus status)
    {
        w.WriteStartObject("KeyMetadata");
        w.WriteString("AWSAccountId", _store.AccountId);
        w.WriteString("KeyId", key.KeyId);
        w.WriteString("Arn", key.Arn);
        WriteDate(w, "CreationDate", key.CreationDate);
        w.WriteBoolean("Enabled", status.Enabled);
        w.WriteString("Description", status.Description);
        w.WriteString("KeyUsage", key.KeyUsage);
        w.WriteString("KeyState", status.State);
        // No PendingDeletionWindowInDays: KMS returns it only in state PendingReplicaDeletion (a multi-Region primary
        // waiting for its replicas), which LocalKms never has; ScheduleKeyDeletion's answer carries the window.
        if (status.DeletionDate is { } deletionDate)
        {
            WriteDate(w, "DeletionDate", deletionDate);
        }

        w.WriteString("Origin", "AWS_KMS");
        w.WriteString("KeyManager", "CUSTOMER");
        w.WriteString("CustomerMasterKeySpec", key.Spec.CustomerMasterKeySpec);
        w.WriteString("KeySpec", key.Spec.Name);
        WriteAlgorithms(w, key);
        w.WriteBoolean("MultiRegion", key.MultiRegion);
        if (key.MultiRegion)
        {
            w.WriteStartObject("MultiRegionConfiguration");
            w.WriteString("MultiRegionKeyType", "PRIMARY");
            w.WriteStartObject("PrimaryKey");
            w.WriteString("Arn", key.Arn);
            w.WriteString("Region", _store.Region);
            w.WriteEndObject();
            w.WriteStartArray("ReplicaKeys");
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteAlgorithms(Utf8JsonWriter w, KmsKey key)
    {
        switch (key.KeyUsage)
        {
            case "SIGN_VERIFY":
                WriteStrings(w, "SigningAlgorithms", key.Spec.SigningAlgorithms);
                break;
            case "ENCRYPT_DECRYPT":
                WriteStrings(w, "EncryptionAlgorithms", key.Spec.EncryptionAlgorithms);
                break;
            case "KEY_AGREEMENT":
                WriteStrings(w, "KeyAgreementAlgorithms", ["ECDH"]);
                break;
            case "GENERATE_VERIFY_MAC":
                WriteStrings(w, "MacAlgorithms", [key.Spec.MacAlgorithm]);
                break;
        }
    }

    private void ListKeys(OperationContext context)
    {
        var limit = context.Input.Int("Limit", 1, 1000) ?? 100;
        var marker = Marker(context.Input);
        AuthorizeWithoutKey(context, "kms:ListKeys");
        var keys = _store.Keys;
        var start = marker is null ? 0 : FirstAtOrAfter(keys, ParseKeyMarker(marker));
        var w = context.Output;
        w.WriteStartArray("Keys");
        foreach (var key in keys.Skip(start).Take(limit))
        {
            w.WriteStartObject();
            w.WriteString("KeyId", key.KeyId);
            w.WriteString("KeyArn", key.Arn);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WritePage(w, keys.Count > start + limit ? Base64Marker($"{KeyStore.ListOrder(keys[start + limit])}/{keys[start + limit].KeyId}") : null);
    }

    /// <summary>
    /// A ListKeys marker names the first key of the next page by its place in ListKeys order (creation time, then id),
    /// so the page starts there even if that key was deleted in between: a marker KMS issued stays valid.
    /// </summary>
    private static (long Order, string KeyId) ParseKeyMarker(string marker)
    {
        try
        {
            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(marker));
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0 && long.TryParse(text.AsSpan(0, slash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var order))
            {
                return (order, text[(slash + 1)..]);
            }
        }
        catch (FormatException)
        {
        }

        throw new KmsErrorException("InvalidMarkerException", "Invalid marker.");
    }

    private static int FirstAtOrAfter(IReadOnlyList<KmsKey> keys, (long Order, string KeyId) marker)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            var order = KeyStore.ListOrder(keys[i]);
            if (order > marker.Order || (order == marker.Order && string.CompareOrdinal(keys[i].KeyId, marker.KeyId) >= 0))
            {
                return i;
            }
        }

        return keys.Count;
    }

    /// <summary>Ends a page of a List operation: NextMarker when there is a next page, and Truncated.</summary>
    private static void WritePage(Utf8JsonWriter w, string? nextMarker)
    {
        if (nextMarker is not null)
        {
            w.WriteString("NextMarker", nextMarker);
        }

        w.WriteBoolean("Truncated", nextMarker is not null);
    }

    private static string Base64Marker(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    private void UpdateKeyDescription(OperationContext context)
    {
        var description = context.Input.String("Description", 0, 8192)
            ?? throw KmsErrorException.Constraint("description", null, "Member must not be null");
        var key = ResolveKey(context, allowAlias: false);
        _store.Mutate(() =>
        {
            // Under the lock, so a ScheduleKeyDeletion or PutKeyPolicy that got there first is seen.
            RequireChangeable(context, "kms:UpdateKeyDescription", key);
            key.SetStatus(key.Status with { Description = description });
        });
    }

    private void EnableKey(OperationContext context) => SetEnabled(context, "kms:EnableKey", enabled: true);

    private void DisableKey(OperationContext context) => SetEnabled(context, "kms:DisableKey", enabled: false);

    private void SetEnabled(OperationContext context, string action, bool enabled)
    {
        var key = ResolveKey(context, allowAlias: false);
        _store.Mutate(() =>
        {
            RequireChangeable(context, action, key);
            key.SetStatus(key.Status with { State = enabled ? "Enabled" : "Disabled" });
        });
    }

    private void ScheduleKeyDeletion(OperationContext context)
    {
        var days = context.Input.Int("PendingWindowInDays", 7, 30) ?? 30;
        var key = ResolveKey(context, allowAlias: false);
        var deletionDate = _store.Now.AddDays(days);
        _store.Mutate(() =>
        {
            RequireChangeable(context, "kms:ScheduleKeyDeletion", key);
            key.SetStatus(key.Status with { State = "PendingDeletion", DeletionDate = deletionDate, PendingWindowInDays = days });
        });
        var w = context.Output;
        w.WriteString("KeyId", key.Arn);
        WriteDate(w, "DeletionDate", deletionDate);
        w.WriteString("KeyState", "PendingDeletion");
        w.WriteNumber("PendingWindowInDays", days);
    }

    private void CancelKeyDeletion(OperationContext context)
    {
        var key = ResolveKey(context, allowAlias: false);
        _store.Mutate(() =>
        {
            AuthorizeChange(context, "kms:CancelKeyDeletion", key);
            if (key.Status.State != "PendingDeletion")
            {
                throw new KmsErrorException("KMSInvalidStateException", $"{key.Arn} is not pending deletion.");
            }

            // KMS leaves a key whose deletion was canceled Disabled.
            key.SetStatus(key.Status with { State = "Disabled", DeletionDate = null, PendingWindowInDays = null });
        });
        context.Output.WriteString("KeyId", key.Arn);
    }
}
