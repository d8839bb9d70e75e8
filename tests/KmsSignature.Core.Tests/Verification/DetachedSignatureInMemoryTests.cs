using System.Security.Cryptography;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// A message given in memory (Test-KmsSignature -Message) is checked where it lies, hashed or read whole: verifying
/// it allocates nothing of its size.
/// </summary>
public sealed class DetachedSignatureInMemoryTests
{
    private static readonly byte[] Message = Allocations.LargeMessage;

    [Fact]
    public void A_hashed_message_in_memory_is_not_copied()
    {
        using var rsa = RSA.Create(2048);
        var signature = rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([PublicKey.FromSpki(rsa.ExportSubjectPublicKeyInfo())]));

        var allocated = Allocations.Of(() => verifier.Verify(Message, signature), out var result);

        Assert.True(result.IsValid, result.ToString());
        Allocations.AssertNoCopyOf(Message, allocated);
    }

    [Fact]
    public void A_pure_Ed25519_message_in_memory_is_not_copied()
    {
        var key = new Ed25519PrivateKeyParameters(new SecureRandom());
        var signature = new byte[BcEd25519.SignatureSize];
        key.Sign(BcEd25519.Algorithm.Ed25519, null, Message, 0, Message.Length, signature, 0);
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([PublicKeys.Of(key)]),
            new DetachedSignatureOptions { MaxInMemoryMessageLength = Message.Length });

        var allocated = Allocations.Of(() => verifier.Verify(Message, signature), out var result);

        Assert.True(result.IsValid, result.ToString());
        Allocations.AssertNoCopyOf(Message, allocated);
    }

    // Bytes in memory are there even when there are none: the empty message is checked, not taken for one to read.
    [Fact]
    public void An_empty_message_in_memory_is_checked_as_the_empty_message()
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys(PublicKey.LoadFile(Fixtures.PathOf("interop/ed25519.pem"))));

        var empty = verifier.Verify(ReadOnlySpan<byte>.Empty, Fixtures.Bytes("interop/empty.ed25519.sig"));
        var notEmpty = verifier.Verify("x"u8, Fixtures.Bytes("interop/empty.ed25519.sig"));

        Assert.True(empty.IsValid, empty.ToString());
        Assert.Equal(VerificationStatus.InvalidSignature, notEmpty.Status);
    }
}
