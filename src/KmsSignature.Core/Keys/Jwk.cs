using System.Buffers;
using System.Text;
using System.Text.Json;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Keys;

/// <summary>
/// JWK (RFC 7517/7518), OKP (RFC 8037), EC secp256k1 (RFC 8812) and AKP for ML-DSA (JOSE ML-DSA draft:
/// <c>kty: "AKP"</c>, <c>alg</c> names the parameter set, <c>pub</c> is the encoded public key).
/// </summary>
internal static class Jwk
{
    // JWKS from an HTTP endpoint or file; a 1 MB document of keys is already absurd.
    private const int MaxDocumentLength = 1024 * 1024;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "priv"];

    public static bool IsSet(string json, string source) => Guarded(source, () =>
    {
        using var document = Open(json, source);
        return document.RootElement.TryGetProperty("keys", out _);
    });

    public static PublicKey ParseOne(string json, string source) => Guarded(source, () =>
    {
        using var document = Open(json, source);
        return Parse(document.RootElement, source, skipUnsupported: false)!;
    });

    public static IReadOnlyList<PublicKey> ParseSet(string json, string source) => Guarded(source, () => ParseKeys(json, source));

    // "\ud800" without its pair is JSON grammar (RFC 8259 §8.2) but no text: JsonElement throws InvalidOperationException
    // when it unescapes one (a member name compared, a kid read). Such a key source is unusable, not a crash.
    private static T Guarded<T>(string source, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (InvalidOperationException ex)
        {
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"{source} is not a valid public key: it holds an escaped lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), which is no Unicode text.",
                source, ex);
        }
    }

    private static IReadOnlyList<PublicKey> ParseKeys(string json, string source)
    {
        using var document = Open(json, source);
        RejectDuplicateMembers(document.RootElement, source);
        if (!document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw SpkiCodec.Malformed(source, "a JWKS needs a \"keys\" array");
        }

        var result = new List<PublicKey>();
        var index = 0;
        foreach (var element in keys.EnumerateArray())
        {
            var key = Parse(element, $"{source} (keys[{index}])", skipUnsupported: true);
            if (key is not null)
            {
                result.Add(key);
            }

            index++;
        }

        if (index == 0)
        {
            // A published set emptied by a botched rotation: nothing to verify with, not a key of the wrong type.
            throw new KmsSignatureException("TrustStoreEmpty", ErrorKind.InvalidArgument,
                $"{source} is a JWKS with no keys: its \"keys\" array is empty.", source);
        }

        if (result.Count == 0)
        {
            throw new KmsSignatureException("UnsupportedKeyType", ErrorKind.InvalidData,
                $"{source} holds no key of a KMS signing key spec.", source);
        }

        return result;
    }

    private static JsonDocument Open(string json, string source)
    {
        if (json.Length > MaxDocumentLength)
        {
            throw SpkiCodec.Malformed(source, "the JSON document is larger than 1 MiB");
        }

        try
        {
            var document = JsonDocument.Parse(json, Options);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw SpkiCodec.Malformed(source, "a JWK or JWKS is a JSON object");
            }

            return document;
        }
        catch (JsonException ex)
        {
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"{source} is not valid JSON: {ex.Message}", source, ex);
        }
    }

    private static PublicKey? Parse(JsonElement jwk, string source, bool skipUnsupported)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            throw SpkiCodec.Malformed(source, "a JWK is a JSON object");
        }

        // A private JWK must be refused before anything else, and its content never repeated. Any private member counts:
        // RFC 7518 §6.3.2 lists d, p, q, dp, dq, qi and oth for RSA (each of p, q gives away the key), §6.2.2 d for EC,
        // RFC 8037 d for OKP, the ML-DSA draft priv for AKP.
        foreach (var member in PrivateMembers)
        {
            if (jwk.TryGetProperty(member, out _))
            {
                throw KeyText.PrivateKey(source);
            }
        }

        RejectDuplicateMembers(jwk, source);
        var kty = String(jwk, "kty", source, required: true)!;
        var kid = String(jwk, "kid", source, required: false);
        var alg = String(jwk, "alg", source, required: false);
        var use = String(jwk, "use", source, required: false);
        var operations = Operations(jwk, source);
        try
        {
            KeyMaterial material = kty switch
            {
                "RSA" => SpkiCodec.RsaFromParts(Bytes(jwk, "n", source), Bytes(jwk, "e", source), source),
                "EC" => SpkiCodec.EcFromParts(Curve(String(jwk, "crv", source, true)!, source),
                    Bytes(jwk, "x", source), Bytes(jwk, "y", source), source),
                "OKP" => String(jwk, "crv", source, true) == "Ed25519"
                    ? SpkiCodec.Ed25519FromBytes(Bytes(jwk, "x", source), source)
                    : throw SpkiCodec.Unsupported(source, $"an OKP key on curve '{UntrustedText.Show(String(jwk, "crv", source, true))}'"),
                "AKP" => MlDsa(alg, Bytes(jwk, "pub", source), source),
                _ => throw SpkiCodec.Unsupported(source, $"a JWK of kty '{UntrustedText.Show(kty)}'"),
            };
            if (alg is not null && JwsAlgorithm.TryParse(alg, out var jws) && !jws.Fits(material.Spec))
            {
                throw SpkiCodec.Malformed(source, $"its alg '{alg}' does not fit an {material.Spec.ToKmsName()} key");
            }

            return new PublicKey(material, kid, alg, use, operations);
        }
        catch (KmsSignatureException ex) when (skipUnsupported && ex.ErrorId == "KmsSignature.UnsupportedKeyType")
        {
            return null;
        }
    }

    private static KeyMaterial MlDsa(string? alg, byte[] pub, string source) => alg switch
    {
        "ML-DSA-44" => SpkiCodec.Fixed(KmsKeySpec.MlDsa44, pub, 1312, source),
        "ML-DSA-65" => SpkiCodec.Fixed(KmsKeySpec.MlDsa65, pub, 1952, source),
        "ML-DSA-87" => SpkiCodec.Fixed(KmsKeySpec.MlDsa87, pub, 2592, source),
        null => throw SpkiCodec.Malformed(source, "an AKP JWK needs an alg (ML-DSA-44, ML-DSA-65 or ML-DSA-87)"),
        _ => throw SpkiCodec.Unsupported(source, $"an AKP key for alg '{UntrustedText.Show(alg)}'"),
    };

    // JsonElement answers a name asked for with its last member; other JWK readers take the first, so {"x":A,"x":B} or two
    // kids would name one key to us and another to them. RFC 8259 §4 leaves what duplicates mean open: refused.
    private static void RejectDuplicateMembers(JsonElement jwk, string source)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in jwk.EnumerateObject())
        {
            if (!names.Add(member.Name))
            {
                throw SpkiCodec.Malformed(source, $"the JSON object has the member \"{UntrustedText.Show(member.Name)}\" twice");
            }
        }
    }

    private static KmsKeySpec Curve(string crv, string source) => crv switch
    {
        "P-256" => KmsKeySpec.EccNistP256,
        "P-384" => KmsKeySpec.EccNistP384,
        "P-521" => KmsKeySpec.EccNistP521,
        "secp256k1" => KmsKeySpec.EccSecgP256K1,
        _ => throw SpkiCodec.Unsupported(source, $"an EC key on curve '{UntrustedText.Show(crv)}'"),
    };

    internal static string CurveName(KmsKeySpec spec) => spec switch
    {
        KmsKeySpec.EccNistP256 => "P-256",
        KmsKeySpec.EccNistP384 => "P-384",
        KmsKeySpec.EccNistP521 => "P-521",
        KmsKeySpec.EccSecgP256K1 => "secp256k1",
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    private static string? String(JsonElement jwk, string name, string source, bool required)
    {
        if (!jwk.TryGetProperty(name, out var value))
        {
            return required ? throw SpkiCodec.Malformed(source, $"the JWK has no \"{name}\"") : null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw SpkiCodec.Malformed(source, $"the JWK member \"{name}\" is not a string");
    }

    private static string[]? Operations(JsonElement jwk, string source)
    {
        if (!jwk.TryGetProperty("key_ops", out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(op => op.ValueKind != JsonValueKind.String))
        {
            throw SpkiCodec.Malformed(source, "the JWK member \"key_ops\" is not an array of strings");
        }

        return value.EnumerateArray().Select(op => op.GetString()!).ToArray();
    }

    private static byte[] Bytes(JsonElement jwk, string name, string source)
    {
        var text = String(jwk, name, source, required: true)!;
        try
        {
            return Base64Url.Decode(text);
        }
        catch (FormatException)
        {
            throw SpkiCodec.Malformed(source, $"the JWK member \"{name}\" is not strict base64url");
        }
    }

    public static string Write(PublicKey key, string? kid, string? alg)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteKey(writer, key, kid, alg);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string WriteSet(IEnumerable<PublicKey> keys, bool indented)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in keys)
            {
                WriteKey(writer, key, key.KeyId, key.Algorithm);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteKey(Utf8JsonWriter writer, PublicKey key, string? kid, string? alg)
    {
        var material = key.Material;
        // RFC 7517 §4.4: verifiers take a JWK alg as the only alg the key may use, so pin one only where the
        // key spec has only one; an RSA key without an alg admits every RSA alg that fits it.
        alg ??= JwsAlgorithm.SingleFor(material.Spec)?.Name;
        writer.WriteStartObject();
        switch (material.Spec.Family())
        {
            case KeyFamily.Rsa:
                writer.WriteString("kty", "RSA");
                writer.WriteString("n", Base64Url.Encode(material.A));
                writer.WriteString("e", Base64Url.Encode(material.B));
                break;
            case KeyFamily.Ec:
                writer.WriteString("kty", "EC");
                writer.WriteString("crv", CurveName(material.Spec));
                writer.WriteString("x", Base64Url.Encode(material.A));
                writer.WriteString("y", Base64Url.Encode(material.B));
                break;
            case KeyFamily.Ed25519:
                writer.WriteString("kty", "OKP");
                writer.WriteString("crv", "Ed25519");
                writer.WriteString("x", Base64Url.Encode(material.A));
                break;
            default:
                writer.WriteString("kty", "AKP");
                writer.WriteString("pub", Base64Url.Encode(material.A));
                break;
        }

        if (kid is not null)
        {
            writer.WriteString("kid", kid);
        }

        writer.WriteString("use", "sig");
        if (alg is not null)
        {
            writer.WriteString("alg", alg);
        }

        writer.WriteEndObject();
    }

    /// <summary>RFC 7638 §3.2: required members only, lexicographic order, no whitespace.</summary>
    public static string ThumbprintInput(PublicKey key)
    {
        var m = key.Material;
        return m.Spec.Family() switch
        {
            KeyFamily.Rsa => $"{{\"e\":\"{Base64Url.Encode(m.B)}\",\"kty\":\"RSA\",\"n\":\"{Base64Url.Encode(m.A)}\"}}",
            KeyFamily.Ec => $"{{\"crv\":\"{CurveName(m.Spec)}\",\"kty\":\"EC\",\"x\":\"{Base64Url.Encode(m.A)}\",\"y\":\"{Base64Url.Encode(m.B)}\"}}",
            KeyFamily.Ed25519 => $"{{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"{Base64Url.Encode(m.A)}\"}}",
            // JOSE ML-DSA draft: the AKP thumbprint members are alg, kty and pub.
            _ => $"{{\"alg\":\"{JwsAlgorithm.DefaultFor(m.Spec).Name}\",\"kty\":\"AKP\",\"pub\":\"{Base64Url.Encode(m.A)}\"}}",
        };
    }
}
