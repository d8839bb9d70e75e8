using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Verification;

/// <summary>How detached signatures (over files or bytes) are checked. Immutable once built.</summary>
public sealed record DetachedSignatureOptions
{
    /// <summary>Default bound for algorithms that need the whole message in memory (pure Ed25519, ML-DSA): 64 MiB.</summary>
    public const long DefaultMaxInMemoryMessageLength = 64L * 1024 * 1024;

    /// <summary>
    /// The algorithm; null = the alg the key's JWK pins, else the key's default (<see cref="SignatureAlgorithm.DefaultFor"/>: RSASSA_PKCS1_V1_5_SHA_256
    /// for RSA, as <c>openssl dgst -sha256 -sign</c> makes; the curve's ECDSA; pure Ed25519; ML-DSA).
    /// </summary>
    public SignatureAlgorithm? Algorithm { get; init; }

    /// <summary>Raw (default): the input is the message. Digest: the input is already the algorithm's hash of it.</summary>
    public MessageType MessageType { get; init; } = MessageType.Raw;

    /// <summary>
    /// Pure Ed25519 and ML-DSA sign the message itself, not a hash, so a file must be read whole. Larger files give
    /// <see cref="VerificationStatus.MessageTooLarge"/> (KMS itself signs such messages only up to 4096 bytes).
    /// </summary>
    public long MaxInMemoryMessageLength { get; init; } = DefaultMaxInMemoryMessageLength;

    /// <summary>
    /// The key specs <see cref="Algorithm"/> was named for; null = every spec it fits. A JOSE alg names its curve or
    /// ML-DSA parameter set (ES256 is P-256, ES256K secp256k1), which its KMS algorithm (ECDSA_SHA_256, ML_DSA_SHAKE_256) does not.
    /// </summary>
    public IReadOnlyList<KmsKeySpec>? KeySpecs { get; init; }

    /// <summary>True when a key of <paramref name="spec"/> may check signatures under these options (<see cref="KeySpecs"/>).</summary>
    public bool Admits(KmsKeySpec spec) => KeySpecs is null || KeySpecs.Contains(spec);

    /// <summary>
    /// These options with the algorithm <paramref name="name"/> parses to (<see cref="ParseAlgorithm"/>) and, for a JOSE
    /// name, the key specs it names: <c>ES256K</c> checks secp256k1 keys only, as it does for tokens.
    /// </summary>
    public DetachedSignatureOptions WithAlgorithm(string name) => this with
    {
        Algorithm = ParseAlgorithm(name),
        KeySpecs = JwsAlgorithm.TryParse(name, out var jose) ? jose.KeySpecs : null,
    };

    /// <summary>Parses a KMS algorithm name (<c>ECDSA_SHA_256</c>, case-insensitive) or a JOSE alg (<c>ES256</c>, <c>PS384</c>, <c>Ed25519</c>).</summary>
    public static SignatureAlgorithm ParseAlgorithm(string name)
    {
        if (SignatureAlgorithm.TryFromKmsName(name, out var kms))
        {
            return kms;
        }

        if (JwsAlgorithm.TryParse(name, out var jose))
        {
            return jose.KmsAlgorithm;
        }

        throw new KmsSignatureException("UnknownAlgorithm", ErrorKind.InvalidArgument,
            $"'{UntrustedText.Show(name)}' is not a signing algorithm. Use a KMS name ({string.Join(", ", SignatureAlgorithm.All.Select(a => a.KmsName))}) " +
            $"or a JOSE alg ({string.Join(", ", JwsAlgorithm.All.Select(a => a.Name))}).", name);
    }
}
