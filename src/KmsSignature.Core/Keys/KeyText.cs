using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace KmsSignature.Core.Keys;

/// <summary>Format detection and PEM/DER handling for public key inputs (files, text, bytes).</summary>
internal static class KeyText
{
    // Files bigger than this are not keys; refuse before reading a multi-GB file into memory.
    private const long MaxKeyFileLength = 4 * 1024 * 1024;

    public static IReadOnlyList<PublicKey> LoadFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw new KmsSignatureException("PathIsDirectory", ErrorKind.InvalidArgument,
                $"'{path}' is a directory, not a key file.", path);
        }

        if (!File.Exists(path))
        {
            throw new KmsSignatureException("PublicKeyNotFound", ErrorKind.ObjectNotFound,
                $"Public key file '{path}' does not exist.", path);
        }

        byte[] data;
        try
        {
            data = ReadBounded(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KmsSignatureException("PublicKeyUnreadable", ErrorKind.ReadError,
                $"Cannot read public key file '{path}': {ex.Message}", path, ex);
        }

        // Messages name the file quoted; an error about the whole file targets its path, as the read errors above do.
        var label = $"'{path}'";
        try
        {
            return ParseAny(data, label);
        }
        catch (KmsSignatureException ex) when (ex.Target is string target && target == label)
        {
            throw ex.WithTarget(path);
        }
    }

    private static KmsSignatureException TooLarge(string path) =>
        new("InvalidPublicKey", ErrorKind.InvalidData,
            $"'{path}' is larger than {MaxKeyFileLength / 1024 / 1024} MiB; it is not a public key file.", path);

    // A file that says it is too large is refused before it is read. A pipe or device (/dev/zero, a FIFO, bash's <(...))
    // reports length 0, so that does not bound it: read at most one byte past the bound instead of File.ReadAllBytes,
    // which reads such a file until memory runs out.
    private static byte[] ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        if (stream.CanSeek && stream.Length > MaxKeyFileLength)
        {
            throw TooLarge(path);
        }

        var buffer = new byte[stream.CanSeek && stream.Length is > 0 and <= MaxKeyFileLength ? stream.Length + 1 : 64 * 1024];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > MaxKeyFileLength)
                {
                    throw TooLarge(path);
                }

                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, MaxKeyFileLength + 1));
            }

            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                return length == buffer.Length ? buffer : buffer[..length];
            }

            length += read;
        }
    }

    public static IReadOnlyList<PublicKey> ParseAny(ReadOnlySpan<byte> data, string source)
    {
        // Windows PowerShell's Out-File and > write UTF-16 with a byte order mark; DER never starts with FF FE or FE FF.
        if (data is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            return ParseAny(Encoding.UTF8.GetBytes(Utf16Text(data, source)), source);
        }

        var trimmed = TrimText(data);
        if (trimmed.IsEmpty)
        {
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData, $"{source} is empty.", source);
        }

        if (trimmed[0] == (byte)'{')
        {
            var json = Encoding.UTF8.GetString(trimmed);
            return Jwk.IsSet(json, source) ? Jwk.ParseSet(json, source) : [Jwk.ParseOne(json, source)];
        }

        if (trimmed.IndexOf("-----BEGIN "u8) >= 0)
        {
            return ParsePem(Encoding.UTF8.GetString(trimmed), source);
        }

        if (data[0] == 0x30)
        {
            return [new PublicKey(IsPkcs1RsaPublicKey(data) ? SpkiCodec.ParseRsa(data.ToArray(), source) : ParseDer(data, source), null, null, null)];
        }

        throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
            $"{source} is not a public key: expected PEM (-----BEGIN PUBLIC KEY-----), DER SubjectPublicKeyInfo, a JWK or a JWKS.",
            source);
    }

    public static IReadOnlyList<PublicKey> ParsePem(string text, string source)
    {
        // PemEncoding.TryFind passes over a block it cannot decode (a traditional encrypted "RSA PRIVATE KEY" with its
        // Proc-Type and DEK-Info headers, a damaged body) and finds the next one, so a private key beside a public key
        // in one file would be skipped in silence. Any private key boundary refuses the whole text.
        if (text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw PrivateKey(source);
        }

        var keys = new List<PublicKey>();
        var sawBlock = false;
        foreach (var candidate in PemBlockCandidates(text, source))
        {
            var rest = text.AsSpan(candidate);
            if (!PemEncoding.TryFind(rest, out var fields))
            {
                continue; // passed over, as TryFind passes over what it cannot decode
            }

            sawBlock = true;
            var label = rest[fields.Label];
            RejectNonPublic(label, source);
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out _))
            {
                throw SpkiCodec.Malformed(source, "the PEM body is not base64");
            }

            if (label.SequenceEqual("PUBLIC KEY"))
            {
                keys.Add(new PublicKey(ParseDer(der, source), null, null, null));
            }
            else if (label.SequenceEqual("RSA PUBLIC KEY"))
            {
                keys.Add(new PublicKey(SpkiCodec.ParseRsa(der, source), null, null, null));
            }
            else
            {
                throw new KmsSignatureException("UnsupportedKeyType", ErrorKind.InvalidData,
                    $"{source} holds a PEM '{label.ToString()}' block; expected 'PUBLIC KEY'.", source);
            }
        }

        if (!sawBlock)
        {
            // Label checks first: a malformed private key PEM must still be refused as private.
            if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                throw PrivateKey(source);
            }

            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"{source} has no well-formed PEM block (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----).", source);
        }

        return keys;
    }

    // PemEncoding.TryFind searches all the text after each "-----BEGIN " for its end, so text of many boundaries without
    // an end took time quadratic in its length (1.6 MB: 10 s; a 4 MiB key file: minutes). A block's body is base64, never
    // "-----", so only a BEGIN whose next boundary is an END can start one: TryFind gets that span, with the character
    // on either side that it checks, and the whole text is scanned once.
    private static IEnumerable<Range> PemBlockCandidates(string text, string source)
    {
        const string Dashes = "-----", Begin = "-----BEGIN ", End = "-----END ";
        var position = 0;
        var open = -1;
        var boundaries = 0;
        int at;
        while ((at = text.IndexOf(Dashes, position, StringComparison.Ordinal)) >= 0)
        {
            if (string.CompareOrdinal(text, at, Begin, 0, Begin.Length) == 0)
            {
                if (++boundaries > Verification.TrustStore.MaxKeys)
                {
                    throw new KmsSignatureException("TrustStoreTooLarge", ErrorKind.LimitsExceeded,
                        $"{source} has more than {Verification.TrustStore.MaxKeys} PEM blocks; no more keys can be trusted at once.", source);
                }

                open = at;
                position = at + Begin.Length;
            }
            else if (open >= 0 && string.CompareOrdinal(text, at, End, 0, End.Length) == 0)
            {
                var close = text.IndexOf(Dashes, at + End.Length, StringComparison.Ordinal);
                if (close < 0)
                {
                    yield break;
                }

                position = close + Dashes.Length;
                yield return Math.Max(open - 1, 0)..Math.Min(position + 1, text.Length);
                open = -1;
            }
            else
            {
                position = at + Dashes.Length;
            }
        }
    }

    public static KeyMaterial ParseDer(ReadOnlySpan<byte> der, string source)
    {
        RejectNonSpkiDer(der, source);
        return SpkiCodec.Parse(der, source);
    }

    internal static KmsSignatureException PrivateKey(string source) =>
        new("PrivateKeyNotAllowed", ErrorKind.InvalidArgument,
            $"{source} is a PRIVATE key. Verification needs only the public key; never hand private keys around. " +
            "Give the public key instead (e.g. 'openssl pkey -pubout', or Export-KmsPublicKeyPem for KMS keys).",
            source);

    private static void RejectNonPublic(ReadOnlySpan<char> label, string source)
    {
        if (label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
        {
            throw PrivateKey(source);
        }

        if (label.SequenceEqual("CERTIFICATE") || label.SequenceEqual("X509 CERTIFICATE") || label.SequenceEqual("TRUSTED CERTIFICATE"))
        {
            throw Certificate(source);
        }
    }

    private static KmsSignatureException Certificate(string source) =>
        new("CertificateNotSupported", ErrorKind.InvalidData,
            $"{source} is an X.509 certificate, not a public key. Extract the key ('openssl x509 -pubkey -noout') " +
            "and check the certificate's trust separately: this module does not validate certificate chains.",
            source);

    // PKCS#1 RSAPublicKey (RFC 8017 A.1.1, openssl rsa -RSAPublicKey_out -outform DER): SEQUENCE { n, e } and nothing
    // else. Private keys also start with an INTEGER, but a version followed by more than one element.
    private static bool IsPkcs1RsaPublicKey(ReadOnlySpan<byte> der)
    {
        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            for (var i = 0; i < 2; i++)
            {
                if (!sequence.HasData || !sequence.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
                {
                    return false;
                }

                sequence.ReadEncodedValue();
            }

            return !sequence.HasData && !reader.HasData;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    // Private keys (PKCS#8, PKCS#1, SEC1) start with an INTEGER version; certificates have three
    // elements (tbsCertificate, signatureAlgorithm, signature). Both get a precise error, not "malformed".
    private static void RejectNonSpkiDer(ReadOnlySpan<byte> der, string source)
    {
        try
        {
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.BER).ReadSequence();
            if (outer.HasData && outer.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                throw PrivateKey(source);
            }

            var count = 0;
            while (outer.HasData && count < 4)
            {
                outer.ReadEncodedValue();
                count++;
            }

            if (count == 3)
            {
                throw Certificate(source);
            }
        }
        catch (AsnContentException)
        {
            // Left to the strict parser, which says what is wrong.
        }
    }

    private static string Utf16Text(ReadOnlySpan<byte> data, string source)
    {
        try
        {
            return new UnicodeEncoding(bigEndian: data[0] == 0xFE, byteOrderMark: false, throwOnInvalidBytes: true).GetString(data[2..]);
        }
        catch (ArgumentException ex)
        {
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"{source} starts with a UTF-16 byte order mark but is not UTF-16 text.", source, ex);
        }
    }

    private static ReadOnlySpan<byte> TrimText(ReadOnlySpan<byte> data)
    {
        if (data is [0xEF, 0xBB, 0xBF, ..])
        {
            data = data[3..];
        }

        var start = 0;
        while (start < data.Length && data[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        return data[start..];
    }
}
