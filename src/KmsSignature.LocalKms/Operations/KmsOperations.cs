using System.Text.Json;
using KmsSignature.LocalKms.Keys;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Operations;

/// <summary>The KMS operations LocalKms implements, keyed by wire name (X-Amz-Target without "TrentService.").</summary>
internal sealed partial class KmsOperations
{
    private const int KeyIdMaxLength = 2048;

    /// <summary>Real KMS operations LocalKms does not implement: they get UnsupportedOperationException, not UnknownOperationException.</summary>
    private static readonly HashSet<string> KnownButUnimplemented = new(StringComparer.Ordinal)
    {
        "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext", "GenerateMac", "VerifyMac", "GenerateRandom", "DeriveSharedSecret",
        "CreateGrant", "ListGrants", "RetireGrant", "RevokeGrant", "ListRetirableGrants",
        "EnableKeyRotation", "DisableKeyRotation", "GetKeyRotationStatus", "RotateKeyOnDemand", "ListKeyRotations", "GetKeyLastUsage",
        "GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial", "ReplicateKey", "UpdatePrimaryRegion",
        "CreateCustomKeyStore", "DeleteCustomKeyStore", "DescribeCustomKeyStores", "UpdateCustomKeyStore",
        "ConnectCustomKeyStore", "DisconnectCustomKeyStore",
    };

    private readonly KeyStore _store;
    private readonly Dictionary<string, Action<OperationContext>> _handlers;

