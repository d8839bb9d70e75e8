using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Verification;

/// <summary>
/// Verifies signatures with one public key. Made once per key (<see cref="Create"/>) and reused:
/// thread-safe, no per-call key parsing. Signatures are in the scheme's native encoding
/// (ECDSA: fixed-length R||S; callers convert DER first).
/// </summary>
public abstract class KeyVerifier
{
    private readonly SignatureAlgorithm[] algorithms;
    private readonly JwsAlgorithm[] jwsAlgorithms;

    private protected KeyVerifier(PublicKey key)
    {
        Key = key;
        algorithms = [.. SignatureAlgorithm.ForKeySpec(key.KeySpec)];
        jwsAlgorithms = [.. JwsAlgorithm.ForKeySpec(key.KeySpec)];
        if (key.Algorithm is not null && JwsAlgorithm.TryParse(key.Algorithm, out var pinned))
        {
            PinnedAlgorithm = pinned;
        }
    }

    /// <summary>The JOSE alg the key's JWK pins (its <c>alg</c> member), if any: tokens must use it.</summary>
    public JwsAlgorithm? PinnedAlgorithm { get; }

    /// <summary>
    /// True when the key's JWK pins no alg, or pins this one (a pinned alg we do not know, e.g. RSA-OAEP, admits none). <c>EdDSA</c> and <c>Ed25519</c> name the same
    /// algorithm for an Ed25519 key (RFC 9864 deprecates the former), so either pin admits both.
    /// </summary>
    public bool AllowsPinned(JwsAlgorithm algorithm) =>
        Key.Algorithm is null || PinnedAlgorithm == algorithm
        || (PinnedAlgorithm is not null && (PinnedAlgorithm.KmsAlgorithm == SignatureAlgorithm.Ed25519Sha512 && algorithm.KmsAlgorithm == SignatureAlgorithm.Ed25519Sha512));

    /// <summary>
    /// As <see cref="AllowsPinned(JwsAlgorithm)"/> for a KMS algorithm (detached signatures): the pinned alg must be made
    /// with it. An Ed25519 pin also admits ED25519_PH_SHA_512: JOSE has no name for Ed25519ph, and an exported Ed25519
    /// JWK always pins <c>Ed25519</c>, yet KMS signs detached Ed25519ph with the same key.
    /// </summary>
    public bool AllowsPinned(SignatureAlgorithm algorithm) =>
        Key.Algorithm is null || PinnedAlgorithm?.KmsAlgorithm == algorithm
        || (PinnedAlgorithm?.KmsAlgorithm == SignatureAlgorithm.Ed25519Sha512 && algorithm == SignatureAlgorithm.Ed25519PhSha512);

    /// <summary>
    /// The KMS algorithm of a detached signature that names none: the one the JWK pins, else
    /// <see cref="SignatureAlgorithm.DefaultFor"/> the key spec.
    /// </summary>
    public SignatureAlgorithm DefaultAlgorithm => PinnedAlgorithm?.KmsAlgorithm ?? SignatureAlgorithm.DefaultFor(Key.KeySpec);

    public PublicKey Key { get; }

    /// <summary>The KMS algorithms that fit the key (what KMS lists for its spec).</summary>
    public IReadOnlyList<SignatureAlgorithm> Algorithms => algorithms;

    /// <summary>The JOSE algs that fit the key: the token verifier's default allow-list for it.</summary>
    public IReadOnlyList<JwsAlgorithm> JwsAlgorithms => jwsAlgorithms;

    public static KeyVerifier Create(PublicKey key) => key.Family switch
    {
        KeyFamily.Rsa => new RsaKeyVerifier(key),
        KeyFamily.Ec => new EcdsaKeyVerifier(key),
        KeyFamily.Ed25519 => new Ed25519KeyVerifier(key),
        _ => new MlDsaKeyVerifier(key),
    };

    public bool Fits(SignatureAlgorithm algorithm) => Array.IndexOf(algorithms, algorithm) >= 0;

    public bool Fits(JwsAlgorithm algorithm) => Array.IndexOf(jwsAlgorithms, algorithm) >= 0;

    /// <summary>Verifies a signature over the message itself (MessageType RAW).</summary>
    public abstract bool Verify(SignatureAlgorithm algorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);

    /// <summary>
    /// Verifies a signature given the message's digest (MessageType DIGEST: <paramref name="digest"/> is
    /// <see cref="SignatureAlgorithm.DigestLength"/> bytes of <see cref="SignatureAlgorithm.Hash"/>).
    /// False for algorithms that sign only whole messages (pure Ed25519, ML-DSA).
    /// </summary>
    public abstract bool VerifyDigest(SignatureAlgorithm algorithm, ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature);
}
