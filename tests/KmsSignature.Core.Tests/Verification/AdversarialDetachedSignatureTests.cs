using System.Security.Cryptography;
using System.Text;
using KmsSignature.Core.Verification;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>Signature files dressed to pass: two signatures in one file, bytes that are neither text nor the signature, digests of another length.</summary>
public sealed class AdversarialDetachedSignatureTests : IDisposable
{
    private static readonly byte[] Message = "release 1.2.3"u8.ToArray();
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly DetachedSignatureVerifier verifier;
    private readonly byte[] der;

    public AdversarialDetachedSignatureTests()
    {
        verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([PublicKeys.Of(key)]));
        der = key.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    public void Dispose() => key.Dispose();

    // The sender of a release names its files and writes its manifest: raw in an error message, "\e[2K\r" erases the
    // console line and a line break forges a log line. The message escapes them; the target keeps the path as it is.
    [Fact]
    public void Error_messages_show_control_characters_of_a_file_name_or_an_algorithm_escaped()
    {
        var file = Path.Combine(Path.GetTempPath(), $"none-{Guid.NewGuid():N}", "app\u001b[2K\rValid.tar.gz");

        var missing = Assert.Throws<KmsSignatureException>(() => verifier.VerifyFile(file));
        var unknown = Assert.Throws<KmsSignatureException>(() => DetachedSignatureOptions.ParseAlgorithm("ES256\u001b[2K\nValid"));

        Assert.Equal(file, missing.Target);
        Assert.Contains(@"app\u001B[2K\u000DValid.tar.gz'", missing.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(missing.Message, c => char.IsControl(c));
        Assert.StartsWith(@"'ES256\u001B[2K\u000AValid' is not a signing algorithm", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Base64_mixed_with_base64url_is_text_as_documented()
    {
        var text = Convert.ToBase64String(der).Replace('+', '-');

        Assert.True(verifier.Verify(Message, Encoding.ASCII.GetBytes(text)).IsValid);
    }

    [Fact]
    public void Two_signatures_in_one_file_are_invalid()
    {
        var text = Convert.ToBase64String(der);

        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(Message, Encoding.ASCII.GetBytes(text + "\n" + text)).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(Message, [.. der, .. der]).Status);
    }

    [Fact]
    public void A_nul_byte_after_the_signature_makes_it_invalid()
    {
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(Message, [.. der, 0]).Status);
        Assert.Equal(VerificationStatus.InvalidSignature, verifier.Verify(Message, [.. Encoding.ASCII.GetBytes(Convert.ToBase64String(der)), 0]).Status);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(48)]
    public void A_digest_of_another_length_than_the_algorithms_hash_is_malformed(int length)
    {
        var digestVerifier = new DetachedSignatureVerifier(TrustStore.FromKeys([PublicKeys.Of(key)]), new DetachedSignatureOptions { MessageType = MessageType.Digest });
        var digest = SHA384.HashData(Message)[..length];

        Assert.Equal(VerificationStatus.Malformed, digestVerifier.Verify(digest, der).Status);
    }

    [Fact]
    public void Ml_dsa_signatures_of_any_wrong_length_or_content_are_invalid()
    {
        var generator = new MLDsaKeyPairGenerator();
        generator.Init(new MLDsaKeyGenerationParameters(new SecureRandom(), MLDsaParameters.ml_dsa_44));
        var pair = generator.GenerateKeyPair();
        var signer = new MLDsaSigner(MLDsaParameters.ml_dsa_44, deterministic: true);
        signer.Init(true, pair.Private);
        signer.BlockUpdate(Message, 0, Message.Length);
        var good = signer.GenerateSignature();
        var mlDsa = new DetachedSignatureVerifier(TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetEncoded())]));
        var lastFlipped = (byte[])good.Clone();
        lastFlipped[^1] ^= 0xFF;

        Assert.True(mlDsa.Verify(Message, good).IsValid);
        foreach (var bad in new[] { [1], good[..^1], [.. good, 0], Enumerable.Repeat((byte)0xFF, good.Length).ToArray(), lastFlipped })
        {
            Assert.Equal(VerificationStatus.InvalidSignature, mlDsa.Verify(Message, bad).Status);
        }
    }

    // ES256 and ES256K are both ECDSA_SHA_256, ML-DSA-44/65/87 all ML_DSA_SHAKE_256: a JOSE name also names the curve or
    // parameter set, as it does for tokens, so asking for ES256K never admits a P-256 key's signature.
    [Theory]
    [InlineData("p256", "ES256K", "ECC_SECG_P256K1", "files/message.txt.p256.der.sig")]
    [InlineData("secp256k1", "ES256", "ECC_NIST_P256", "files/message.txt.secp256k1.der.sig")]
    [InlineData("mldsa65", "ML-DSA-44", "ML_DSA_44", "files/message.txt.mldsa65.sig")]
    [InlineData("mldsa44", "ML-DSA-87", "ML_DSA_87", "files/message.txt.mldsa44.sig")]
    public void A_jose_name_fits_only_keys_of_the_curve_or_parameter_set_it_names(string key, string algorithm, string named, string signature)
    {
        var store = TrustStore.FromKeys([Fixtures.Key(key)]);

        var refused = Assert.Throws<KmsSignatureException>(() => new DetachedSignatureVerifier(store, new DetachedSignatureOptions().WithAlgorithm(algorithm)));
        var kmsName = new DetachedSignatureVerifier(store).WithAlgorithm(DetachedSignatureOptions.ParseAlgorithm(algorithm));

        Assert.Equal("KmsSignature.AlgorithmDoesNotFitKey", refused.ErrorId);
        Assert.Contains($"for {named} keys", refused.Message, StringComparison.Ordinal);
        Assert.True(kmsName.Verify(Fixtures.Bytes("files/message.txt"), Fixtures.Bytes(signature)).IsValid); // the KMS name names no curve
    }

    [Fact]
    public void A_jose_name_checks_a_store_of_both_curves_only_with_keys_of_its_own()
    {
        var store = TrustStore.FromKeys([Fixtures.Key("p256"), Fixtures.Key("secp256k1")]);
        var message = Fixtures.Bytes("files/message.txt");

        var es256k = new DetachedSignatureVerifier(store).WithAlgorithm("ES256K");
        var es256 = new DetachedSignatureVerifier(store, new DetachedSignatureOptions().WithAlgorithm("ES256"));

        Assert.Equal(VerificationStatus.InvalidSignature, es256k.Verify(message, Fixtures.Bytes("files/message.txt.p256.der.sig")).Status);
        Assert.Equal("ECC_SECG_P256K1", es256k.Verify(message, Fixtures.Bytes("files/message.txt.secp256k1.der.sig")).Key?.KeySpecName);
        Assert.Equal(VerificationStatus.InvalidSignature, es256.Verify(message, Fixtures.Bytes("files/message.txt.secp256k1.der.sig")).Status);
        Assert.True(es256.Verify(message, Fixtures.Bytes("files/message.txt.p256.der.sig")).IsValid);
    }
}
