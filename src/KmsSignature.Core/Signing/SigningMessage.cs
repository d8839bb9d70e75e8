using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Signing;

/// <summary>
/// What goes into one KMS Sign call: the message itself (RAW, at most <see cref="MaxRawLength"/> bytes) or the
/// algorithm's hash of it (DIGEST). KMS makes the same signature either way, so verifiers cannot tell.
/// </summary>
public sealed class SigningMessage
{
    /// <summary>KMS Sign's limit for MessageType RAW.</summary>
    public const int MaxRawLength = 4096;

    private SigningMessage(byte[] bytes, MessageType type)
    {
        Bytes = bytes;
        Type = type;
    }

    public byte[] Bytes { get; }

    public MessageType Type { get; }

    /// <summary>
    /// RAW when the algorithm takes RAW and the message fits (1 to 4096 bytes), otherwise DIGEST when the algorithm
    /// takes one; otherwise, thrown before any KMS call, <c>KmsSignature.MessageTooLarge</c> (pure Ed25519, ML-DSA
    /// over 4096 bytes) or <c>KmsSignature.EmptyMessage</c> (pure Ed25519, ML-DSA and no bytes).
    /// </summary>
    public static SigningMessage For(ReadOnlySpan<byte> message, SignatureAlgorithm algorithm, object? target)
    {
        // KMS Sign's Message is 1 to 4096 bytes whatever the MessageType, so an empty RAW message is a
        // ValidationException (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html). The digest of
        // nothing gives the same RSA or ECDSA signature as signing nothing.
        if (algorithm.AcceptsRaw && message.Length is > 0 and <= MaxRawLength)
        {
            return new SigningMessage(message.ToArray(), MessageType.Raw);
        }

        if (algorithm.AcceptsDigest)
        {
            return Digest(HashOf(algorithm, message));
        }

        throw message.Length == 0 ? Empty(algorithm, target) : TooLarge(algorithm, message.Length, target);
    }

    /// <summary>A digest the caller computed (streaming a file); its length is checked against the algorithm.</summary>
    public static SigningMessage Digest(byte[] digest) => new(digest, MessageType.Digest);

    internal static KmsSignatureException TooLarge(SignatureAlgorithm algorithm, long length, object? target)
    {
        var hint = algorithm.Scheme switch
        {
            SignatureScheme.Ed25519 => "Pure Ed25519 signs the message itself and has no DIGEST form in KMS. ED25519_PH_SHA_512 (Ed25519ph) " +
                                       "would take a digest, but it is a different signature scheme that openssl 3.0 and most JOSE " +
                                       "libraries cannot verify, so it is never chosen silently.",
            SignatureScheme.MlDsa => "ML-DSA signs the message itself; KMS's alternative (EXTERNAL_MU) is not supported by KmsSignature.",
            _ => string.Empty,
        };
        return new KmsSignatureException("MessageTooLarge", ErrorKind.InvalidArgument,
            $"{algorithm.KmsName} can sign at most {MaxRawLength} bytes through KMS; this message is {length} bytes. {hint}".TrimEnd(), target)
        {
            RecommendedAction = algorithm.Scheme == SignatureScheme.Ed25519
                ? "Use a smaller message, an ECDSA or RSA key, or -Algorithm ED25519_PH_SHA_512 if every verifier supports Ed25519ph."
                : "Use a smaller message or an ECDSA or RSA key.",
        };
    }

    internal static KmsSignatureException Empty(SignatureAlgorithm algorithm, object? target) =>
        new("EmptyMessage", ErrorKind.InvalidArgument,
            $"{algorithm.KmsName} signs the message itself, and KMS Sign takes at least 1 byte: an empty message cannot be signed with it.", target)
        {
            RecommendedAction = algorithm.Scheme == SignatureScheme.Ed25519
                ? "Sign a non-empty file, use an ECDSA or RSA key (they sign the digest of an empty file), or -Algorithm ED25519_PH_SHA_512 if every verifier supports Ed25519ph."
                : "Sign a non-empty file, or use an ECDSA or RSA key (they sign the digest of an empty file).",
        };

    internal static byte[] HashOf(SignatureAlgorithm algorithm, ReadOnlySpan<byte> message) =>
        Sha2.Covers(algorithm.Hash)
            ? Sha2.HashData(algorithm.Hash, message)
            : throw new ArgumentException($"{algorithm.KmsName} has no digest form.", nameof(algorithm));
}
