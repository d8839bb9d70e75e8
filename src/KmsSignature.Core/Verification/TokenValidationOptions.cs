using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Verification;

/// <summary>What a token must satisfy besides a valid signature from a trusted key. Immutable once built.</summary>
public sealed class TokenValidationOptions
{
    /// <summary>
    /// The default clock skew: 60 seconds. Between jose's 0 s (breaks with any drift between the KMS caller's
    /// clock and the verifier's) and Microsoft.IdentityModel's 300 s (lets a token live 5 minutes longer).
    /// </summary>
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>
    /// JOSE algs accepted. Null (the default) means: the algs that fit each key (<see cref="JwsAlgorithm.ForKeySpec"/>).
    /// Either way an alg must also fit the key, and <c>none</c>/HS* are always rejected.
    /// </summary>
    public IReadOnlyCollection<JwsAlgorithm>? AllowedAlgorithms { get; init; }

    /// <summary>Accepted <c>iss</c> values (any one); null or empty = not checked.</summary>
    public IReadOnlyList<string>? Issuers { get; init; }

    /// <summary>Accepted audiences: the token's <c>aud</c> (string or array) must contain one; null or empty = not checked.</summary>
    public IReadOnlyList<string>? Audiences { get; init; }

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c>; default <see cref="DefaultClockSkew"/>.</summary>
    public TimeSpan ClockSkew { get; init; } = DefaultClockSkew;

    /// <summary>
    /// Refuses a clock skew of more than zero and under one second: NumericDate has whole seconds, so such a skew is no
    /// tolerance at all. From PowerShell that is nearly always a bare number, which converts to a TimeSpan of that many ticks.
    /// </summary>
    public static void RequireValidClockSkew(TimeSpan clockSkew)
    {
        if (clockSkew > TimeSpan.Zero && clockSkew < TimeSpan.FromSeconds(1))
        {
            throw new KmsSignatureException("InvalidClockSkew", ErrorKind.InvalidArgument,
                $"-ClockSkew {clockSkew} is no tolerance: exp and nbf have whole seconds; give 0 or at least one second. " +
                "A bare number is ticks ([TimeSpan]300 is 300 ticks): use (New-TimeSpan -Seconds 300) or '00:05:00'.", clockSkew);
        }
    }

    /// <summary>Verify as of this instant instead of the current time (audits, replays of old tokens).</summary>
    public DateTimeOffset? At { get; init; }

    /// <summary>
    /// Accept ECDSA signatures in DER (what KMS returns, pasted into a JWS by naive code) as well as the
    /// standard R||S. Off by default; results say <see cref="VerificationResult.DerSignature"/> when it was used.
    /// </summary>
    public bool AllowDerSignature { get; init; }

    /// <summary>Reject tokens without <c>exp</c>. Off by default (RFC 7519 makes exp optional).</summary>
    public bool RequireExpiration { get; init; }
}
