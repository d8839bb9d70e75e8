using System.Formats.Asn1;

namespace KmsSignature.Core.Signatures;

/// <summary>
/// ECDSA signature encodings. KMS (like openssl) returns DER: SEQUENCE { INTEGER r, INTEGER s }.
/// JWS (RFC 7518 §3.4) requires fixed-length R||S, each half left-padded to the curve's scalar size
/// (32/48/66 bytes). Both directions are strict: a verifier must not accept two spellings.
/// </summary>
public static class EcdsaSignatureFormat
{
    /// <summary>Converts strict DER to R||S; false on malformed DER, trailing bytes or values too large for the curve.</summary>
    public static bool TryDerToP1363(ReadOnlySpan<byte> der, int scalarSize, Span<byte> destination)
    {
        if (destination.Length < 2 * scalarSize)
        {
            return false;
        }

        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var r = sequence.ReadIntegerBytes().Span;
            var s = sequence.ReadIntegerBytes().Span;
            if (sequence.HasData || reader.HasData)
            {
                return false;
            }

            return TryWriteScalar(r, destination[..scalarSize]) && TryWriteScalar(s, destination.Slice(scalarSize, scalarSize));
        }
        catch (AsnContentException)
        {
            return false;
        }
    }

    /// <summary>Converts strict DER to a new R||S array; throws <see cref="FormatException"/> on malformed input.</summary>
    public static byte[] DerToP1363(ReadOnlySpan<byte> der, int scalarSize)
    {
        var result = new byte[2 * scalarSize];
        return TryDerToP1363(der, scalarSize, result)
            ? result
            : throw new FormatException("The ECDSA signature is not a strict DER SEQUENCE of two INTEGERs that fit the curve.");
    }

    /// <summary>Converts R||S (exactly 2 × scalar size) to DER, as openssl and KMS Verify expect it.</summary>
    public static byte[] P1363ToDer(ReadOnlySpan<byte> p1363)
    {
        if (p1363.Length == 0 || p1363.Length % 2 != 0)
        {
            throw new FormatException("An R||S signature has two halves of equal length.");
        }

        var half = p1363.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            // AsnWriter wants minimal big-endian input; R||S halves are left-padded (about 1 in 128 signatures).
            writer.WriteIntegerUnsigned(Minimal(p1363[..half]));
            writer.WriteIntegerUnsigned(Minimal(p1363[half..]));
        }

        return writer.Encode();
    }

    private static ReadOnlySpan<byte> Minimal(ReadOnlySpan<byte> value)
    {
        var trimmed = value.TrimStart((byte)0);
        return trimmed.IsEmpty ? value[^1..] : trimmed;
    }

    // DER integers are signed and minimal: a positive value may carry one leading 0x00.
    private static bool TryWriteScalar(ReadOnlySpan<byte> integer, Span<byte> destination)
    {
        if (integer.Length > 0 && (integer[0] & 0x80) != 0)
        {
            return false; // negative: never a valid r or s
        }

        var value = integer.TrimStart((byte)0);
        if (value.Length > destination.Length || value.IsEmpty)
        {
            return false; // too large for the curve, or zero
        }

        destination[..^value.Length].Clear();
        value.CopyTo(destination[^value.Length..]);
        return true;
    }
}
