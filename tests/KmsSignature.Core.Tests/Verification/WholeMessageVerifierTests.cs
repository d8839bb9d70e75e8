using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// Pure Ed25519 and ML-DSA sign the message itself: their verifiers read it where it lies. A copy per call (per
/// candidate key, for a token without kid) would allocate the message's size each time.
/// </summary>
public sealed class WholeMessageVerifierTests
{
    private static readonly byte[] Message = Allocations.LargeMessage;

    [Fact]
    public void Pure_Ed25519_verifies_a_large_message_without_copying_it()
    {
        var key = new Ed25519PrivateKeyParameters(new SecureRandom());
        var signature = new byte[BcEd25519.SignatureSize];
        key.Sign(BcEd25519.Algorithm.Ed25519, null, Message, 0, Message.Length, signature, 0);
        var verifier = KeyVerifier.Create(PublicKeys.Of(key));

        var allocated = Allocations.Of(() => verifier.Verify(SignatureAlgorithm.Ed25519Sha512, Message, signature), out var verified);

        Assert.True(verified);
        Allocations.AssertNoCopyOf(Message, allocated);
    }

    [Fact]
    public void ML_DSA_verifies_a_large_message_without_copying_it()
    {
        var generator = new MLDsaKeyPairGenerator();
        generator.Init(new MLDsaKeyGenerationParameters(new SecureRandom(), MLDsaParameters.ml_dsa_44));
        var pair = generator.GenerateKeyPair();
        var signer = new MLDsaSigner(MLDsaParameters.ml_dsa_44, deterministic: true);
        signer.Init(true, pair.Private);
        signer.BlockUpdate(Message, 0, Message.Length);
        var signature = signer.GenerateSignature();
        var verifier = KeyVerifier.Create(PublicKey.FromSpki(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetEncoded()));

        var allocated = Allocations.Of(() => verifier.Verify(SignatureAlgorithm.MlDsaShake256, Message, signature), out var verified);

        Assert.True(verified);
        Allocations.AssertNoCopyOf(Message, allocated);
    }
}
