using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;

namespace KmsSignature.Core.Keys;

/// <summary>
/// A parsed, validated public key of one KMS signing key spec, with the optional JWK metadata
/// (<c>kid</c>, <c>alg</c>, <c>use</c>) it came with. Immutable; parse once, reuse everywhere.
/// Inputs: PEM SPKI, DER SPKI, JWK, JWKS (see <see cref="Parse"/>); outputs: PEM identical to
/// <c>openssl pkey -pubin</c>, DER, JWK, JWKS, RFC 7638 thumbprint and SHA-256 fingerprint.
/// </summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    private readonly byte[] spki;
    private string? thumbprint;

    internal PublicKey(KeyMaterial material, string? keyId, string? algorithm, string? use, IReadOnlyList<string>? operations = null)
    {
        Material = material;
        spki = SpkiCodec.Encode(material);
        KeyId = keyId;
        Algorithm = algorithm;
        Use = use;
        Operations = operations;
        Sha256Fingerprint = Convert.ToHexString(SHA256.HashData(spki)).ToLowerInvariant();
    }

    internal KeyMaterial Material { get; }

    public KmsKeySpec KeySpec => Material.Spec;

    /// <summary>The KMS name of the key spec, e.g. <c>ECC_NIST_P256</c>.</summary>
    public string KeySpecName => Material.Spec.ToKmsName();

    public KeyFamily Family => Material.Spec.Family();

    /// <summary>The JWK <c>kid</c> the key came with (or was given); null for PEM/DER keys.</summary>
    public string? KeyId { get; }

    /// <summary>The JWK <c>alg</c> the key came with; when set, the verifier accepts only this alg for the key.</summary>
    public string? Algorithm { get; }

    /// <summary>The JWK <c>use</c> (<c>sig</c> for signing keys); null when absent.</summary>
    public string? Use { get; }

    /// <summary>The JWK <c>key_ops</c> (RFC 7517 §4.3); null when absent. Without <c>verify</c>, the key verifies nothing.</summary>
    public IReadOnlyList<string>? Operations { get; }

    /// <summary>False when the JWK says the key is not for verifying signatures: a <c>use</c> other than <c>sig</c>, or <c>key_ops</c> without <c>verify</c>.</summary>
    public bool IsForVerification => (Use is null || Use == "sig") && (Operations is null || Operations.Contains("verify"));

    /// <summary>The canonical DER SubjectPublicKeyInfo (what KMS GetPublicKey returns).</summary>
    public ReadOnlyMemory<byte> Spki => spki;

    /// <summary>Lowercase hex SHA-256 of the DER SPKI: <c>openssl pkey -pubin -outform DER | sha256sum</c>.</summary>
    public string Sha256Fingerprint { get; }

    /// <summary>RFC 7638 JWK SHA-256 thumbprint, base64url (the <c>kid</c> for <c>-KeyIdStyle Thumbprint</c>).</summary>
    public string JwkThumbprint => thumbprint ??= Base64Url.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk.ThumbprintInput(this))));

    /// <summary>The same key with other JWK metadata (its <see cref="Operations"/> are kept).</summary>
    public PublicKey WithMetadata(string? keyId, string? algorithm = null, string? use = null) =>
        new(Material, keyId, algorithm, use, Operations);

    public byte[] ToDer() => (byte[])spki.Clone();

    /// <summary>PEM "PUBLIC KEY" with 64-character lines and a trailing newline, byte-identical to openssl's.</summary>
    public string ToPem() => new string(PemEncoding.Write("PUBLIC KEY", spki)) + "\n";

    /// <summary>
    /// The key as a JWK (compact JSON) with <c>use: "sig"</c> and an <c>alg</c>: <paramref name="algorithm"/>,
    /// else the key's own <see cref="Algorithm"/>, else <see cref="JwsAlgorithm.SingleFor"/> the spec (none for RSA).
    /// <paramref name="keyId"/> (else <see cref="KeyId"/>) becomes the <c>kid</c> when not null.
    /// </summary>
    public string ToJwk(string? keyId = null, string? algorithm = null) => Jwk.Write(this, keyId ?? KeyId, algorithm ?? Algorithm);

    /// <summary>A JWKS document <c>{"keys":[...]}</c> of the keys, each with its own kid/alg metadata.</summary>
    public static string ToJwks(IEnumerable<PublicKey> keys, bool indented = false) => Jwk.WriteSet(keys, indented);

    /// <summary>Parses DER SubjectPublicKeyInfo. <paramref name="source"/> names the input in errors (never the key itself).</summary>
    public static PublicKey FromSpki(ReadOnlySpan<byte> der, string source = "the public key") =>
        new(KeyText.ParseDer(der, source), null, null, null);

    /// <summary>Parses one JWK (JSON object). Private JWKs are refused without echoing them.</summary>
    public static PublicKey FromJwk(string json, string source = "the JWK") => Jwk.ParseOne(json, source);

    /// <summary>Parses a JWKS; entries of key types that are not KMS signing keys are skipped (RFC 7517 §5).</summary>
    public static IReadOnlyList<PublicKey> FromJwks(string json, string source = "the JWKS") => Jwk.ParseSet(json, source);

    /// <summary>Parses exactly one key from PEM text ("PUBLIC KEY" or "RSA PUBLIC KEY").</summary>
    public static PublicKey FromPem(string pem, string source = "the PEM text") => Single(KeyText.ParsePem(pem, source), source);

    /// <summary>
    /// Parses every key in <paramref name="data"/>, detecting the format: JWKS, JWK, PEM (one or more blocks)
    /// or DER SPKI. Throws <see cref="KmsSignatureException"/> (InvalidPublicKey, UnsupportedKeyType,
    /// PrivateKeyNotAllowed, CertificateNotSupported) for anything else.
    /// </summary>
    public static IReadOnlyList<PublicKey> ParseAll(ReadOnlySpan<byte> data, string source) => KeyText.ParseAny(data, source);

    /// <summary>Like <c>ParseAll</c> but exactly one key must be present.</summary>
    public static PublicKey Parse(ReadOnlySpan<byte> data, string source) => Single(ParseAll(data, source), source);

    /// <summary>Like <c>ParseAll</c> for text (PEM, JWK, JWKS).</summary>
    public static IReadOnlyList<PublicKey> ParseAll(string text, string source) => ParseAll(Encoding.UTF8.GetBytes(text), source);

    /// <summary>
    /// The text that <paramref name="items"/> make when they are the lines of one key file (PowerShell's Get-Content
    /// returns a file as lines): a PEM header line without its footer, or a first line that opens a JSON object without
    /// closing it. Null when each item stands alone (a path, or a whole key text).
    /// </summary>
    public static string? JoinKeyFileLines(IReadOnlyList<string> items)
    {
        var first = items.FirstOrDefault(item => !string.IsNullOrWhiteSpace(item))?.Trim();
        var split = (first is not null && first.StartsWith('{') && !first.EndsWith('}'))
            || items.Any(item => item.TrimStart().StartsWith("-----BEGIN ", StringComparison.Ordinal) && !item.Contains("-----END ", StringComparison.Ordinal));
        return split ? string.Join("\n", items) : null;
    }

    /// <summary>Reads and parses a PEM, DER, JWK or JWKS file.</summary>
    public static IReadOnlyList<PublicKey> LoadFile(string path) => KeyText.LoadFile(path);

    /// <summary>
    /// The keys of a key object such as Export-KmsPublicKeyPem's KmsPublicKey: its PEM, or its JWK when it has none.
    /// A PEM key keeps the alg the object's JWK pins (RFC 7517 §4.4), so a key exported with -Algorithm stays pinned;
    /// like any PEM key it gets no kid, so tokens whose kid is in another style still find it.
    /// </summary>
    public static IReadOnlyList<PublicKey> FromKeyObject(string? pem, string? jwk, string source)
    {
        if (pem is null)
        {
            return ParseAll(jwk ?? throw new ArgumentNullException(nameof(jwk)), source + " (Jwk property)");
        }

        var keys = ParseAll(pem, source + " (Pem property)");
        if (jwk is null)
        {
            return keys;
        }

        var pinned = ParseAll(jwk, source + " (Jwk property)").Where(key => key.Algorithm is not null).ToList();
        return keys.Select(key => pinned.Find(pin => pin.Equals(key)) is { } pin ? key.WithMetadata(key.KeyId, pin.Algorithm, key.Use) : key).ToList();
    }

    public bool Equals(PublicKey? other) => other is not null && spki.AsSpan().SequenceEqual(other.spki);

    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    public override int GetHashCode() => Sha256Fingerprint.GetHashCode(StringComparison.Ordinal);

    /// <summary>The PEM, so the key writes naturally to a file.</summary>
    public override string ToString() => ToPem();

    private static PublicKey Single(IReadOnlyList<PublicKey> keys, string source) => keys.Count == 1
        ? keys[0]
        : throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidArgument,
            $"{source} holds {keys.Count} keys where exactly one was expected; use a trust store for several keys.", source);
}
