using System.Formats.Asn1;
using KmsSignature.Core.Algorithms;

namespace KmsSignature.Core.Keys;

/// <summary>
/// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) for the KMS signing key specs. Parsing is strict DER and
/// every key is re-encoded canonically, so <see cref="PublicKey.ToPem"/> matches
/// <c>openssl pkey -pubin</c> byte for byte whatever spelling came in.
/// </summary>
internal static class SpkiCodec
{
    internal const string RsaOid = "1.2.840.113549.1.1.1";
    internal const string EcOid = "1.2.840.10045.2.1";
    internal const string Ed25519Oid = "1.3.101.112";
    internal const string P256Oid = "1.2.840.10045.3.1.7";
    internal const string P384Oid = "1.3.132.0.34";
    internal const string P521Oid = "1.3.132.0.35";
    internal const string Secp256k1Oid = "1.3.132.0.10";

    // FIPS 204 / RFC 9881: id-ml-dsa-44/65/87, parameters absent.
    internal const string MlDsa44Oid = "2.16.840.1.101.3.4.3.17";
    internal const string MlDsa65Oid = "2.16.840.1.101.3.4.3.18";
    internal const string MlDsa87Oid = "2.16.840.1.101.3.4.3.19";

    /// <summary>Parses SPKI DER into a key spec and its raw parts; throws KmsSignatureException for anything unusable.</summary>
    public static KeyMaterial Parse(ReadOnlySpan<byte> der, string source)
    {
        string algorithmOid;
        string? curveOid = null;
        byte[] keyBits;
        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var spki = reader.ReadSequence();
            if (reader.HasData)
            {
                throw Malformed(source, "trailing bytes after the SubjectPublicKeyInfo");
            }

            var algorithm = spki.ReadSequence();
            algorithmOid = algorithm.ReadObjectIdentifier();
            if (algorithm.HasData)
            {
                var tag = algorithm.PeekTag();
                if (tag.HasSameClassAndValue(Asn1Tag.ObjectIdentifier))
                {
                    curveOid = algorithm.ReadObjectIdentifier();
                }
                else if (algorithmOid == EcOid && tag.HasSameClassAndValue(Asn1Tag.Sequence))
                {
                    // RFC 5480 §2.1.1: specifiedCurve (explicit parameters), which RFC 5480 forbids in certificates and
                    // KMS never writes; ParseEc names it in its refusal.
                    algorithm.ReadEncodedValue();
                }
                else
                {
                    algorithm.ReadNull();
                }
            }

            if (algorithm.HasData)
            {
                throw Malformed(source, "unexpected algorithm parameters");
            }

            keyBits = spki.ReadBitString(out var unused);
            if (unused != 0 || spki.HasData)
            {
                throw Malformed(source, "the public key BIT STRING is not whole bytes or is followed by data");
            }
        }
        catch (AsnContentException ex)
        {
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"{source} is not a DER SubjectPublicKeyInfo: {ex.Message}", source, ex);
        }

        return algorithmOid switch
        {
            RsaOid => ParseRsa(keyBits, source),
            EcOid => ParseEc(curveOid, keyBits, source),
            Ed25519Oid when curveOid is null => Ed25519FromBytes(keyBits, source),
            MlDsa44Oid when curveOid is null => Fixed(KmsKeySpec.MlDsa44, keyBits, 1312, source),
            MlDsa65Oid when curveOid is null => Fixed(KmsKeySpec.MlDsa65, keyBits, 1952, source),
            MlDsa87Oid when curveOid is null => Fixed(KmsKeySpec.MlDsa87, keyBits, 2592, source),
            _ => throw Unsupported(source, DescribeOid(algorithmOid)),
        };
    }

    /// <summary>Parses a PKCS#1 RSAPublicKey (PEM "RSA PUBLIC KEY").</summary>
    public static KeyMaterial ParseRsa(byte[] rsaPublicKey, string source)
    {
        byte[] modulus, exponent;
        try
        {
            var reader = new AsnReader(rsaPublicKey, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            modulus = Unsigned(sequence.ReadIntegerBytes().Span);
            exponent = Unsigned(sequence.ReadIntegerBytes().Span);
            if (sequence.HasData || reader.HasData)
            {
                throw Malformed(source, "trailing bytes in the RSA public key");
            }
        }
        catch (AsnContentException ex)
        {
            throw new KmsSignatureException("InvalidPublicKey", ErrorKind.InvalidData,
                $"{source} holds a malformed RSA public key: {ex.Message}", source, ex);
        }

        return RsaFromParts(modulus, exponent, source);
    }

    public static KeyMaterial RsaFromParts(byte[] modulus, byte[] exponent, string source)
    {
        modulus = Unsigned(modulus);
        exponent = Unsigned(exponent);
        var bits = modulus.Length == 0 ? 0 : (modulus.Length - 1) * 8 + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)modulus[0]));
        KmsKeySpec spec = bits switch
        {
            2048 => KmsKeySpec.Rsa2048,
            3072 => KmsKeySpec.Rsa3072,
            4096 => KmsKeySpec.Rsa4096,
            _ => throw Unsupported(source, $"an RSA key of {bits} bits (KMS signs with RSA 2048, 3072 or 4096)"),
        };
        if (exponent.Length == 0 || (exponent[^1] & 1) == 0)
        {
            throw Malformed(source, "the RSA public exponent is not odd");
        }

        // e = 1 makes every "signature" its own message: anyone could forge. KMS keys use 65537.
        if (exponent is [1])
        {
            throw Malformed(source, "the RSA public exponent is 1");
        }

        if ((modulus[^1] & 1) == 0)
        {
            throw Malformed(source, "the RSA modulus is even, so it is no product of two large primes");
        }

        return new KeyMaterial(spec, modulus, exponent);
    }

    public static KeyMaterial EcFromParts(KmsKeySpec spec, byte[] x, byte[] y, string source)
    {
        var size = spec.EcScalarSize();
        if (x.Length != size || y.Length != size)
        {
            throw Malformed(source, $"EC coordinates must be {size} bytes for {spec.ToKmsName()}");
        }

        // SEC 1 §3.2.2.1: a public key is a point on the curve. Checked here, where the source is known, rather than left
        // to the platform's import, whose refusal names neither the file nor, for secp256k1, whether the curve or the point failed.
        if (!IsOnCurve(spec, x, y))
        {
            throw Malformed(source, $"its (x, y) is not a valid point on its curve, {Jwk.CurveName(spec)}");
        }

        return new KeyMaterial(spec, x, y);
    }

    // RFC 8032 §5.1.3: not every 32 bytes decode to a point (y >= p, or no x for y). Refused here, with the source named,
    // rather than when a verifier is made from the key (BouncyCastle's ArgumentException, naming nothing).
    public static KeyMaterial Ed25519FromBytes(byte[] key, string source)
    {
        var material = Fixed(KmsKeySpec.EccNistEdwards25519, key, 32, source);
        return Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.ValidatePublicKeyPartial(key, 0)
            ? material
            : throw Malformed(source, "the Ed25519 public key is not the encoding of a point on the curve (RFC 8032 §5.1.3)");
    }

    public static KeyMaterial Fixed(KmsKeySpec spec, byte[] key, int length, string source) =>
        key.Length == length
            ? new KeyMaterial(spec, key, [])
            : throw Malformed(source, $"an {spec.ToKmsName()} public key is {length} bytes, not {key.Length}");

    /// <summary>Canonical SPKI DER, as openssl writes it.</summary>
    public static byte[] Encode(KeyMaterial key)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                switch (key.Spec.Family())
                {
                    case KeyFamily.Rsa:
                        writer.WriteObjectIdentifier(RsaOid);
                        writer.WriteNull();
                        break;
                    case KeyFamily.Ec:
                        writer.WriteObjectIdentifier(EcOid);
                        writer.WriteObjectIdentifier(CurveOid(key.Spec));
                        break;
                    default:
                        writer.WriteObjectIdentifier(AlgorithmOid(key.Spec));
                        break;
                }
            }

            writer.WriteBitString(KeyBits(key));
        }

        return writer.Encode();
    }

    private static byte[] KeyBits(KeyMaterial key)
    {
        switch (key.Spec.Family())
        {
            case KeyFamily.Rsa:
                var rsa = new AsnWriter(AsnEncodingRules.DER);
                using (rsa.PushSequence())
                {
                    rsa.WriteIntegerUnsigned(key.A);
                    rsa.WriteIntegerUnsigned(key.B);
                }

                return rsa.Encode();
            case KeyFamily.Ec:
                var point = new byte[1 + key.A.Length + key.B.Length];
                point[0] = 0x04;
                key.A.CopyTo(point, 1);
                key.B.CopyTo(point, 1 + key.A.Length);
                return point;
            default:
                return key.A;
        }
    }

    internal static string CurveOid(KmsKeySpec spec) => spec switch
    {
        KmsKeySpec.EccNistP256 => P256Oid,
        KmsKeySpec.EccNistP384 => P384Oid,
        KmsKeySpec.EccNistP521 => P521Oid,
        KmsKeySpec.EccSecgP256K1 => Secp256k1Oid,
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    private static string AlgorithmOid(KmsKeySpec spec) => spec switch
    {
        KmsKeySpec.EccNistEdwards25519 => Ed25519Oid,
        KmsKeySpec.MlDsa44 => MlDsa44Oid,
        KmsKeySpec.MlDsa65 => MlDsa65Oid,
        KmsKeySpec.MlDsa87 => MlDsa87Oid,
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    private static KeyMaterial ParseEc(string? curveOid, byte[] point, string source)
    {
        KmsKeySpec spec = curveOid switch
        {
            P256Oid => KmsKeySpec.EccNistP256,
            P384Oid => KmsKeySpec.EccNistP384,
            P521Oid => KmsKeySpec.EccNistP521,
            Secp256k1Oid => KmsKeySpec.EccSecgP256K1,
            null => throw Unsupported(source, "an EC key without a named curve (explicit curve parameters)"),
            "1.3.132.0.33" => throw Unsupported(source, "an EC key on P-224"),
            _ => throw Unsupported(source, $"an EC key on curve {curveOid}"),
        };
        var size = spec.EcScalarSize();
        if (point.Length != 1 + 2 * size || point[0] != 0x04)
        {
            throw Malformed(source, "the EC point is not an uncompressed point of the curve's size");
        }

        return EcFromParts(spec, point.AsSpan(1, size).ToArray(), point.AsSpan(1 + size, size).ToArray(), source);
    }

    private static bool IsOnCurve(KmsKeySpec spec, byte[] x, byte[] y)
    {
        var curve = Org.BouncyCastle.Crypto.EC.CustomNamedCurves.GetByName(Jwk.CurveName(spec)).Curve;
        var px = new Org.BouncyCastle.Math.BigInteger(1, x);
        var py = new Org.BouncyCastle.Math.BigInteger(1, y);
        var p = curve.Field.Characteristic;
        return px.CompareTo(p) < 0 && py.CompareTo(p) < 0 && curve.CreatePoint(px, py).IsValid();
    }

    private static string DescribeOid(string oid) => oid switch
    {
        "1.3.101.110" => "an X25519 key (key agreement, not signing)",
        "1.3.101.111" => "an X448 key (key agreement, not signing)",
        "1.3.101.113" => "an Ed448 key",
        "1.2.840.113549.1.1.10" => "an RSASSA-PSS-restricted key (KMS exports rsaEncryption keys)",
        "1.2.840.10040.4.1" => "a DSA key",
        "1.2.156.10197.1.301" => "an SM2 key",
        _ => $"a key of algorithm {oid}",
    };

    private static byte[] Unsigned(ReadOnlySpan<byte> integer)
    {
        var trimmed = integer.TrimStart((byte)0);
        return trimmed.ToArray();
    }

    internal static KmsSignatureException Malformed(string source, string why) =>
        new("InvalidPublicKey", ErrorKind.InvalidData, $"{source} is not a valid public key: {why}.", source);

    internal static KmsSignatureException Unsupported(string source, string what) =>
        new("UnsupportedKeyType", ErrorKind.InvalidData,
            $"{source} holds {what}, which is not a KMS signing key spec. Supported: {string.Join(", ", KmsKeySpecs.AllKmsNames)}.",
            source);
}
