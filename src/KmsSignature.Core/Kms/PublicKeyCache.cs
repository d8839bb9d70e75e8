using System.Collections.Concurrent;
using Amazon.KeyManagementService.Model;

namespace KmsSignature.Core.Kms;

/// <summary>
/// Public keys fetched with KMS GetPublicKey, cached by key ARN for the life of the session (process):
/// public keys never change for a key, so after the first fetch verification is offline.
/// Key ids and ARNs always name the same key and hit the cache without a call. An alias is resolved
/// again (one GetPublicKey, which needs only kms:GetPublicKey) each time a cmdlet asks, so an alias moved
/// to a new key is noticed; tokens are then verified offline against the resolved key.
/// </summary>
public sealed class PublicKeyCache
{
    private readonly ConcurrentDictionary<string, KmsPublicKeyInfo> byArn = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> arnByKeyId = new(StringComparer.OrdinalIgnoreCase);

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
        byArn[Key(scope, info.KeyArn)] = info;
        arnByKeyId[Key(scope, info.KeyId)] = info.KeyArn;
        return info;
    }

    private bool TryGetCached(string scope, KmsKeyIdentifier identifier, out KmsPublicKeyInfo info)
    {
        info = null!;
        var arn = identifier.Kind switch
        {
            KmsKeyIdentifierKind.KeyArn => identifier.Value,
            KmsKeyIdentifierKind.KeyId => arnByKeyId.GetValueOrDefault(Key(scope, identifier.Value)),
            _ => null, // aliases can move: always resolved afresh
        };
        return arn is not null && byArn.TryGetValue(Key(scope, arn), out info!);
    }

    // Scoped by endpoint: two LocalKms instances (or LocalKms and AWS) never share entries.
    private static string Key(string scope, string name) => scope + "|" + name;
}
