using System.Collections;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using KmsSignature.Core.Jose;

namespace KmsSignature.Core.Signing;

/// <summary>
/// Compact, deterministic JSON for JOSE headers and JWT claims: members in the given order, no whitespace,
/// dates as NumericDate (integer seconds since the epoch, RFC 7519 §2), only minimal escaping.
/// </summary>
internal static class JoseJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // JSON-correct, just not HTML-safe; tokens are not HTML
        Indented = false,
        SkipValidation = false,
    };

    public static byte[] WriteObject(IEnumerable<KeyValuePair<string, object?>> members)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in members)
            {
                writer.WritePropertyName(Text(name, name));
                WriteValue(writer, value, name, 1);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>True for the values <see cref="WriteObject"/> writes as a JSON string.</summary>
    public static bool IsString(object? value) => value is string or char or Guid or Uri or Version or Enum;

    /// <summary>True for the values <see cref="WriteObject"/> writes as a JSON object.</summary>
    public static bool IsObject(object? value) => value is IDictionary or IEnumerable<KeyValuePair<string, object?>>;

    /// <summary>True for the values <see cref="WriteObject"/> writes as a JSON array.</summary>
    public static bool IsArray(object? value) =>
        value is IEnumerable and not string and not IDictionary and not IEnumerable<KeyValuePair<string, object?>> and not byte[];

    private static void WriteValue(Utf8JsonWriter writer, object? value, string path, int depth)
    {
        // The verifier reads at most JwsLimits.MaxJsonDepth nested objects and arrays, the top-level object among them:
        // a container at this depth would open one level too many (scalars inside the deepest level are fine).
        if (depth >= JwsLimits.MaxJsonDepth && value is IEnumerable and not string)
        {
            throw Invalid(path, $"is nested deeper than {JwsLimits.MaxJsonDepth} levels");
        }

        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(Text(s, path));
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case char c:
                writer.WriteStringValue(Text(c.ToString(), path));
                break;
            // A date as a top-level nbf rounds up, as JwtClaimSet.CheckRegisteredClaims checks it (see NumericDate.Of).
            case DateTime dt:
                writer.WriteNumberValue(NumericDate.Of(dt, roundUp: depth == 1 && path == "nbf"));
                break;
            case DateTimeOffset dto:
                writer.WriteNumberValue(NumericDate.Of(dto, roundUp: depth == 1 && path == "nbf"));
                break;
            case byte or sbyte or short or ushort or int or uint or long:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong ul:
                writer.WriteNumberValue(ul);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            // A float is written as its own shortest text ([float]0.1 as 0.1), not as the double it widens to (0.10000000149011612).
            case float f:
                writer.WriteNumberValue(float.IsFinite(f) ? f : throw Invalid(path, "is not a finite number (JSON has no NaN or Infinity)"));
                break;
            case double d:
                writer.WriteNumberValue(double.IsFinite(d) ? d : throw Invalid(path, "is not a finite number (JSON has no NaN or Infinity)"));
                break;
            case System.Numerics.BigInteger big:
                writer.WriteRawValue(big.ToString(CultureInfo.InvariantCulture));
                break;
            // A Uri as given: ToString() adds a slash to a bare authority ("https://issuer.example/"), lowercases the host and
            // unescapes ("%20" as a space), so an iss given as [uri] no longer matched the issuer verifiers expect.
            case Uri uri:
                writer.WriteStringValue(Text(uri.OriginalString, path));
                break;
            case Guid or Version or Enum:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case IEnumerable<KeyValuePair<string, object?>> members:
                writer.WriteStartObject();
                foreach (var (name, member) in members)
                {
                    writer.WritePropertyName(Text(name, path + "." + name));
                    WriteValue(writer, member, path + "." + name, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (entry.Key is not string name)
                    {
                        throw Invalid(path, $"has a non-string key '{entry.Key}' (JSON object member names are strings)");
                    }

                    writer.WritePropertyName(Text(name, path + "." + name));
                    WriteValue(writer, entry.Value, path + "." + name, depth + 1);
                }

                writer.WriteEndObject();
                break;
            // An XML element enumerates its child nodes, so it was written as nested empty arrays ([[]]), its text lost.
            case System.Xml.XmlNode:
                throw Invalid(path, "is an XML node; give its text as a string (its InnerText or OuterXml)");
            case byte[]:
                throw Invalid(path, "is a byte array; base64url-encode it into a string first");
            case IEnumerable sequence:
                writer.WriteStartArray();
                var index = 0;
                foreach (var item in sequence)
                {
                    WriteValue(writer, item, $"{path}[{index++}]", depth + 1);
                }

                writer.WriteEndArray();
                break;
            default:
                throw Invalid(path, $"is a {value.GetType().FullName}, which has no JSON form here; use a string, number, bool, date, hashtable or array");
        }
    }

    // Utf8JsonWriter writes a lone surrogate, which has no UTF-8 form, as U+FFFD: the token would carry text the
    // caller never gave, signed. Refuse it instead, as the verifier refuses expected values that are not valid text.
    private static string Text(string text, string path)
    {
        var rest = text.AsSpan();
        for (var i = rest.IndexOfAnyInRange('\uD800', '\uDFFF'); i >= 0; i = rest.IndexOfAnyInRange('\uD800', '\uDFFF'))
        {
            if (!char.IsHighSurrogate(rest[i]) || i + 1 >= rest.Length || !char.IsLowSurrogate(rest[i + 1]))
            {
                throw Invalid(path, "is not valid text: it holds a lone UTF-16 surrogate, which has no UTF-8 form");
            }

            rest = rest[(i + 2)..];
        }

        return text;
    }

    private static KmsSignatureException Invalid(string path, string why) =>
        new("InvalidClaimValue", ErrorKind.InvalidArgument, $"The value of '{path}' {why}.", path);
}
