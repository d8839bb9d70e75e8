namespace KmsSignature.Core.Signing;

/// <summary>
/// The registered claims a caller sets with convenience parameters (-Issuer, -Audience ...), merged into each
/// token's own claims. Parameters win over same-named claims from the claims object, so a batch can carry
/// per-token data while issuer, audience and lifetime stay uniform. <c>iat</c> defaults to now.
/// </summary>
public sealed class JwtClaimTemplate
{
    public string? Issuer { get; init; }

    public string? Subject { get; init; }

    /// <summary>One audience is written as a string, several as an array (RFC 7519 §4.1.3).</summary>
    public IReadOnlyList<string>? Audience { get; init; }

    /// <summary>
    /// Sets <c>exp</c> = issued-at (<see cref="IssuedAt"/>, else the claims' own <c>iat</c>, else now) + lifetime; at least
    /// one second (see <see cref="RequireValidLifetime"/>).
    /// </summary>
    public TimeSpan? Lifetime { get; init; }

    /// <summary>Written rounded up to the second (RFC 7519 §4.1.5: the token is never valid before this time).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Null = the time of signing.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    public string? JwtId { get; init; }

    /// <summary>A fresh random <c>jti</c> (UUID) for every token.</summary>
    public bool NewJwtId { get; init; }

    /// <summary>
    /// Refuses a lifetime under one second: NumericDate has whole seconds, so such a token is expired when it is made.
    /// From PowerShell that is nearly always a bare number, which converts to a TimeSpan of that many ticks.
    /// </summary>
    public static void RequireValidLifetime(TimeSpan? lifetime)
    {
        if (lifetime is { } value && value < TimeSpan.FromSeconds(1))
        {
            throw new KmsSignatureException("InvalidLifetime", ErrorKind.InvalidArgument,
                $"-Lifetime {value} would make tokens that are expired when they are signed; give at least one second. " +
                "A bare number is ticks ([TimeSpan]15 is 15 ticks): use (New-TimeSpan -Minutes 15) or '00:15:00'.", value);
        }
    }

    public JwtClaimSet Build(IEnumerable<KeyValuePair<string, object?>>? claims, DateTimeOffset now)
    {
        var set = new JwtClaimSet();
        var custom = claims?.ToList() ?? [];
        object? Custom(string name) => custom.FirstOrDefault(c => string.Equals(c.Key, name, StringComparison.Ordinal)).Value;

        // An iat member counts as given even when null: it is then an error (not a NumericDate), as a null exp is, not "now".
        var issuedAt = IssuedAt ?? (custom.Exists(c => string.Equals(c.Key, "iat", StringComparison.Ordinal)) ? null : now);
        if (Issuer is not null)
        {
            set.Set("iss", Issuer);
        }

        if (Subject is not null)
        {
            set.Set("sub", Subject);
        }

        if (Audience is { Count: > 0 })
        {
            set.Set("aud", Audience.Count == 1 ? Audience[0] : Audience.ToArray());
        }

        if (issuedAt is { } iat)
        {
            set.Set("iat", iat.ToUnixTimeSeconds());
        }

        if (NotBefore is { } nbf)
        {
            set.Set("nbf", NumericDate.Of(nbf, roundUp: true));
        }

        if (Lifetime is { } lifetime)
        {
            set.Set("exp", ExpiryOf(issuedAt ?? GivenIssuedAt(Custom("iat")), lifetime));
        }

        if (JwtId is not null || NewJwtId)
        {
            set.Set("jti", JwtId ?? Guid.NewGuid().ToString());
        }

        foreach (var (name, value) in custom)
        {
            if (!set.Contains(name))
            {
                set.Set(name, value);
            }
        }

        set.CheckRegisteredClaims();
        return set;
    }

    // exp = iat + lifetime, also when iat comes from the claims object (-IssuedAt would have won over it).
    private static DateTimeOffset GivenIssuedAt(object? iat) => NumericDate.ToTime(iat)
        ?? throw new KmsSignatureException("InvalidClaimValue", ErrorKind.InvalidArgument,
            "The value of 'iat' is not a NumericDate (seconds or a date, years 1 to 9999), so -Lifetime cannot count from it.", "iat");

    private static long ExpiryOf(DateTimeOffset from, TimeSpan lifetime)
    {
        try
        {
            return from.Add(lifetime).ToUnixTimeSeconds();
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new KmsSignatureException("InvalidClaimValue", ErrorKind.InvalidArgument,
                $"The value of 'exp' ({from:o} plus -Lifetime {lifetime}) is past year 9999, beyond any NumericDate.", "exp");
        }
    }
}
