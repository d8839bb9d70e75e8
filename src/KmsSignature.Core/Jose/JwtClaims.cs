using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using KmsSignature.Core.Signatures;

namespace KmsSignature.Core.Jose;

/// <summary>
/// The registered claims the verifier checks (RFC 7519 §4.1). NumericDate values may be fractional;
/// they are kept to the second, rounded so the validity window never widens (exp down, nbf up; iat down).
/// A time past year 9999 is read as <see cref="DateTimeOffset.MaxValue"/>.
/// Parsed with a forward-only reader; all claims are available on demand.
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
    /// an object whose registered claims have the wrong types, or an object that is not JSON text but that lenient readers
    /// take for one (UTF-16 or UTF-32, a byte order mark or other Unicode white space before it).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out JwtClaims? claims, out string? error)
    {
        claims = null;
        var values = new Values(materialize: true, expectedIssuers: null, expectedAudiences: null);
        if (!Read(json, ref values, out error))
        {
            return false;
        }

        claims = new JwtClaims(values.Issuer, values.Subject, values.Audience, values.ExpiresAt, values.NotBefore, values.IssuedAt, values.JwtId);
        return true;
    }

    /// <summary>
    /// The verifier's hot path: the same reading and type checks as <see cref="TryParse"/>, but no strings are
    /// made; iss and aud are only compared with the expected values (see <see cref="EncodeExpected"/>). <see cref="ClaimsCheck.IsClaimsSet"/> is false (with
    /// no error) when the payload is not a JSON object.
    /// </summary>
    internal static bool TryCheck(ReadOnlySpan<byte> json, byte[][]? expectedIssuers, byte[][]? expectedAudiences,
        out ClaimsCheck check, out string? error)
    {
        var values = new Values(materialize: false, expectedIssuers, expectedAudiences);
        var ok = Read(json, ref values, out error);
        check = new ClaimsCheck(ok, values.ExpiresAt, values.NotBefore, values.IssuerMatched, values.AudienceMatched);
        return ok;
    }

    private static bool Read(ReadOnlySpan<byte> json, ref Values values, out string? error)
    {
        error = null;
        var trimmed = json.TrimStart(" \t\r\n"u8);
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            // Opaque bytes, unless lenient readers find an object in them: read as "not a claims set", its exp and nbf went unchecked.
            error = HiddenObject(json);
            return false;
        }

        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            // The reader would throw on the bad bytes only when it reads the string that holds them.
            error = "the JWT claims set is not valid UTF-8";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = JwsLimits.MaxJsonDepth });
            reader.Read();
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var claim = Registered(ref reader);
                // RFC 7519 §4: duplicate claim names must be rejected (or the last taken). We reject, as for the header's
                // alg and kid: a verifier that takes the first "exp" of {"exp":1,"exp":4000000000} would read another token.
                if (claim != Claim.Other && (seen & (1 << (int)claim)) != 0)
                {
                    error = $"the JWT claims set has two {Name(claim)} members";
                    return false;
                }

                seen |= 1 << (int)claim;
                switch (claim)
                {
                    case Claim.Issuer:
                        values.Issuer = ReadString(ref reader, "iss", values.Materialize, ref error);
                        values.IssuerMatched = error is null && Matches(ref reader, values.ExpectedIssuers);
                        break;
                    case Claim.Subject:
                        values.Subject = ReadString(ref reader, "sub", values.Materialize, ref error);
                        break;
                    case Claim.JwtId:
                        values.JwtId = ReadString(ref reader, "jti", values.Materialize, ref error);
                        break;
                    case Claim.Audience:
                        values.Audience = ReadAudience(ref reader, values.Materialize, values.ExpectedAudiences, ref values.AudienceMatched, ref error);
                        break;
                    case Claim.ExpiresAt:
                        values.ExpiresAt = ReadDate(ref reader, "exp", ref error);
                        break;
                    case Claim.NotBefore:
                        values.NotBefore = ReadDate(ref reader, "nbf", ref error, roundUp: true);
                        break;
                    case Claim.IssuedAt:
                        values.IssuedAt = ReadDate(ref reader, "iat", ref error);
                        break;
                    default:
                        reader.Read();
                        reader.Skip();
                        break;
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
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate in a registered claim's name or value (see RequireText).
            error = "the JWT claims set holds an escaped lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is no Unicode text";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Why a payload that is no JSON text still reads as an object to lenient readers: UTF-16 or UTF-32 (by byte order mark,
    /// or by the zero bytes of RFC 4627 §3; Python's json.loads takes bytes so), or a '{' behind a byte order mark or white
    /// space JSON does not allow (Newtonsoft skips any Unicode white space). Null for other payloads, which stay opaque.
    /// </summary>
    private static string? HiddenObject(ReadOnlySpan<byte> json)
    {
        var (width, bigEndian) = ByteOrderMark.Wide(json);
        var skip = width; // the mark
        if (width == 0)
        {
            // Without a mark, by where the zero bytes of ASCII text fall (RFC 4627 §3).
            (width, bigEndian) = json switch
            {
                [0x00, 0x00, 0x00, not 0x00, ..] => (4, true),
                [not 0x00, 0x00, 0x00, 0x00, ..] => (4, false),
                [0x00, not 0x00, 0x00, not 0x00, ..] => (2, true),
                [not 0x00, 0x00, not 0x00, 0x00, ..] => (2, false),
                _ => (1, false),
            };
        }

        var first = -1; // the first character skipped that JSON does not allow before a value
        for (var at = skip; at < json.Length;)
        {
            int value;
            if (width == 1)
            {
                if (Rune.DecodeFromUtf8(json[at..], out var rune, out var length) != System.Buffers.OperationStatus.Done)
                {
                    return null;
                }

                value = rune.Value;
                at += length;
            }
            else if (at + width <= json.Length)
            {
                var unit = json.Slice(at, width);
                value = width == 2
                    ? (bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(unit) : BinaryPrimitives.ReadUInt16LittleEndian(unit))
                    : (int)(bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(unit) : BinaryPrimitives.ReadUInt32LittleEndian(unit));
                at += width;
            }
            else
            {
                return null;
            }

            if (value == '{')
            {
                return width > 1 ? $"the JWT claims set is {(width == 4 ? "UTF-32" : "UTF-16")} text; JSON text must be UTF-8 (RFC 8259 §8.1)"
                    : first < 0 ? null
                    : first == 0xFEFF ? "the JWT claims set starts with a byte order mark, which JSON text must not"
                    : $"the JWT claims set starts with U+{first:X4}, white space that JSON text must not have before a value";
            }

            if (value is not (' ' or '\t' or '\r' or '\n'))
            {
                if (value != 0xFEFF && !(Rune.IsValid(value) && Rune.IsWhiteSpace(new Rune(value))))
                {
                    return null;
                }

                first = first < 0 ? value : first;
            }
        }

        return null;
    }

    // What one pass over the claims collects: strings when materializing, else only whether iss/aud matched.
    private struct Values(bool materialize, byte[][]? expectedIssuers, byte[][]? expectedAudiences)
    {
        public readonly bool Materialize = materialize;
        public readonly byte[][]? ExpectedIssuers = expectedIssuers;
        public readonly byte[][]? ExpectedAudiences = expectedAudiences;
        public string? Issuer;
        public string? Subject;
        public string? JwtId;
        public IReadOnlyList<string> Audience = NoAudience;
        public DateTimeOffset? ExpiresAt;
        public DateTimeOffset? NotBefore;
        public DateTimeOffset? IssuedAt;
        public bool IssuerMatched;
        public bool AudienceMatched;
    }

    private enum Claim
    {
        Other,
        Issuer,
        Subject,
        Audience,
        ExpiresAt,
        NotBefore,
        IssuedAt,
        JwtId,
    }

    private static string Name(Claim claim) => claim switch
    {
        Claim.Issuer => "iss",
        Claim.Subject => "sub",
        Claim.Audience => "aud",
        Claim.ExpiresAt => "exp",
        Claim.NotBefore => "nbf",
        Claim.IssuedAt => "iat",
        _ => "jti",
    };

    // All registered names we read have three ASCII letters: one 24-bit compare instead of a string compare per
    // candidate. Escaped names (legal, and rare) are unescaped first so "\u0069ss" is still iss.
    private static Claim Registered(ref Utf8JsonReader reader)
    {
        // Each ASCII letter is at most six bytes escaped (\uXXXX), and unescaping never lengthens a name.
        const int LongestEscapedName = 3 * 6;
        scoped ReadOnlySpan<byte> name = reader.ValueSpan;
        Span<byte> unescaped = stackalloc byte[LongestEscapedName];
        if (reader.ValueIsEscaped)
        {
            if (name.Length > LongestEscapedName)
            {
                return Claim.Other;
            }

            name = unescaped[..reader.CopyString(unescaped)];
        }

        if (name.Length != 3)
        {
            return Claim.Other;
        }

        return (name[0] << 16 | name[1] << 8 | name[2]) switch
        {
            'i' << 16 | 's' << 8 | 's' => Claim.Issuer,
            's' << 16 | 'u' << 8 | 'b' => Claim.Subject,
            'a' << 16 | 'u' << 8 | 'd' => Claim.Audience,
            'e' << 16 | 'x' << 8 | 'p' => Claim.ExpiresAt,
            'n' << 16 | 'b' << 8 | 'f' => Claim.NotBefore,
            'i' << 16 | 'a' << 8 | 't' => Claim.IssuedAt,
            'j' << 16 | 't' << 8 | 'i' => Claim.JwtId,
            _ => Claim.Other,
        };
    }

    /// <summary>
    /// Expected iss/aud values as UTF-8, encoded once per verifier rather than per token. A value that is not
    /// valid UTF-16 (a lone surrogate) can match no JSON string, so it is left out.
    /// </summary>
    internal static byte[][] EncodeExpected(IReadOnlyList<string> expected)
    {
        var encoded = new List<byte[]>(expected.Count);
        foreach (var value in expected)
        {
            var bytes = new byte[System.Text.Encoding.UTF8.GetMaxByteCount(value.Length)];
            if (System.Text.Unicode.Utf8.FromUtf16(value, bytes, out _, out var written, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done)
            {
                encoded.Add(bytes[..written]);
            }
        }

        return [.. encoded];
    }

    // Compared on the unescaped UTF-8 value without making a string.
    private static bool Matches(ref Utf8JsonReader reader, byte[][]? expected)
    {
        if (expected is null)
        {
            return false;
        }

        for (var i = 0; i < expected.Length; i++)
        {
            if (reader.ValueTextEquals(expected[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static string? ReadString(ref Utf8JsonReader reader, string name, bool materialize, ref string? error)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            if (materialize)
            {
                return reader.GetString();
            }

            RequireText(ref reader);
            return null;
        }

        error = $"the {name} claim is not a string";
        return null;
    }

    private static IReadOnlyList<string> ReadAudience(ref Utf8JsonReader reader, bool materialize, byte[][]? expected,
        ref bool matched, ref string? error)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            RequireText(ref reader);
            matched = Matches(ref reader, expected);
            return materialize ? [reader.GetString()!] : NoAudience;
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            var list = materialize ? new List<string>(2) : null;
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                RequireText(ref reader);
                matched |= Matches(ref reader, expected);
                list?.Add(reader.GetString()!);
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return list ?? (IReadOnlyList<string>)NoAudience;
            }
        }

        error = "the aud claim is neither a string nor an array of strings";
        reader.Skip();
        return NoAudience;
    }

    /// <summary>
    /// The hot path makes no strings, but must refuse what the full parse refuses: an escaped lone surrogate
    /// ("\ud800", JSON grammar but no text) makes GetString throw there. Unescaping checks it without a string,
    /// and only escaped values (rare) pay for it. Throws the reader's InvalidOperationException, as GetString would.
    /// </summary>
    private static void RequireText(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            using var unescaped = new Verification.ScratchBuffer(stackalloc byte[256], reader.ValueSpan.Length);
            reader.CopyString(unescaped.Span);
        }
    }

    private static DateTimeOffset? ReadDate(ref Utf8JsonReader reader, string name, ref string? error, bool roundUp = false)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number)
        {
            // Integers are the common case; fractional NumericDates are allowed (RFC 7519 §2). Floored, a fractional
            // nbf would admit the token up to a second before it (§4.1.5: now MUST be at or after nbf), so it rounds up.
            if (reader.TryGetInt64(out var whole) && whole is >= Signing.NumericDate.Min and <= Signing.NumericDate.Max)
            {
                return DateTimeOffset.FromUnixTimeSeconds(whole);
            }

            // A JSON number a double cannot hold (1e400) is one of infinite size.
            var seconds = reader.TryGetDouble(out var value) ? value : reader.ValueSpan[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
            if (Signing.NumericDate.InRange(seconds))
            {
                return DateTimeOffset.FromUnixTimeSeconds((long)(roundUp ? Math.Ceiling(seconds) : Math.Floor(seconds)));
            }

            // Any number is a NumericDate (RFC 7519 §2), and a time past year 9999 (exp = 1e12, a "never expires") is
            // later than any DateTimeOffset: the last one stands for it, so exp has not come and nbf has not either.
            // A time before year 1 stays malformed.
            if (seconds > Signing.NumericDate.Max)
            {
                return DateTimeOffset.MaxValue;
            }
        }

        error = $"the {name} claim is not a NumericDate (seconds since 1970 as a JSON number)";
        return null;
    }
}

/// <summary>What <see cref="JwtClaims.TryCheck"/> found: the times to check and whether iss/aud matched an expected value.</summary>
internal readonly record struct ClaimsCheck(bool IsClaimsSet, DateTimeOffset? ExpiresAt, DateTimeOffset? NotBefore, bool IssuerMatched, bool AudienceMatched);
