using System.Text.RegularExpressions;
using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Operations;

internal sealed partial class KmsOperations
{
    private const int AliasesPerKeyQuota = 50;

    // The API model's AliasNameType pattern (it admits ':' for alias ARNs elsewhere); checked first, as KMS validates the
    // model before its own alias rules.
    [GeneratedRegex("^[a-zA-Z0-9:/_-]+$")]
    private static partial Regex AliasNameTypePattern();

    [GeneratedRegex("^alias/[a-zA-Z0-9/_-]+$")]
    private static partial Regex AliasNamePattern();

    /// <summary>KMS alias rules: "alias/" + [a-zA-Z0-9/_-], at most 256 characters; "alias/aws/" is reserved for AWS managed keys.</summary>
    private static string AliasName(OperationContext context)
    {
        var name = context.Input.RequiredString("AliasName", 1, 256);
        if (!AliasNameTypePattern().IsMatch(name))
        {
            throw KmsErrorException.Constraint("aliasName", name, "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
        }

        if (!name.StartsWith("alias/", StringComparison.Ordinal))
        {
            throw KmsErrorException.Validation("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
        }

        if (!AliasNamePattern().IsMatch(name))
        {
            throw KmsErrorException.Validation($"Alias name {name} is not valid: after the prefix \"alias/\" it must have 1-250 characters of a-z, A-Z, 0-9, '/', '_' and '-'.");
        }

        return name;
    }

    /// <summary>
    /// KMS resource quota "Aliases per KMS key: 50": "You can associate up to 50 aliases with each customer managed key"
    /// (https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html); CreateAlias and UpdateAlias answer
    /// LimitExceededException beyond it. Only inside <see cref="KeyStore.Mutate(Action)"/>.
    /// </summary>
    private void RequireAliasQuota(KmsKey key)
    {
        if (_store.Aliases.Count(a => a.TargetKeyId == key.KeyId) >= AliasesPerKeyQuota)
        {
            throw new KmsErrorException("LimitExceededException", $"A KMS key can have at most {AliasesPerKeyQuota} aliases; {key.Arn} has {AliasesPerKeyQuota}.");
        }
    }

    private static void RejectReserved(string aliasName)
    {
        if (aliasName.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new KmsErrorException("NotAuthorizedException", $"Alias names that begin with alias/aws/ are reserved for AWS managed keys: {aliasName}");
        }
    }

    private void CreateAlias(OperationContext context)
    {
        var aliasName = AliasName(context);
        var key = ResolveKey(context, allowAlias: false, "TargetKeyId");
        RejectReserved(aliasName);
        AuthorizeWithoutKey(context, "kms:CreateAlias", resource: _store.AliasArn(aliasName));
        _store.Mutate(() =>
        {
            // Under the lock, so a ScheduleKeyDeletion, PutKeyPolicy (or a deletion) that got there first is seen.
            RequireChangeable(context, "kms:CreateAlias", key);
            if (_store.FindAlias(aliasName) is not null)
            {
                throw new KmsErrorException("AlreadyExistsException", $"An alias with the name {_store.AliasArn(aliasName)} already exists");
            }

            RequireAliasQuota(key);

            var now = _store.Now;
            _store.SetAlias(new AliasEntry(aliasName, key.KeyId, now, now));
        });
    }

    private void UpdateAlias(OperationContext context)
    {
        var aliasName = AliasName(context);
        var newKey = ResolveKey(context, allowAlias: false, "TargetKeyId");
        RejectReserved(aliasName);

        // From the alias lookup on under the lock: a concurrent UpdateAlias could otherwise move the alias away from the key
        // this request authorized and compared with, and a PutKeyPolicy or ScheduleKeyDeletion come between check and change.
        _store.Mutate(() =>
        {
            _store.RequireStored(newKey);
            var alias = _store.FindAlias(aliasName) ?? throw KmsErrorException.NotFound($"Alias {_store.AliasArn(aliasName)} is not found.");
            var oldKey = _store.Resolve(alias.TargetKeyId, allowAlias: false);
            AuthorizeWithoutKey(context, "kms:UpdateAlias", resource: _store.AliasArn(aliasName));
            Authorize(context, "kms:UpdateAlias", oldKey);
            Authorize(context, "kms:UpdateAlias", newKey);
            RequireNotPendingDeletion(newKey);

            // KMS: the new key must be of the same type (symmetric, asymmetric, HMAC) and have the same key usage.
            if (oldKey.KeyUsage != newKey.KeyUsage || oldKey.Spec.IsAsymmetric != newKey.Spec.IsAsymmetric)
            {
                throw KmsErrorException.Validation(
                    $"Alias {aliasName} points to a {oldKey.Spec.Name} key with key usage {oldKey.KeyUsage}; it cannot be moved to a {newKey.Spec.Name} key with key usage {newKey.KeyUsage}.");
            }

            if (alias.TargetKeyId != newKey.KeyId)
            {
                RequireAliasQuota(newKey);
            }

            _store.SetAlias(alias with { TargetKeyId = newKey.KeyId, LastUpdatedDate = _store.Now });
        });
    }

    private void DeleteAlias(OperationContext context)
    {
        var aliasName = AliasName(context);
        RejectReserved(aliasName);

        // Under the lock, so the key authorized is the one the alias names when it is removed (a concurrent UpdateAlias
        // could move it to a key whose policy denies kms:DeleteAlias), and a concurrent PutKeyPolicy is seen.
        _store.Mutate(() =>
        {
            var alias = _store.FindAlias(aliasName) ?? throw KmsErrorException.NotFound($"Alias {_store.AliasArn(aliasName)} is not found.");
            AuthorizeWithoutKey(context, "kms:DeleteAlias", resource: _store.AliasArn(aliasName));
            Authorize(context, "kms:DeleteAlias", _store.Resolve(alias.TargetKeyId, allowAlias: false));
            _store.RemoveAlias(aliasName);
        });
    }

    /// <summary>
    /// Aliases AWS predefines in every account for AWS managed keys it has not made yet: ListAliases lists them with no
    /// TargetKeyId, unless a KeyId filters the list ("The response might also include aliases that have no TargetKeyId
    /// field", ListAliases API reference). Listed so that clients meet them here as they will in AWS.
    /// </summary>
    internal static readonly string[] PredefinedAliases =
    [
        "alias/aws/acm", "alias/aws/dynamodb", "alias/aws/ebs", "alias/aws/elasticfilesystem", "alias/aws/es", "alias/aws/glue",
        "alias/aws/kinesisvideo", "alias/aws/lambda", "alias/aws/rds", "alias/aws/redshift", "alias/aws/s3",
        "alias/aws/secretsmanager", "alias/aws/ssm", "alias/aws/xray",
    ];

    private void ListAliases(OperationContext context)
    {
        var keyIdFilter = context.Input.String("KeyId", 1, KeyIdMaxLength);
        var limit = context.Input.Int("Limit", 1, 100) ?? 50;
        var marker = Marker(context.Input);
        AuthorizeWithoutKey(context, "kms:ListAliases");
        var filterKey = keyIdFilter is null ? null : _store.Resolve(keyIdFilter, allowAlias: false);
        // Entry is null for a predefined alias: it names no key yet.
        List<(string Name, AliasEntry? Entry)> aliases = filterKey is null
            ? [.. _store.Aliases.Select(static a => (a.Name, (AliasEntry?)a)).Concat(PredefinedAliases.Select(static name => (name, (AliasEntry?)null)))
                .OrderBy(static a => a.Item1, StringComparer.Ordinal)]
            : [.. _store.Aliases.Where(a => a.TargetKeyId == filterKey.KeyId).Select(static a => (a.Name, (AliasEntry?)a))];
        // The marker is the name of the first alias of the next page, as it is (at most 256 characters). The page starts at
        // the first name at or after it (aliases are listed in name order), so the marker stays valid if that alias is
        // deleted in between, as KMS's do.
        if (marker is not null && !marker.StartsWith("alias/", StringComparison.Ordinal))
        {
            throw new KmsErrorException("InvalidMarkerException", "Invalid marker.");
        }

        var start = marker is null ? 0 : aliases.FindIndex(a => string.CompareOrdinal(a.Name, marker) >= 0);
        start = start < 0 ? aliases.Count : start;
        var w = context.Output;
        w.WriteStartArray("Aliases");
        foreach (var (name, entry) in aliases.Skip(start).Take(limit))
        {
            w.WriteStartObject();
            w.WriteString("AliasName", name);
            w.WriteString("AliasArn", _store.AliasArn(name));
            if (entry is not null)
            {
                w.WriteString("TargetKeyId", entry.TargetKeyId);
                WriteDate(w, "CreationDate", entry.CreationDate);
                WriteDate(w, "LastUpdatedDate", entry.LastUpdatedDate);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        WritePage(w, aliases.Count > start + limit ? aliases[start + limit].Name : null);
    }
}
