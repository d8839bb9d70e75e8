using System.Collections;
using System.Security.Cryptography;
using X509Certificate2 = System.Security.Cryptography.X509Certificates.X509Certificate2;
using System.Text.Json;
using KmsSignature.Core.Keys;

namespace KmsSignature.Core.Signing;

/// <summary>
/// The header members that carry the signing key itself: <c>jwk</c> (RFC 7515 §4.1.3) and <c>x5c</c> (§4.1.6, whose first
/// certificate holds the signing key). Verifiers that trust them verify with that key, so one that is not the KMS key
/// makes tokens they reject or, worse, read as signed by another key. <c>jku</c>, <c>x5u</c> and <c>x5t</c> only point
/// at keys elsewhere, which the signer cannot fetch: they are signed as given.
/// </summary>
internal static class HeaderKeyMembers
{
    /// <summary>Throws <c>KmsSignature.InvalidHeaderValue</c> when <paramref name="name"/> is jwk or x5c and does not describe <paramref name="key"/>.</summary>
    public static void Check(SigningKey key, string name, object? value)
    {
        switch (name)
        {
            case "jwk":
                CheckJwk(key, value);
                break;
            case "x5c":
                CheckCertificateChain(key, value);
                break;
        }
    }

    private static void CheckJwk(SigningKey key, object? value)
    {
        if (!JoseJson.IsObject(value))
        {
            throw Invalid("jwk", "must be a JWK object (RFC 7515 §4.1.3), a hashtable, not a string or another value");
        }

        using var json = JsonDocument.Parse(JoseJson.WriteObject([new("jwk", value)]));
        PublicKey jwk;
        try
        {
            jwk = PublicKey.FromJwk(json.RootElement.GetProperty("jwk").GetRawText(), "the -Header jwk");
        }
        catch (KmsSignatureException ex)
        {
            // Its message never repeats a private member's value (Jwk refuses private keys without quoting them).
            throw Invalid("jwk", $"is not a public JWK of the signing key: {ex.Message}", ex);
        }

        if (!jwk.Equals(key.PublicKey))
        {
            throw Invalid("jwk", $"is the JWK of another key (thumbprint {jwk.JwkThumbprint}), not of {key.KeyArn} ({key.PublicKey.JwkThumbprint})");
        }
    }

    private static void CheckCertificateChain(SigningKey key, object? value)
    {
        var chain = JoseJson.IsArray(value) ? ((IEnumerable)value!).Cast<object?>().ToList() : [];
        if (chain.Count == 0)
        {
            throw Invalid("x5c", "must be a non-empty array of base64 DER certificates, the signing key's first (RFC 7515 §4.1.6)");
        }

        foreach (var certificate in chain)
        {
            if (certificate is not string text || !IsBase64(text))
            {
                throw Invalid("x5c", "must hold base64 (not base64url) DER certificates as strings (RFC 7515 §4.1.6)");
            }
        }

        var spki = CertificateKey((string)chain[0]!, "starts with something that is not a DER certificate");
        for (var i = 1; i < chain.Count; i++)
        {
            // Verifiers that trust x5c validate the whole chain (RFC 7515 §4.1.6): a later entry that is no certificate
            // makes every token one they reject.
            CertificateKey((string)chain[i]!, $"holds at position {i} something that is not a DER certificate");
        }

        if (!spki.AsSpan().SequenceEqual(key.PublicKey.Spki.Span) && !SameKey(spki, key.PublicKey))
        {
            throw Invalid("x5c", $"starts with a certificate for another key, not for {key.KeyArn}; the first certificate must hold the signing key");
        }
    }

    // The certificate's SubjectPublicKeyInfo; Invalid, saying what, when the text is not a DER certificate.
    private static byte[] CertificateKey(string base64, string what)
    {
        try
        {
#pragma warning disable SYSLIB0057 // X509CertificateLoader is .NET 9+; Core targets .NET 8.
            using var certificate = new X509Certificate2(Convert.FromBase64String(base64));
#pragma warning restore SYSLIB0057
            return certificate.PublicKey.ExportSubjectPublicKeyInfo();
        }
        catch (CryptographicException ex)
        {
            throw Invalid("x5c", $"{what}: {ex.Message}", ex);
        }
    }

    // A certificate may spell the same key in another valid DER form; compare the parsed keys.
    private static bool SameKey(byte[] spki, PublicKey key)
    {
        try
        {
            return PublicKey.FromSpki(spki, "the -Header x5c certificate's key").Equals(key);
        }
        catch (KmsSignatureException)
        {
            return false; // a key type KMS cannot hold: another key
        }
    }

    private static bool IsBase64(string text) => text.Length > 0 && text.Length % 4 == 0 && Convert.TryFromBase64String(text, new byte[text.Length / 4 * 3], out _);

    private static KmsSignatureException Invalid(string name, string why, Exception? inner = null) =>
        new("InvalidHeaderValue", ErrorKind.InvalidArgument, $"-Header {name} {why}.", name, inner);
}
