using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Signatures;

namespace KmsSignature.Core.Verification;

/// <summary>
/// Verifies compact JWS/JWT tokens against a <see cref="TrustStore"/>. Build once, call <see cref="Verify"/>
/// for every token from any thread: the hot path decodes into pooled buffers, reads JSON forward-only,
/// and reuses the per-key verifiers, so the signature math is nearly all the cost.
/// Order of checks: shape and sizes, header, alg policy, key selection, signature, then claims
/// (so Expired/ClaimMismatch always describe an authentic token).
/// </summary>
public sealed class TokenVerifier
{
    private const int StackLimit = 1024;
    private readonly TrustStore trustStore;
    private readonly TokenValidationOptions options;
    private readonly JwsAlgorithm[]? allowed;
    private readonly HeaderCache headers = new();
    private readonly byte[][]? expectedIssuers; // null: iss is not checked
    private readonly byte[][]? expectedAudiences; // null: aud is not checked

    public TokenVerifier(TrustStore trustStore, TokenValidationOptions? options = null)
    {
        this.trustStore = trustStore;
        this.options = options ?? new TokenValidationOptions();
        allowed = this.options.AllowedAlgorithms?.ToArray();
        // Snapshots, like the allowed algs: the options' lists may change after construction.
        expectedIssuers = this.options.Issuers is { Count: > 0 } issuers ? JwtClaims.EncodeExpected(issuers) : null;
        expectedAudiences = this.options.Audiences is { Count: > 0 } audiences ? JwtClaims.EncodeExpected(audiences) : null;
        if (this.options.ClockSkew < TimeSpan.Zero)
        {
            throw new KmsSignatureException("InvalidClockSkew", ErrorKind.InvalidArgument, "The clock skew cannot be negative.",
                this.options.ClockSkew);
        }
    }

    public TrustStore TrustStore => trustStore;

    public TokenValidationOptions Options => options;

    /// <summary>Verifies one compact token; surrounding whitespace and newlines are ignored.</summary>
    public VerificationResult Verify(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var trimmed = token.AsSpan().Trim();
        if (trimmed.Length != token.Length)
        {
            token = trimmed.ToString();
        }

        if (!JwsSegments.TryParse(token, out var segments, out var shapeError))
        {
            return Fail(VerificationStatus.Malformed, PastedTokenMistake.Describe(token) ?? shapeError!, token);
        }

        var headerChars = token.AsSpan(0, segments.HeaderLength);
        var header = headers.Find(headerChars);
        if (header is null)
        {
            if (!TryParseHeader(headerChars, out header, out var headerError))
            {
                return Fail(VerificationStatus.Malformed, PastedTokenMistake.Describe(token) ?? headerError!, token);
            }

            headers.Add(headerChars, header!);
        }

        return VerifyWithHeader(token, segments, header!);
    }

    // Header: decode strictly, then read the members we act on.
    [System.Runtime.CompilerServices.SkipLocalsInit] // the buffer is sliced to what was decoded
    private static bool TryParseHeader(ReadOnlySpan<char> headerChars, out JoseHeader? header, out string? error)
    {
        header = null;
        var headerLength = Base64Url.DecodedLength(headerChars.Length);
        using var headerBytes = new ScratchBuffer(stackalloc byte[StackLimit], Math.Max(headerLength, 0));
        if (headerLength < 0 || !Base64Url.TryDecode(headerChars, headerBytes.Span, out headerLength))
        {
            error = "the JWS header is not strict base64url";
            return false;
        }

        return JoseHeader.TryParse(headerBytes.Span[..headerLength], out header, out error);
    }

    private VerificationResult VerifyWithHeader(string token, JwsSegments segments, JoseHeader header)
    {
        // Policy before any key is touched: forbidden and unknown algs never reach the crypto.
        var alg = header.Algorithm;
        if (alg is null && JwsAlgorithm.IsForbidden(header.AlgorithmName))
        {
            return Result(VerificationStatus.AlgorithmNotAllowed,
                $"alg '{UntrustedText.Show(header.AlgorithmName)}' is never accepted (unsigned or HMAC tokens cannot come from a KMS key)", token, segments, header);
        }

        if (alg is null)
        {
            return Result(VerificationStatus.AlgorithmNotAllowed, $"alg '{UntrustedText.Show(header.AlgorithmName)}' is not a KMS signing algorithm", token, segments, header);
        }

        if (allowed is not null && Array.IndexOf(allowed, alg) < 0)
        {
            return Result(VerificationStatus.AlgorithmNotAllowed, $"alg '{alg.Name}' is not in the allowed algorithms", token, segments, header);
        }

        if (header.HasCritical)
        {
            return Result(VerificationStatus.UnsupportedCriticalHeader,
                "the header lists crit extensions, and this verifier understands none (RFC 7515 §4.1.11)", token, segments, header);
        }

        var verifier = trustStore.Find(header.KeyId, alg);
        if (verifier is not null)
        {
            return VerifyWithKey(token, segments, header, alg, verifier);
        }

        return VerifyWithCandidates(token, segments, header, alg);
    }

