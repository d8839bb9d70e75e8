using System.Security.Cryptography;

namespace KmsSignature.LocalKms.Keys;

/// <summary>Symmetric (SYMMETRIC_DEFAULT, HMAC) key bytes. LocalKms creates these keys but implements no operation that uses them.</summary>
internal sealed class SymmetricKeyMaterial(byte[] key) : KeyMaterial
{
    public static SymmetricKeyMaterial Generate(int length) => new(RandomNumberGenerator.GetBytes(length));

    public override byte[] PublicKeySpki => [];

    public override byte[] Export() => key;

    public override byte[] Sign(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest) => throw new NotSupportedException();

    public override bool Verify(SigningAlgorithmInfo algorithm, byte[] message, bool isDigest, byte[] signature) => throw new NotSupportedException();
}
