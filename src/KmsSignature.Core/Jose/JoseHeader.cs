using System.Text.Json;
using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Jose;

/// <summary>
/// The members of a JWS protected header the verifier acts on (RFC 7515 §4.1). Parsed with a
/// forward-only reader on the hot path; the whole header is available as JSON on demand.
/// </summary>
public sealed class JoseHeader
{
    private JoseHeader(string algorithmName, JwsAlgorithm? algorithm, string? keyId, string? type, bool hasCritical)
    {
        AlgorithmName = algorithmName;
        Algorithm = algorithm;
        KeyId = keyId;
        Type = type;
        HasCritical = hasCritical;
    }

    /// <summary>The <c>alg</c> value as written in the token.</summary>
    public string AlgorithmName { get; }

    /// <summary>The catalog entry for <see cref="AlgorithmName"/>; null when we know no such alg (none, HS256, ...).</summary>
    public JwsAlgorithm? Algorithm { get; }

    public string? KeyId { get; }

    public string? Type { get; }

    /// <summary>True when the header has <c>crit</c>: we implement no extension, so RFC 7515 §4.1.11 makes such a token invalid.</summary>
    public bool HasCritical { get; }

    /// <summary>Parses the decoded header; false with a one-line reason when it is not a JSON object with a string alg.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out JoseHeader? header, out string? error)
    {
        header = null;
        string? algName = null, kid = null, typ = null;
        JwsAlgorithm? alg = null;
        bool crit = false, sawAlg = false, sawKid = false, sawTyp = false;
        // JSON text is UTF-8 (RFC 8259 §8.1), and the reader only finds bad bytes when a string is read, as an
        // InvalidOperationException: refuse them up front so a hostile header is Malformed, never a crash.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            error = "the JWS header is not valid UTF-8";
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = JwsLimits.MaxJsonDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "the JWS header is not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    // RFC 7515 §5.2: duplicate member names must be rejected (or the last taken); we reject.
                    if (sawAlg || !reader.Read() || reader.TokenType != JsonTokenType.String)
                    {
                        error = sawAlg ? "the JWS header has two alg members" : "the JWS header's alg is not a string";
                        return false;
                    }

                    sawAlg = true;
                    alg = Match(ref reader);
                    algName = alg?.Name ?? reader.GetString();
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    if (sawKid || !reader.Read() || reader.TokenType != JsonTokenType.String)
                    {
                        error = sawKid ? "the JWS header has two kid members" : "the JWS header's kid is not a string";
                        return false;
                    }

                    sawKid = true;
                    kid = reader.GetString();
                }
                else if (reader.ValueTextEquals("typ"u8))
                {
                    // typ decides whether the payload must be a claims set: two of them are two readings of one token.
                    // It is a string (RFC 7515 §4.1.9), as the signer writes it; read as absent, an object's members
                    // were taken for the header's own.
                    if (sawTyp || !reader.Read() || reader.TokenType != JsonTokenType.String)
                    {
                        error = sawTyp ? "the JWS header has two typ members" : "the JWS header's typ is not a string";
                        return false;
                    }

                    sawTyp = true;
                    typ = reader.ValueTextEquals("JWT"u8) ? "JWT" : reader.GetString();
                }
                else
                {
                    crit |= reader.ValueTextEquals("crit"u8);
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "the JWS header is not a single JSON object";
                return false;
            }
        }
        catch (JsonException)
        {
            error = "the JWS header is not valid JSON";
            return false;
        }
        catch (InvalidOperationException)
        {
            // "\ud800" without its pair is JSON grammar (RFC 8259 §8.2) but no text: the reader throws when it
            // unescapes one (a name compared, a kid or alg read), so a hostile unsigned header must not get that far.
            error = "the JWS header holds an escaped lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is no Unicode text";
            return false;
        }

        if (algName is null)
        {
            error = "the JWS header has no alg";
            return false;
        }

        header = new JoseHeader(algName, alg, kid, typ, crit);
        error = null;
        return true;
    }

    private static readonly byte[][] AlgorithmNames = JwsAlgorithm.All.Select(a => System.Text.Encoding.UTF8.GetBytes(a.Name)).ToArray();

    // Compares the UTF-8 value in place against pre-encoded names: no string is allocated or transcoded
    // for the algorithms we know (hot path).
    private static JwsAlgorithm? Match(ref Utf8JsonReader reader)
    {
        for (var i = 0; i < AlgorithmNames.Length; i++)
        {
            if (reader.ValueTextEquals(AlgorithmNames[i]))
            {
                return JwsAlgorithm.All[i];
            }
        }

        return null;
    }
}