    // Every candidate checks the same signing input under the same alg: its ASCII bytes are made once, and hashed once
    // when the alg signs a digest, so a large token costs one hash for the whole store, not one per key.
    [System.Runtime.CompilerServices.SkipLocalsInit] // the buffers are filled before they are read
    private VerificationResult VerifyWithCandidates(string token, JwsSegments segments, JoseHeader header, JwsAlgorithm alg)
    {
        // No kid and several keys: try every key that may verify this alg, whatever their order; the first that
        // verifies wins. Keys pinned to another alg or not for signatures are passed over, not answers. A kid that names
        // no key is tried only against the keys given without kid (several -PublicKey or -KeyId keys), as one such key is.
        var candidates = header.KeyId is null ? trustStore.Verifiers : trustStore.VerifiersWithoutKid;
        var length = segments.SigningInputLength;
        using var input = new ScratchBuffer(stackalloc byte[StackLimit], length);
        Span<byte> digest = stackalloc byte[SHA512.HashSizeInBytes];
        scoped ReadOnlySpan<byte> signedInput = default; // made at the first candidate that fits
        VerificationResult? last = null;
        foreach (var candidate in candidates)
        {
            if (!candidate.Fits(alg) || !candidate.AllowsPinned(alg) || !candidate.Key.IsForVerification)
            {
                continue;
            }

            if (signedInput.IsEmpty)
            {
                Encoding.ASCII.GetBytes(token.AsSpan(0, length), input.Span);
                signedInput = alg.KmsAlgorithm.AcceptsDigest
                    ? digest[..Sha2.HashData(alg.KmsAlgorithm.Hash, input.Span, digest)]
                    : input.Span;
            }

            var result = VerifyWithKey(token, segments, header, alg, candidate, signedInput);
            if (result.Status != VerificationStatus.InvalidSignature)
            {
                return result;
            }

            last = result;
        }

        if (last is not null)
        {
            return last;
        }

        if (header.KeyId is not null)
        {
            return Result(VerificationStatus.UntrustedKey, $"no trusted key has kid '{UntrustedText.Show(header.KeyId)}'{FileNameHint(header.KeyId)}", token, segments, header);
        }

        return Result(VerificationStatus.UntrustedKey,
            $"the token has no kid and no trusted key fits alg '{alg.Name}' (a key pinned to another alg, or whose JWK is not for signatures, does not fit)", token, segments, header);
    }

