using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Verification;

/// <summary>
/// The immutable outcome of verifying one token or one detached signature. A failed check is a
/// result (with a one-line <see cref="Reason"/>), never an exception.
/// </summary>
public sealed class VerificationResult
{
    private readonly string? token;
    private readonly JwsSegments segments;
    private IReadOnlyDictionary<string, object?>? header;
    private IReadOnlyDictionary<string, object?>? claimSet;
    private readonly bool hasClaims;
    private JwtClaims? jwtClaims;

    private VerificationResult(VerificationStatus status, string reason, PublicKey? key, string? algorithm)
    {
        Status = status;
        Reason = reason;
        Key = key;
        Algorithm = algorithm;
    }

    internal VerificationResult(VerificationStatus status, string reason, PublicKey? key, string? algorithm,
        string token, JwsSegments segments, JoseHeader? joseHeader, bool hasClaims, bool derSignature)
        : this(status, reason, key, algorithm)
    {
        this.token = token;
        this.segments = segments;
        this.hasClaims = hasClaims;
        JoseHeader = joseHeader;
        DerSignature = derSignature;
    }

    internal VerificationResult(VerificationStatus status, string reason, PublicKey? key, string? algorithm,
        string? path, string? signaturePath, MessageType messageType)
        : this(status, reason, key, algorithm)
    {
        Path = path;
        SignaturePath = signaturePath;
        MessageType = messageType;
    }

    public VerificationStatus Status { get; }

    public bool IsValid => Status == VerificationStatus.Valid;

    /// <summary>One line saying why (or, when valid, what was checked).</summary>
    public string Reason { get; }

    /// <summary>The trusted key the signature was checked with; null when none was selected.</summary>
    public PublicKey? Key { get; }

    /// <summary>The key's kid, else its RFC 7638 thumbprint; null when no key was selected.</summary>
    public string? KeyId => Key is null ? null : Key.KeyId ?? Key.JwkThumbprint;

    /// <summary>SHA-256 of the matched key's DER SPKI (lowercase hex).</summary>
    public string? KeyFingerprint => Key?.Sha256Fingerprint;

    /// <summary>The JOSE alg (tokens) or KMS algorithm name (detached signatures).</summary>
    public string? Algorithm { get; }

    /// <summary>The compact token (tokens only).</summary>
    public string? Token => token;

    /// <summary>True when a token's ECDSA signature was DER (non-standard) and accepted through AllowDerSignature.</summary>
    public bool DerSignature { get; }

    /// <summary>The header members the verifier acted on (tokens that got that far).</summary>
    public JoseHeader? JoseHeader { get; }

    /// <summary>The registered claims (tokens whose payload is a JSON object), parsed on first access.</summary>
    // The verifier has already checked them without making strings; most results are never read this deeply.
    public JwtClaims? JwtClaims => jwtClaims ??= hasClaims ? ParseClaims(token!, segments) : null;

    /// <summary>The whole protected header as plain values (computed on first access).</summary>
    public IReadOnlyDictionary<string, object?>? Header =>
        header ??= token is null || JoseHeader is null ? null : DecodeSegment(0, segments.HeaderLength);

    /// <summary>The whole claims set as plain values (computed on first access).</summary>
    public IReadOnlyDictionary<string, object?>? Claims =>
        claimSet ??= token is null || JwtClaims is null ? null : DecodeSegment(segments.PayloadStart, segments.PayloadLength);

    public string? Subject => JwtClaims?.Subject;

    public string? Issuer => JwtClaims?.Issuer;

    public DateTimeOffset? ExpiresAt => JwtClaims?.ExpiresAt;

    /// <summary>The message file (detached signatures over files).</summary>
    public string? Path { get; }

    /// <summary>The message file again, under the name New-KmsSignature's -LiteralPath binds from piped objects (re-signing failures).</summary>
    public string? FullName => Path;

    /// <summary>The signature file (detached signatures over files).</summary>
    public string? SignaturePath { get; }

    public MessageType MessageType { get; }

    public override string ToString() => $"{Status}: {Reason}";

    internal static VerificationResult ForToken(VerificationStatus status, string reason, string token) =>
        new(status, reason, null, null, token, default, null, false, false);

    /// <summary>The registered claims of a token whose payload the verifier has already decoded and checked.</summary>
    internal static JwtClaims? ParseClaims(string token, JwsSegments segments)
    {
        if (!Base64Url.TryDecodeRented(token.AsSpan(segments.PayloadStart, segments.PayloadLength), out var rented, out var length))
        {
            return null;
        }

        try
        {
            return JwtClaims.TryParse(rented.AsSpan(0, length), out var claims, out _) ? claims : null;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private IReadOnlyDictionary<string, object?>? DecodeSegment(int start, int length) =>
        Base64Url.TryDecodeRented(token.AsSpan(start, length), out var rented, out var written)
            ? DecodeAndReturn(rented, written)
            : null;

    private static IReadOnlyDictionary<string, object?>? DecodeAndReturn(byte[] rented, int written)
    {
        try
        {
            return JsonValues.ToDictionary(rented.AsSpan(0, written));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
