using System.Text.Json;

namespace KmsSignature.Core.Jose;

/// <summary>
/// The registered claims the verifier checks (RFC 7519 §4.1). NumericDate values may be fractional;
/// they are kept to the second. Parsed with a forward-only reader; all claims are available on demand.
/// </summary>
public sealed class JwtClaims
{
    private static readonly string[] NoAudience = [];

    private JwtClaims(string? issuer, string? subject, IReadOnlyList<string> audience, DateTimeOffset? expiresAt,
        DateTimeOffset? notBefore, DateTimeOffset? issuedAt, string? jwtId)
    {
        Issuer = issuer;
        Subject = subject;
        Audience = audience;
        ExpiresAt = expiresAt;
        NotBefore = notBefore;
        IssuedAt = issuedAt;
        JwtId = jwtId;
    }

    public string? Issuer { get; }

    public string? Subject { get; }

    /// <summary>The <c>aud</c> claim as a list, whether the token has a string or an array (RFC 7519 §4.1.3).</summary>
    public IReadOnlyList<string> Audience { get; }

    public DateTimeOffset? ExpiresAt { get; }

    public DateTimeOffset? NotBefore { get; }

    public DateTimeOffset? IssuedAt { get; }

    public string? JwtId { get; }

    /// <summary>
    /// Parses a JWT claims set. Returns false with <paramref name="claims"/> null and no error when the
    /// payload is not a JSON object (a JWS may carry any bytes, RFC 8037 A.4); false with an error when it is
    /// an object whose registered claims have the wrong types.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out JwtClaims? claims, out string? error)
    {
        claims = null;
        error = null;
        string? iss = null, sub = null, jti = null;
        IReadOnlyList<string> aud = NoAudience;
        DateTimeOffset? exp = null, nbf = null, iat = null;
        var trimmed = json.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = JwsLimits.MaxJsonDepth });
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("iss"u8))
                {
                    iss = ReadString(ref reader, "iss", ref error);
                }
                else if (reader.ValueTextEquals("sub"u8))
                {
                    sub = ReadString(ref reader, "sub", ref error);
                }
                else if (reader.ValueTextEquals("jti"u8))
                {
                    jti = ReadString(ref reader, "jti", ref error);
                }
                else if (reader.ValueTextEquals("aud"u8))
                {
                    aud = ReadAudience(ref reader, ref error);
                }
                else if (reader.ValueTextEquals("exp"u8))
                {
                    exp = ReadDate(ref reader, "exp", ref error);
                }
                else if (reader.ValueTextEquals("nbf"u8))
                {
                    nbf = ReadDate(ref reader, "nbf", ref error);
                }
                else if (reader.ValueTextEquals("iat"u8))
                {
                    iat = ReadDate(ref reader, "iat", ref error);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }

                if (error is not null)
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "the JWT claims set is not a single JSON object";
                return false;
            }
        }
        catch (JsonException)
        {
            error = "the JWT claims set is not valid JSON";
            return false;
        }

        claims = new JwtClaims(iss, sub, aud, exp, nbf, iat, jti);
        return true;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, ref string? error)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        error = $"the {name} claim is not a string";
        return null;
    }

    private static IReadOnlyList<string> ReadAudience(ref Utf8JsonReader reader, ref string? error)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return [reader.GetString()!];
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            var list = new List<string>(2);
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                list.Add(reader.GetString()!);
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return list;
            }
        }

        error = "the aud claim is neither a string nor an array of strings";
        reader.Skip();
        return NoAudience;
    }

    private static DateTimeOffset? ReadDate(ref Utf8JsonReader reader, string name, ref string? error)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out var seconds)
            && seconds is >= -62135596800 and <= 253402300799)
        {
            return DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(seconds));
        }

        error = $"the {name} claim is not a NumericDate (seconds since 1970 as a JSON number)";
        return null;
    }
}
