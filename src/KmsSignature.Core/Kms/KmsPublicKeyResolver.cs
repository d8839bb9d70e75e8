using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Kms;

/// <summary>
/// <see cref="IPublicKeyResolver"/> over KMS GetPublicKey and the session's <see cref="PublicKeyCache"/>:
/// a key id or ARN is fetched once per session, an alias is re-resolved each time (so a moved alias is
/// noticed). The key comes back without a kid so it verifies tokens whatever kid they carry.
/// </summary>
public sealed class KmsPublicKeyResolver : IPublicKeyResolver
{
    private readonly KmsConnection connection;
    private readonly PublicKeyCache cache;
    private readonly IOperationLog log;

    public KmsPublicKeyResolver(KmsConnection connection, PublicKeyCache? cache = null, IOperationLog? log = null)
    {
        this.connection = connection;
        this.cache = cache ?? PublicKeyCache.Shared;
        this.log = log ?? NullOperationLog.Instance;
    }

    public PublicKey Resolve(string keyId, CancellationToken cancellationToken) =>
        ResolveAsync(keyId, cancellationToken).GetAwaiter().GetResult();

    public async Task<PublicKey> ResolveAsync(string keyId, CancellationToken cancellationToken)
    {
        var info = await cache.GetAsync(connection, keyId, log, cancellationToken).ConfigureAwait(false);
        return PublicKey.FromSpki(info.SubjectPublicKeyInfo, $"the public key of {info.KeyArn}").WithMetadata(null);
    }
}
