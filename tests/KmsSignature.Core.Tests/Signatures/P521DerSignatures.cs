using System.Numerics;
using System.Security.Cryptography;

namespace KmsSignature.Core.Tests.Signatures;

/// <summary>
/// Real P-521 ECDSA signatures whose DER form is exactly 132 bytes, the length of R||S. That needs r and s 7 bytes
/// shorter than usual together (about 1 signature in 2^50), so no loop finds one; instead the signature is chosen
/// first and the key made for it: pick k (r = x(kG) mod n) and a short s, then d = (s·k − z)·r⁻¹ mod n, and (r, s)
/// is an ordinary signature of the message by the key d (s⁻¹(z + r·d)·G = k·G).
/// </summary>
internal static class P521DerSignatures
{
    // The order of the P-521 group (SEC 2 §2.6.1; openssl ecparam -name secp521r1 -param_enc explicit -text).
    private static readonly BigInteger N = BigInteger.Parse(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        System.Globalization.NumberStyles.HexNumber);

    /// <summary>A key (SubjectPublicKeyInfo) and its ECDSA_SHA_512 signature of <paramref name="message"/>, DER, 132 bytes.</summary>
    public static (byte[] Spki, byte[] Der) Make(ReadOnlySpan<byte> message)
    {
        var z = Unsigned(SHA512.HashData(message)); // 512 bits: fewer than n's 521, so the hash is z whole
        while (true)
        {
            var k = RandomScalar();
            var r = Unsigned(PublicX(k)) % N;
            // DER: 30 81 len, 02 len r, 02 len s; 132 bytes when r and s take 125 bytes together.
            var sLength = 125 - DerLength(r);
            var s = Unsigned(RandomNumberGenerator.GetBytes(sLength));
            s = (s % (BigInteger.One << ((8 * sLength) - 1))) | (BigInteger.One << ((8 * sLength) - 2)); // high bit clear, top byte set
            if (r.IsZero || DerLength(s) != sLength)
            {
                continue;
            }

            var d = Mod(((s * k) - z) * BigInteger.ModPow(r, N - 2, N));
            if (d.IsZero)
            {
                continue;
            }

            using var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP521, D = Scalar(d) });
            var der = Core.Signatures.EcdsaSignatureFormat.P1363ToDer([.. Scalar(r), .. Scalar(s)]);
            if (der.Length == 132 && key.VerifyData(message, der, HashAlgorithmName.SHA512, DSASignatureFormat.Rfc3279DerSequence))
            {
                return (key.ExportSubjectPublicKeyInfo(), der);
            }
        }
    }

    private static byte[] PublicX(BigInteger k)
    {
        using var point = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP521, D = Scalar(k) });
        return point.ExportParameters(false).Q.X!;
    }

    private static BigInteger RandomScalar()
    {
        while (true)
        {
            var k = Unsigned(RandomNumberGenerator.GetBytes(66)) % N;
            if (!k.IsZero)
            {
                return k;
            }
        }
    }

    // The content length of a positive DER INTEGER: minimal bytes, plus a 0x00 when the top bit is set.
    private static int DerLength(BigInteger value) => value.GetByteCount(isUnsigned: false);

    private static BigInteger Unsigned(ReadOnlySpan<byte> bigEndian) => new(bigEndian, isUnsigned: true, isBigEndian: true);

    private static BigInteger Mod(BigInteger value) => ((value % N) + N) % N;

    private static byte[] Scalar(BigInteger value)
    {
        var bytes = new byte[66];
        var written = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        written.CopyTo(bytes, 66 - written.Length);
        return bytes;
    }
}
