using Org.BouncyCastle.Crypto.Digests;

namespace KmsSignature.LocalKms.Keys;

/// <summary>
/// A SHAKE256 whose first 64-byte finalization yields a given mu instead of a hash. BouncyCastle's ML-DSA
/// engine derives mu = SHAKE256(tr || M') with exactly that call and then keeps using the digest normally,
/// so handing it this digest signs/verifies with an external mu (FIPS 204 §6.2, KMS MessageType EXTERNAL_MU).
/// </summary>
internal sealed class ExternalMuDigest(byte[] mu) : ShakeDigest(256)
{
    private bool _muPending = true;

    public override int OutputFinal(byte[] output, int outOff, int outLen)
    {
        if (_muPending && outLen == mu.Length)
        {
            _muPending = false;
            mu.CopyTo(output, outOff);
            Reset();
            return outLen;
        }

        return base.OutputFinal(output, outOff, outLen);
    }

    public override int DoFinal(byte[] output, int outOff)
    {
        if (_muPending)
        {
            _muPending = false;
            mu.CopyTo(output, outOff);
            Reset();
            return mu.Length;
        }

        return base.DoFinal(output, outOff);
    }
}