    // signedInput: the candidates' shared digest (or message, for whole-message algs); empty on the one-key path,
    // which makes it from the token itself. A made one is never empty: the signing input holds at least its dot.
    [System.Runtime.CompilerServices.SkipLocalsInit] // signature buffers are sliced to what was written
    private VerificationResult VerifyWithKey(string token, JwsSegments segments, JoseHeader header, JwsAlgorithm alg, KeyVerifier verifier,
        ReadOnlySpan<byte> signedInput = default)
    {
        var key = verifier.Key;
        if (!verifier.Fits(alg))
        {
            return Result(VerificationStatus.AlgorithmNotAllowed,
                $"alg '{alg.Name}' does not fit the {key.KeySpecName} key", token, segments, header, key);
        }

        if (key.Algorithm is not null && !verifier.AllowsPinned(alg))
        {
            return Result(VerificationStatus.AlgorithmNotAllowed,
                $"the key is pinned to alg '{UntrustedText.Show(key.Algorithm)}' by its JWK, the token says '{alg.Name}'", token, segments, header, key);
        }

        if (!key.IsForVerification)
        {
            return Result(VerificationStatus.UntrustedKey,
                key.Use is not null && key.Use != "sig" ? $"the key's JWK use is '{UntrustedText.Show(key.Use)}', not 'sig'" : "the key's JWK key_ops do not include 'verify'",
                token, segments, header, key);
        }

        var signatureChars = token.AsSpan(segments.SignatureStart, segments.SignatureLength);
        Span<byte> signature = stackalloc byte[Math.Min(Math.Max(Base64Url.DecodedLength(signatureChars.Length), 0), 8192)];
        if (!Base64Url.TryDecode(signatureChars, signature, out var signatureLength))
        {
            return Result(VerificationStatus.Malformed, PastedTokenMistake.Describe(token) ?? "the signature is not strict base64url", token, segments, header, key);
        }

        signature = signature[..signatureLength];
        var derUsed = false;
        Span<byte> p1363 = stackalloc byte[132];
        // With AllowDerSignature, strict DER is read as DER whatever its length: a P-521 DER signature can be 132 bytes,
        // the length of R||S. R||S never reads as strict DER for P-521 (it starts with 0x00 or 0x01, DER with 0x30).
        if (verifier is EcdsaKeyVerifier derVerifier && options.AllowDerSignature && signature is [0x30, ..]
            && EcdsaSignatureFormat.TryDerToP1363(signature, derVerifier.ScalarSize, p1363))
        {
            signature = p1363[..(2 * derVerifier.ScalarSize)];
            derUsed = true;
        }
        else if (verifier is EcdsaKeyVerifier ecdsa && signatureLength != 2 * ecdsa.ScalarSize)
        {
            if (!options.AllowDerSignature)
            {
                var hint = signature is [0x30, ..] && EcdsaSignatureFormat.TryDerToP1363(signature, ecdsa.ScalarSize, p1363)
                    ? " It is DER-encoded (as KMS returns it); JWS requires R||S. Use AllowDerSignature for such legacy tokens."
                    : string.Empty;
                return Result(VerificationStatus.InvalidSignature,
                    $"the {alg.Name} signature is {signatureLength} bytes, not the {2 * ecdsa.ScalarSize}-byte R||S JWS requires.{hint}",
                    token, segments, header, key);
            }

            return Result(VerificationStatus.InvalidSignature,
                $"the {alg.Name} signature is neither {2 * ecdsa.ScalarSize}-byte R||S nor strict DER", token, segments, header, key);
        }

        var verified = signedInput.IsEmpty ? VerifySignature(token, segments, alg, verifier, signature)
            : alg.KmsAlgorithm.AcceptsDigest ? verifier.VerifyDigest(alg.KmsAlgorithm, signedInput, signature)
            : verifier.Verify(alg.KmsAlgorithm, signedInput, signature);
        if (!verified)
        {
            return Result(VerificationStatus.InvalidSignature, $"the {alg.Name} signature does not verify with the key{PssSaltHint.For(alg.KmsAlgorithm)}", token, segments, header, key, derUsed);
        }

        return CheckClaims(token, segments, header, alg, key, derUsed);
    }

    [System.Runtime.CompilerServices.SkipLocalsInit] // the stack buffer is filled whole before it is read
    private static bool VerifySignature(string token, JwsSegments segments, JwsAlgorithm alg, KeyVerifier verifier, ReadOnlySpan<byte> signature)
    {
        // The signing input is ASCII (base64url and a dot), so one byte per char.
        var length = segments.SigningInputLength;
        using var input = new ScratchBuffer(stackalloc byte[StackLimit], length);
        Encoding.ASCII.GetBytes(token.AsSpan(0, length), input.Span);
        return verifier.Verify(alg.KmsAlgorithm, input.Span, signature);
    }

