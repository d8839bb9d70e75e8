using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Verification;

/// <summary>
/// The seam for <c>Test-KmsSignature -KeyId</c>: turns a KMS key identifier (key id, ARN, alias, alias ARN)
/// into its public key, e.g. by KMS GetPublicKey once per key and a cache. Called once per key id before
/// verification starts, never per token, so verification itself stays offline.
/// </summary>
public interface IPublicKeyResolver
{
    /// <summary>
    /// The public key for <paramref name="keyId"/>. Return it without a kid (<c>WithMetadata(null)</c>) to let it verify
    /// tokens whatever their kid, or with the kid tokens carry (typically the key ARN) to select by kid.
    /// Throws <see cref="KmsSignatureException"/> when the key cannot be fetched.
    /// </summary>
    PublicKey Resolve(string keyId, CancellationToken cancellationToken);
}
