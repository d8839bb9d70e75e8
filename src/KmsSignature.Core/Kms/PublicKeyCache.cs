using Amazon.KeyManagementService.Model;

namespace KmsSignature.Core.Kms;

/// <summary>
/// Public keys fetched with KMS GetPublicKey, cached by key ARN for the life of the session (process):
/// public keys never change for a key, so after the first fetch verification is offline.
/// Key ids and ARNs always name the same key and hit the cache without a call. An alias is resolved
/// again (one GetPublicKey, which needs only kms:GetPublicKey) each time a cmdlet asks, so an alias moved
/// to a new key is noticed; tokens are then verified offline against the resolved key.
/// Bounded: past <see cref="MaxKeys"/> keys the one used least recently is forgotten (and fetched again if asked for),
/// so a long session that meets ever more keys keeps at most a few megabytes (an ML-DSA-87 public key is 2.6 KB).
/// </summary>
public sealed class PublicKeyCache
{
    public const int MaxKeys = 1024;

    private readonly LeastRecentlyUsedCache<string, KmsPublicKeyInfo> byArn = new(MaxKeys, StringComparer.Ordinal);
    private readonly LeastRecentlyUsedCache<string, string> arnByKeyId = new(MaxKeys, StringComparer.OrdinalIgnoreCase);

    public static PublicKeyCache Shared { get; } = new();

    public int Count => byArn.Count;

    public async Task<KmsPublicKeyInfo> GetAsync(KmsConnection connection, string keyIdentifier, IOperationLog log, CancellationToken cancellationToken)
    {
        var identifier = KmsKeyIdentifier.Parse(keyIdentifier);
        var scope = connection.Endpoint?.ToString() ?? connection.Region;
        if (TryGetCached(scope, identifier, out var cached))
        {
            log.Verbose($"Public key of {cached.KeyArn} from the session cache (no KMS call).");
            return cached;
        }

        GetPublicKeyResponse response;
        try
        {
            response = await connection.Client.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = identifier.Value }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw KmsErrorTranslator.Translate(ex, "GetPublicKey", identifier.Value, connection.Endpoint);
        }

        log.Verbose($"GetPublicKey {identifier.Value} -> {response.KeyId} ({response.KeySpec?.Value}), request id {response.ResponseMetadata?.RequestId}.");
        if (response.KeyUsage?.Value != "SIGN_VERIFY")
        {
            throw new KmsSignatureException("KeyNotForSigning", ErrorKind.InvalidOperation,
                $"KMS key {response.KeyId} has key usage {response.KeyUsage?.Value}; only SIGN_VERIFY keys make or check signatures.", identifier.Value);
        }

        var info = new KmsPublicKeyInfo(response.KeyId, response.KeySpec?.Value ?? string.Empty, response.KeyUsage.Value,
            (response.SigningAlgorithms ?? []).ToArray(), response.PublicKey.ToArray());
        byArn.Set(Key(scope, info.KeyArn), info);
        arnByKeyId.Set(Key(scope, info.KeyId), info.KeyArn);
        return info;
    }

    private bool TryGetCached(string scope, KmsKeyIdentifier identifier, out KmsPublicKeyInfo info)
    {
        info = null!;
        var arn = identifier.Kind switch
        {
            KmsKeyIdentifierKind.KeyArn => identifier.Value,
            KmsKeyIdentifierKind.KeyId => arnByKeyId.TryGet(Key(scope, identifier.Value), out var known) ? known : null,
            _ => null, // aliases can move: always resolved afresh
        };
        return arn is not null && byArn.TryGet(Key(scope, arn), out info!);
    }

    // Scoped by endpoint: two LocalKms instances (or LocalKms and AWS) never share entries.
    private static string Key(string scope, string name) => scope + "|" + name;
}