    [System.Runtime.CompilerServices.SkipLocalsInit] // the payload buffer is sliced to what was decoded
    private VerificationResult CheckClaims(string token, JwsSegments segments, JoseHeader header, JwsAlgorithm alg, PublicKey key, bool derUsed)
    {
        var payloadChars = token.AsSpan(segments.PayloadStart, segments.PayloadLength);
        var payloadLength = Base64Url.DecodedLength(payloadChars.Length);

        // The hot path checks without materializing claims; results parse them only when someone reads them.
        ClaimsCheck check;
        string? error;
        using (var payload = new ScratchBuffer(stackalloc byte[StackLimit], Math.Max(payloadLength, 0)))
        {
            if (payloadLength < 0 || !Base64Url.TryDecode(payloadChars, payload.Span, out payloadLength))
            {
                return Result(VerificationStatus.Malformed, PastedTokenMistake.Describe(token) ?? "the payload is not strict base64url", token, segments, header, key, derUsed);
            }

            JwtClaims.TryCheck(payload.Span[..payloadLength], expectedIssuers, expectedAudiences, out check, out error);
        }

        if (error is not null)
        {
            return Result(VerificationStatus.Malformed, error, token, segments, header, key, derUsed);
        }

        var suffix = derUsed ? " (DER-encoded ECDSA signature, accepted by AllowDerSignature)" : string.Empty;
        if (!check.IsClaimsSet && IsJwtType(header.Type))
        {
            // A JWT's payload is a claims set (RFC 7519 §7.2); reading it as opaque bytes would skip exp and nbf.
            return Result(VerificationStatus.Malformed, "the header says typ JWT, but the payload is not a JSON object", token, segments, header, key, derUsed);
        }

        if (!check.IsClaimsSet)
        {
            // A JWS over non-JSON bytes (RFC 8037 A.4) has no claims to check; expectations cannot be met.
            return HasClaimExpectations
                ? Result(VerificationStatus.ClaimMismatch, "the payload is not a JWT claims set, so iss/aud/exp cannot be checked", token, segments, header, key, derUsed)
                : Result(VerificationStatus.Valid, $"{alg.Name} signature verifies; the payload is not a JWT claims set" + suffix, token, segments, header, key, derUsed);
        }

        var now = options.At ?? DateTimeOffset.UtcNow;
        var skew = options.ClockSkew;
        // Compared as differences: exp + skew would overflow for exp in year 9999, a "never expires" some issuers use.
        if (check.ExpiresAt is { } exp && now - exp >= skew)
        {
            return Result(VerificationStatus.Expired, $"expired at {exp:u} (checked at {now.ToUniversalTime():u}, clock skew {skew.TotalSeconds:0} s)", token, segments, header, key, derUsed, hasClaims: true);
        }

        if (check.NotBefore is { } nbf && nbf - now > skew)
        {
            return Result(VerificationStatus.NotYetValid, $"not valid before {nbf:u} (checked at {now.ToUniversalTime():u}, clock skew {skew.TotalSeconds:0} s)", token, segments, header, key, derUsed, hasClaims: true);
        }

        if (options.RequireExpiration && check.ExpiresAt is null)
        {
            return Result(VerificationStatus.ClaimMismatch, "the token has no exp claim", token, segments, header, key, derUsed, hasClaims: true);
        }

        if (expectedIssuers is not null && !check.IssuerMatched)
        {
            var issuer = VerificationResult.ParseClaims(token, segments)?.Issuer;
            return Result(VerificationStatus.ClaimMismatch,
                issuer is null ? "the token has no iss claim" : $"iss '{UntrustedText.Show(issuer)}' is not the expected issuer",
                token, segments, header, key, derUsed, hasClaims: true);
        }

        if (expectedAudiences is not null && !check.AudienceMatched)
        {
            var audience = VerificationResult.ParseClaims(token, segments)?.Audience ?? [];
            return Result(VerificationStatus.ClaimMismatch,
                audience.Count == 0 ? "the token has no aud claim" : $"aud '{string.Join("', '", audience.Select(UntrustedText.Show))}' does not include an expected audience",
                token, segments, header, key, derUsed, hasClaims: true);
        }

        return Result(VerificationStatus.Valid, derUsed ? ValidReasons[Index(alg)] + suffix : ValidReasons[Index(alg)], token, segments, header, key, derUsed, hasClaims: true);
    }

    // A directory's PEM and DER files name their keys by file name, and the module's own tokens carry the key ARN by default,
    // which no file name can hold: without a word on it, a trust store made of exported PEM files trusts none of them.
    // The platform's own list (Windows adds ':' '*' '?' and more), and both separators wherever the files were named.
    private static readonly char[] NotInFileNames = [.. System.IO.Path.GetInvalidFileNameChars(), '/', '\\'];

    private string FileNameHint(string kid)
    {
        if (!trustStore.NamesKeysByFileName)
        {
            return string.Empty;
        }

        return kid.AsSpan().IndexOfAny(NotInFileNames) >= 0
            ? " (the trust store names the key of a PEM or DER file by the file's name, which cannot hold this kid: give it the key as a JWK or JWKS file, which keeps its kid, as Export-KmsPublicKeyPem -Format Jwk writes it)"
            : $" (the trust store names the key of a PEM or DER file by the file's name: a file named '{UntrustedText.Show(kid)}.pem' would be this kid's key)";
    }

    // RFC 7519 §5.1: "JWT", compared case-insensitively as media types are, with or without "application/".
    private static bool IsJwtType(string? type) =>
        string.Equals(type, "JWT", StringComparison.OrdinalIgnoreCase) || string.Equals(type, "application/jwt", StringComparison.OrdinalIgnoreCase);

    // Reasons for valid tokens are made once per alg, not per token (hot path).
    private static readonly string[] ValidReasons = JwsAlgorithm.All.Select(a => $"{a.Name} signature verifies with a trusted key").ToArray();

    private static int Index(JwsAlgorithm alg)
    {
        var all = JwsAlgorithm.All;
        for (var i = 0; i < all.Count; i++)
        {
            if (all[i] == alg)
            {
                return i;
            }
        }

        return -1;
    }

    private bool HasClaimExpectations => expectedIssuers is not null || expectedAudiences is not null || options.RequireExpiration;

    private static VerificationResult Fail(VerificationStatus status, string reason, string token) =>
        VerificationResult.ForToken(status, reason, token);

    private static VerificationResult Result(VerificationStatus status, string reason, string token, JwsSegments segments,
        JoseHeader header, PublicKey? key = null, bool derUsed = false, bool hasClaims = false) =>
        new(status, reason, key, header.Algorithm?.Name ?? UntrustedText.Show(header.AlgorithmName), token, segments, header, hasClaims, derUsed);
}