    public KmsOperations(KeyStore store)
    {
        _store = store;
        var operations = new Dictionary<string, Action<OperationContext>>(StringComparer.Ordinal)
        {
            ["CreateKey"] = CreateKey,
            ["DescribeKey"] = DescribeKey,
            ["ListKeys"] = ListKeys,
            ["UpdateKeyDescription"] = UpdateKeyDescription,
            ["EnableKey"] = EnableKey,
            ["DisableKey"] = DisableKey,
            ["ScheduleKeyDeletion"] = ScheduleKeyDeletion,
            ["CancelKeyDeletion"] = CancelKeyDeletion,
            ["CreateAlias"] = CreateAlias,
            ["UpdateAlias"] = UpdateAlias,
            ["DeleteAlias"] = DeleteAlias,
            ["ListAliases"] = ListAliases,
            ["GetKeyPolicy"] = GetKeyPolicy,
            ["PutKeyPolicy"] = PutKeyPolicy,
            ["ListKeyPolicies"] = ListKeyPolicies,
            ["GetPublicKey"] = GetPublicKey,
            ["Sign"] = Sign,
            ["Verify"] = Verify,
            ["TagResource"] = TagResource,
            ["UntagResource"] = UntagResource,
            ["ListResourceTags"] = ListResourceTags,
        };

        // Every request first deletes the keys whose deletion date has passed, as KMS would have by then.
        _handlers = operations.ToDictionary(
            static pair => pair.Key,
            pair => (Action<OperationContext>)(context =>
            {
                _store.DeleteDueKeys();
                pair.Value(context);
            }),
            StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Names => _handlers.Keys;

    /// <summary>
    /// Test seam: called with the action once a request is authorized, before it goes on. A test changes the key there to
    /// show what the rest of the request acts on (the concurrency tests); null outside tests.
    /// </summary>
    internal Action<string>? Authorized { get; set; }

    /// <summary>
    /// Test seams: called with the action once a read has looked up its key, and once it has the status snapshot it goes on
    /// with (before it authorizes). A test changes the key or its aliases there; null outside tests.
    /// </summary>
    internal Action<string>? KeyResolved { get; set; }

    /// <inheritdoc cref="KeyResolved"/>
    internal Action<string>? StatusRead { get; set; }

    /// <summary>The handler, or a KMS-shaped error for an unknown/unimplemented operation.</summary>
    public Action<OperationContext> Find(string operation)
    {
        if (_handlers.TryGetValue(operation, out var handler))
        {
            return handler;
        }

        if (KnownButUnimplemented.Contains(operation))
        {
            throw new KmsErrorException("UnsupportedOperationException", $"LocalKms does not implement the KMS operation {operation}.");
        }

        throw new KmsErrorException("UnknownOperationException", string.Empty);
    }

    public static bool IsOperationName(string operation) => operation.Length > 0;

    private KmsKey ResolveKey(OperationContext context, bool allowAlias, string field = "KeyId")
    {
        var identifier = context.Input.RequiredString(field, 1, KeyIdMaxLength);
        var key = _store.Resolve(identifier, allowAlias);
        context.RequestAlias = AliasNameOf(identifier);
        return key;
    }

    private (KmsKey Key, KeyStatus Status) ResolveForRead(OperationContext context, string action, bool allowAlias) =>
        ResolveForRead(context, action, context.Input.RequiredString("KeyId", 1, KeyIdMaxLength), allowAlias);

    /// <summary>
    /// A read's key and the one snapshot of its status it authorizes against, checks the key state in and answers from. By
    /// alias, that snapshot must list the alias: one moved since the lookup would have the read act on a key the alias never
    /// named while the key had that status, so the alias is looked up again (a deleted one is then NotFoundException).
    /// </summary>
    private (KmsKey Key, KeyStatus Status) ResolveForRead(OperationContext context, string action, string identifier, bool allowAlias)
    {
        var requestAlias = AliasNameOf(identifier);
        context.RequestAlias = requestAlias;
        while (true)
        {
            var key = _store.Resolve(identifier, allowAlias);
            KeyResolved?.Invoke(action);
            var status = key.Status;
            if (requestAlias is null || status.AliasNames.Contains(requestAlias))
            {
                StatusRead?.Invoke(action);
                return (key, status);
            }
        }
    }

    /// <summary>kms:RequestAlias is the alias name the request used, if it used one.</summary>
    private static string? AliasNameOf(string identifier)
    {
        if (identifier.StartsWith("alias/", StringComparison.Ordinal))
        {
            return identifier;
        }

        var index = identifier.StartsWith("arn:", StringComparison.Ordinal) ? identifier.IndexOf(":alias/", StringComparison.Ordinal) : -1;
        return index >= 0 ? identifier[(index + 1)..] : null;
    }

    private RequestContext KeyContext(OperationContext context, KmsKey key, KeyStatus status) =>
        context.NewRequestContext()
            .Set("kms:KeySpec", key.Spec.Name)
            .Set("kms:KeyUsage", key.KeyUsage)
            .Set("kms:KeyOrigin", "AWS_KMS")
            .Set("kms:MultiRegion", key.MultiRegion ? "true" : "false")
            .Set("kms:RequestAlias", context.RequestAlias)
            .SetResource(status.AliasNames, status.Tags);

    /// <summary>Against the key's current status: for a change, under the store's lock, where the status cannot change.</summary>
    private void Authorize(OperationContext context, string action, KmsKey key, RequestContext? requestContext = null) =>
        Authorize(context, action, key, key.Status, requestContext);

    /// <summary>
    /// Against one snapshot of the key's status. A read takes no lock, so it checks the policy and the key state, and answers,
    /// from the same snapshot: read one by one, a concurrent PutKeyPolicy and EnableKey could let a caller the new policy
    /// denies sign with a key that was disabled while the old policy allowed it.
    /// </summary>
    private void Authorize(OperationContext context, string action, KmsKey key, KeyStatus status, RequestContext? requestContext = null)
    {
        var outcome = PolicyEvaluator.Evaluate(context.Caller, action, key.Arn, status.Policy, requestContext ?? KeyContext(context, key, status));
        if (outcome != AuthorizationOutcome.Allowed)
        {
            throw new KmsErrorException("AccessDeniedException", PolicyEvaluator.DenialMessage(outcome, context.Caller.Arn, action, key.Arn));
        }

        Authorized?.Invoke(action);
    }

    /// <summary>Operations on no key (CreateKey, ListKeys, ListAliases) or on an alias resource: only IAM (identity) policies decide.</summary>
    private static void AuthorizeWithoutKey(OperationContext context, string action, RequestContext? requestContext = null, string resource = "*")
    {
        var outcome = PolicyEvaluator.Evaluate(context.Caller, action, resource, keyPolicy: null, requestContext ?? context.NewRequestContext());
        if (outcome != AuthorizationOutcome.Allowed)
        {
            throw new KmsErrorException("AccessDeniedException", PolicyEvaluator.DenialMessage(outcome, context.Caller.Arn, action, resource));
        }
    }

    /// <summary>Disabled → DisabledException; PendingDeletion → KMSInvalidStateException (KMS key state table).</summary>
    private static void RequireEnabled(KmsKey key, KeyStatus status)
    {
        switch (status.State)
        {
            case "Enabled":
                return;
            case "Disabled":
                throw new KmsErrorException("DisabledException", $"{key.Arn} is disabled.");
            default:
                throw InvalidState(key, status.State);
        }
    }

    private static void RequireNotPendingDeletion(KmsKey key)
    {
        if (key.Status.State == "PendingDeletion")
        {
            throw InvalidState(key, "PendingDeletion");
        }
    }

    /// <summary>
    /// The key is still there and the caller may make the change. Only inside <see cref="KeyStore.Mutate(Action)"/>: checked
    /// before the lock, a concurrent PutKeyPolicy (or a change to the tags or aliases a condition reads) could revoke the
    /// permission, or a deletion remove the key, between the check and the change.
    /// </summary>
    private void AuthorizeChange(OperationContext context, string action, KmsKey key)
    {
        _store.RequireStored(key);
        Authorize(context, action, key);
    }

    /// <summary><see cref="AuthorizeChange"/>, and the key is not pending deletion (a concurrent ScheduleKeyDeletion is seen).</summary>
    private void RequireChangeable(OperationContext context, string action, KmsKey key)
    {
        AuthorizeChange(context, action, key);
        RequireNotPendingDeletion(key);
    }

    private static KmsErrorException InvalidState(KmsKey key, string state) =>
        new("KMSInvalidStateException", state == "PendingDeletion" ? $"{key.Arn} is pending deletion." : $"{key.Arn} is {state}.");

    /// <summary>KMS: GrantTokens is a list of at most 10 strings of 1-8192 characters. LocalKms has no grants; valid tokens grant nothing.</summary>
    private static void ValidateGrantTokens(JsonInput input)
    {
        var tokens = input.StringList("GrantTokens");
        if (tokens is null)
        {
            return;
        }

        if (tokens.Count > 10)
        {
            throw KmsErrorException.Constraint("grantTokens", Truncate("[" + string.Join(", ", tokens) + "]"), "Member must have length less than or equal to 10");
        }

        foreach (var token in tokens)
        {
            if (token.Length is < 1 or > 8192)
            {
                throw KmsErrorException.Constraint("grantTokens.member", Truncate(token), token.Length < 1
                    ? "Member must have length greater than or equal to 1"
                    : "Member must have length less than or equal to 8192");
            }
        }
    }

    /// <summary>
    /// Every List operation's Marker is the model's MarkerType: 1-1024 characters of pattern [\u0020-\u00FF]*
    /// (ListKeys, ListAliases, ListKeyPolicies and ListResourceTags alike). A well-formed marker LocalKms did not
    /// issue is the operation's own InvalidMarkerException, not a ValidationException.
    /// </summary>
    private static string? Marker(JsonInput input)
    {
        var marker = input.String("Marker", 1, 1024);
        if (marker is not null && marker.Any(static c => c is < '\u0020' or > '\u00FF'))
        {
            throw KmsErrorException.Constraint("marker", Truncate(marker), @"Member must satisfy regular expression pattern: [\u0020-\u00FF]*");
        }

        return marker;
    }

    private static void WriteDate(Utf8JsonWriter writer, string name, DateTimeOffset date) =>
        writer.WriteNumber(name, date.ToUnixTimeMilliseconds() / 1000m);

    private static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static string Truncate(string value) => value.Length > 64 ? value[..64] + "..." : value;
}
