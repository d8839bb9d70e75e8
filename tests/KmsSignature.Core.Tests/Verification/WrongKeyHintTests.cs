using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// A detached signature checked with a key of another type fails as before, and its Reason adds which key type makes
/// signatures of that length, when the length names one family; the status is unchanged.
/// </summary>
public sealed class WrongKeyHintTests
{
    private static VerificationResult Check(string key, string signature) =>
        new DetachedSignatureVerifier(TrustStore.FromKeys([Fixtures.Key(key)]))
            .Verify(Fixtures.Bytes("files/message.txt"), Fixtures.Bytes($"files/{signature}"));

    [Fact]
    public void An_RSA_2048_signature_checked_with_a_P256_key_says_it_is_what_an_RSA_2048_key_makes()
    {
        var result = Check("p256", "message.txt.rsa2048.pkcs1-sha256.sig");

        Assert.Equal(VerificationStatus.InvalidSignature, result.Status);
        Assert.Equal("the ECDSA signature is neither strict DER nor 64-byte R||S for ECC_NIST_P256; a 256-byte signature is what an RSA_2048 key makes: is this the right key?",
            result.Reason);
    }

    [Theory]
    [InlineData("rsa2048", "message.txt.p256.der.sig", "; a 71-byte signature is what an ECC_NIST_P256 or ECC_SECG_P256K1 key makes: is this the right key?")]
    [InlineData("p256", "message.txt.p384.der.sig", "; a 103-byte signature is what an ECC_NIST_P384 key makes: is this the right key?")]
    [InlineData("p384", "message.txt.p521.der.sig", "; a 139-byte signature is what an ECC_NIST_P521 key makes: is this the right key?")]
    [InlineData("ed25519", "message.txt.rsa2048.pkcs1-sha256.sig", "; a 256-byte signature is what an RSA_2048 key makes: is this the right key?")]
    [InlineData("rsa4096", "message.txt.mldsa44.sig", "; a 2420-byte signature is what an ML_DSA_44 key makes: is this the right key?")]
    public void A_signature_of_another_key_types_length_says_which_key_type_makes_it(string key, string signature, string hint)
    {
        var result = Check(key, signature);

        Assert.Equal(VerificationStatus.InvalidSignature, result.Status);
        Assert.EndsWith(hint, result.Reason);
    }

    // 64 bytes is P-256 (or secp256k1) R||S and Ed25519 alike; a signature of the key's own length is damaged, not foreign.
    [Theory]
    [InlineData("rsa2048", "message.txt.ed25519.sig", "the RSASSA_PKCS1_V1_5_SHA_256 signature does not verify with the RSA_2048 key")]
    [InlineData("p256", "message.txt.secp256k1.der.sig", "the ECDSA_SHA_256 signature does not verify with the ECC_NIST_P256 key")]
    [InlineData("rsa2048", "message.txt.rsa2048.pkcs1-sha384.sig", "the RSASSA_PKCS1_V1_5_SHA_256 signature does not verify with the RSA_2048 key")]
    public void No_hint_when_the_length_names_no_single_key_type_or_is_the_keys_own(string key, string signature, string reason)
    {
        var result = Check(key, signature);

        Assert.Equal(VerificationStatus.InvalidSignature, result.Status);
        Assert.Equal(reason, result.Reason);
    }

    [Fact]
    public void The_hint_is_empty_for_lengths_no_key_type_makes()
    {
        Assert.Equal(string.Empty, WrongKeyHint.For(65, KmsKeySpec.Rsa2048));
        Assert.Equal(string.Empty, WrongKeyHint.For(64, KmsKeySpec.Rsa2048));
    }
}
