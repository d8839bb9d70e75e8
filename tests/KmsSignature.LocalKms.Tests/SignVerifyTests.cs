using System.Formats.Asn1;
using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsSignature.LocalKms.Tests.Infrastructure;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace KmsSignature.LocalKms.Tests;

[Collection(TestCollection.Name)]
public sealed class SignVerifyTests(LocalKmsFixture fixture)
{
    private static readonly byte[] Message = "LocalKms signs what KMS signs"u8.ToArray();

    public static TheoryData<string, string> AllAlgorithms => new()
    {
        { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256" }, { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384" }, { "RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512" },
        { "RSA_2048", "RSASSA_PSS_SHA_256" }, { "RSA_2048", "RSASSA_PSS_SHA_384" }, { "RSA_2048", "RSASSA_PSS_SHA_512" },
        { "RSA_3072", "RSASSA_PSS_SHA_384" }, { "RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512" },
        { "ECC_NIST_P256", "ECDSA_SHA_256" }, { "ECC_NIST_P384", "ECDSA_SHA_384" }, { "ECC_NIST_P521", "ECDSA_SHA_512" },
        { "ECC_SECG_P256K1", "ECDSA_SHA_256" },
        { "ECC_NIST_EDWARDS25519", "ED25519_SHA_512" },
        { "ML_DSA_44", "ML_DSA_SHAKE_256" }, { "ML_DSA_65", "ML_DSA_SHAKE_256" }, { "ML_DSA_87", "ML_DSA_SHAKE_256" },
    };

    private async Task<SignResponse> SignAsync(string keyId, string algorithm, byte[] message, MessageType? type = null) =>
        await fixture.Admin.SignAsync(new SignRequest { KeyId = keyId, Message = new MemoryStream(message), SigningAlgorithm = algorithm, MessageType = type });

    private Task<VerifyResponse> VerifyAsync(string keyId, string algorithm, byte[] message, byte[] signature, MessageType? type = null) =>
        fixture.Admin.VerifyAsync(new VerifyRequest { KeyId = keyId, Message = new MemoryStream(message), Signature = new MemoryStream(signature), SigningAlgorithm = algorithm, MessageType = type });

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public async Task Sign_then_Verify_round_trips_and_a_tampered_message_is_KMSInvalidSignatureException(string keySpec, string algorithm)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        var signed = await SignAsync(key.KeyId, algorithm, Message);
        Assert.Equal(key.Arn, signed.KeyId);
        Assert.Equal(algorithm, signed.SigningAlgorithm.Value);
        var signature = signed.Signature.ToArray();

        var verified = await VerifyAsync(key.Arn, algorithm, Message, signature);
        Assert.True(verified.SignatureValid);
        Assert.Equal(key.Arn, verified.KeyId);

        var tampered = (byte[])Message.Clone();
        tampered[0] ^= 1;
        await KmsAssert.ErrorAsync<KMSInvalidSignatureException>("KMSInvalidSignatureException", () => VerifyAsync(key.KeyId, algorithm, tampered, signature));
    }

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public async Task Signatures_verify_with_an_independent_verifier_and_the_GetPublicKey_SPKI(string keySpec, string algorithm)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        var signature = (await SignAsync(key.KeyId, algorithm, Message)).Signature.ToArray();
        var spki = (await fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId })).PublicKey.ToArray();
        Assert.True(IndependentlyVerify(algorithm, spki, Message, signature), $"{algorithm} signature did not verify independently");
    }

    /// <summary>.NET for RSA/ECDSA (DER signatures), BouncyCastle for Ed25519 and ML-DSA, each from the SPKI.</summary>
    private static bool IndependentlyVerify(string algorithm, byte[] spki, byte[] message, byte[] signature)
    {
        var hash = algorithm[^3..] switch { "256" => HashAlgorithmName.SHA256, "384" => HashAlgorithmName.SHA384, _ => HashAlgorithmName.SHA512 };
        if (algorithm.StartsWith("RSASSA", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(spki, out _);
            return rsa.VerifyData(message, signature, hash, algorithm.Contains("PSS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1);
        }

        if (algorithm.StartsWith("ECDSA", StringComparison.Ordinal))
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
            return ecdsa.VerifyData(message, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        }

        var publicKey = PublicKeyFactory.CreateKey(spki);
        ISigner signer = algorithm == "ED25519_SHA_512"
            ? new Ed25519Signer()
            : new MLDsaSigner(((MLDsaPublicKeyParameters)publicKey).Parameters, deterministic: false);
        signer.Init(false, publicKey);
        signer.BlockUpdate(message, 0, message.Length);
        return signer.VerifySignature(signature);
    }

    [Theory]
    [MemberData(nameof(AllAlgorithms))]
    public async Task Garbage_signatures_are_KMSInvalidSignatureException_never_a_server_error(string keySpec, string algorithm)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        foreach (var garbage in new[] { new byte[] { 0 }, new byte[] { 0x30, 0x02, 0x02, 0x00 }, RandomNumberGenerator.GetBytes(64), RandomNumberGenerator.GetBytes(6144) })
        {
            await KmsAssert.ErrorAsync<KMSInvalidSignatureException>("KMSInvalidSignatureException", () => VerifyAsync(key.KeyId, algorithm, Message, garbage));
        }
    }

    [Theory]
    [InlineData("ECC_NIST_P256", 32)]
    [InlineData("ECC_NIST_P384", 48)]
    [InlineData("ECC_NIST_P521", 66)]
    public async Task Ecdsa_signatures_are_DER_SEQUENCE_of_two_INTEGERs_like_KMS(string keySpec, int scalarSize)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        for (var i = 0; i < 8; i++)
        {
            var signature = (await SignAsync(key.KeyId, key.SigningAlgorithms[0], Message)).Signature.ToArray();
            var reader = new AsnReader(signature, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var r = sequence.ReadIntegerBytes();
            var s = sequence.ReadIntegerBytes();
            Assert.False(sequence.HasData);
            Assert.False(reader.HasData);
            Assert.InRange(r.Length, 1, scalarSize + 1);
            Assert.InRange(s.Length, 1, scalarSize + 1);
        }
    }

    [Theory]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256")]
    [InlineData("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384")]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_512")]
    [InlineData("ECC_SECG_P256K1", "ECDSA_SHA_256")]
    public async Task A_DIGEST_signature_verifies_as_a_RAW_signature_of_the_message(string keySpec, string algorithm)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        var digest = algorithm[^3..] switch { "256" => SHA256.HashData(Message), "384" => SHA384.HashData(Message), _ => SHA512.HashData(Message) };
        var signature = (await SignAsync(key.KeyId, algorithm, digest, MessageType.DIGEST)).Signature.ToArray();
        Assert.True((await VerifyAsync(key.KeyId, algorithm, Message, signature, MessageType.RAW)).SignatureValid);
        Assert.True((await VerifyAsync(key.KeyId, algorithm, digest, signature, MessageType.DIGEST)).SignatureValid);
    }

    [Fact]
    public async Task Ed25519ph_signs_a_SHA512_DIGEST_and_verifies_with_BouncyCastle()
    {
        var key = await fixture.SigningKeyAsync("ECC_NIST_EDWARDS25519");
        var digest = SHA512.HashData(Message);
        var signature = (await SignAsync(key.KeyId, "ED25519_PH_SHA_512", digest, MessageType.DIGEST)).Signature.ToArray();
        Assert.True((await VerifyAsync(key.KeyId, "ED25519_PH_SHA_512", digest, signature, MessageType.DIGEST)).SignatureValid);

        var spki = (await fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId })).PublicKey.ToArray();
        var verifier = new Ed25519phSigner([]);
        verifier.Init(false, PublicKeyFactory.CreateKey(spki));
        verifier.BlockUpdate(Message, 0, Message.Length);
        Assert.True(verifier.VerifySignature(signature));
    }

    [Theory]
    [InlineData("ML_DSA_44")]
    [InlineData("ML_DSA_65")]
    [InlineData("ML_DSA_87")]
    public async Task ML_DSA_signs_an_EXTERNAL_MU_that_verifies_as_the_RAW_message(string keySpec)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        var spki = (await fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId })).PublicKey.ToArray();
        var publicKey = (MLDsaPublicKeyParameters)PublicKeyFactory.CreateKey(spki);

        // FIPS 204: tr = SHAKE256(pk, 64); mu = SHAKE256(tr || 0x00 || len(ctx)=0 || M, 64).
        var tr = Shake256(publicKey.GetEncoded());
        var mu = Shake256([.. tr, 0, 0, .. Message]);

        var signature = (await SignAsync(key.KeyId, "ML_DSA_SHAKE_256", mu, MessageType.EXTERNAL_MU)).Signature.ToArray();
        Assert.True(IndependentlyVerify("ML_DSA_SHAKE_256", spki, Message, signature));
        Assert.True((await VerifyAsync(key.KeyId, "ML_DSA_SHAKE_256", Message, signature, MessageType.RAW)).SignatureValid);
        Assert.True((await VerifyAsync(key.KeyId, "ML_DSA_SHAKE_256", mu, signature, MessageType.EXTERNAL_MU)).SignatureValid);

        var rawSignature = (await SignAsync(key.KeyId, "ML_DSA_SHAKE_256", Message)).Signature.ToArray();
        Assert.True((await VerifyAsync(key.KeyId, "ML_DSA_SHAKE_256", mu, rawSignature, MessageType.EXTERNAL_MU)).SignatureValid);
        mu[0] ^= 1;
        await KmsAssert.ErrorAsync<KMSInvalidSignatureException>("KMSInvalidSignatureException", () => VerifyAsync(key.KeyId, "ML_DSA_SHAKE_256", mu, rawSignature, MessageType.EXTERNAL_MU));
        await KmsAssert.ErrorAsync("ValidationException", () => SignAsync(key.KeyId, "ML_DSA_SHAKE_256", new byte[32], MessageType.EXTERNAL_MU));
    }

    private static byte[] Shake256(byte[] input)
    {
        var digest = new Org.BouncyCastle.Crypto.Digests.ShakeDigest(256);
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[64];
        digest.OutputFinal(output, 0, 64);
        return output;
    }

    [Theory]
    [InlineData("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", "DIGEST", 64)]
    [InlineData("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", "RAW", 10)]
    [InlineData("ML_DSA_44", "ML_DSA_SHAKE_256", "DIGEST", 64)]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", "EXTERNAL_MU", 64)]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", "DIGEST", 31)]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_512", "DIGEST", 32)]
    public async Task MessageType_and_digest_length_rules_are_ValidationException(string keySpec, string algorithm, string messageType, int length)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        var ex = await KmsAssert.ErrorAsync("ValidationException", () => SignAsync(key.KeyId, algorithm, new byte[length], new MessageType(messageType)));
        Assert.Contains(algorithm, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Raw_messages_over_4096_bytes_are_ValidationException()
    {
        var key = await fixture.SigningKeyAsync("ECC_NIST_P256");
        await SignAsync(key.KeyId, "ECDSA_SHA_256", new byte[4096]);
        var ex = await KmsAssert.ErrorAsync("ValidationException", () => SignAsync(key.KeyId, "ECDSA_SHA_256", new byte[4097]));
        Assert.Contains("4096", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_384")]
    [InlineData("ECC_NIST_P256", "RSASSA_PSS_SHA_256")]
    [InlineData("RSA_2048", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_EDWARDS25519", "ECDSA_SHA_512")]
    public async Task An_algorithm_the_key_does_not_support_is_InvalidKeyUsageException(string keySpec, string algorithm)
    {
        var key = await fixture.SigningKeyAsync(keySpec);
        await KmsAssert.ErrorAsync<InvalidKeyUsageException>("InvalidKeyUsageException", () => SignAsync(key.KeyId, algorithm, Message));
    }

    [Fact]
    public async Task Unknown_algorithm_is_a_ValidationException_naming_the_enum()
    {
        var key = await fixture.SigningKeyAsync("ECC_NIST_P256");
        var ex = await KmsAssert.ErrorAsync("ValidationException", () => SignAsync(key.KeyId, "ES256", Message));
        Assert.Contains("signingAlgorithm", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_on_an_ENCRYPT_DECRYPT_key_is_InvalidKeyUsageException_and_GetPublicKey_UnsupportedOperationException()
    {
        var key = await fixture.NewKeyAsync("SYMMETRIC_DEFAULT", keyUsage: "ENCRYPT_DECRYPT");
        Assert.Equal("ENCRYPT_DECRYPT", key.KeyUsage.Value);
        Assert.Equal(["SYMMETRIC_DEFAULT"], key.EncryptionAlgorithms);
        await KmsAssert.ErrorAsync<InvalidKeyUsageException>("InvalidKeyUsageException", () => SignAsync(key.KeyId, "ECDSA_SHA_256", Message));
        await KmsAssert.ErrorAsync<Amazon.KeyManagementService.Model.UnsupportedOperationException>("UnsupportedOperationException",
            () => fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }));
    }

    [Fact]
    public async Task GrantTokens_beyond_10_or_8192_characters_are_ValidationException()
    {
        // KMS: GrantTokens is a list of 0-10 strings of 1-8192 characters (DescribeKey, GetPublicKey, Sign, Verify).
        var key = await fixture.SigningKeyAsync("ECC_NIST_P256");
        List<string> Tokens(int count, int length = 8) => [.. Enumerable.Range(0, count).Select(i => new string((char)('a' + i), length))];
        var signature = (await fixture.Admin.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream(Message), SigningAlgorithm = "ECDSA_SHA_256", GrantTokens = Tokens(10) })).Signature.ToArray();

        foreach (var tokens in new[] { Tokens(11), Tokens(1, 8193) })
        {
            var ex = await KmsAssert.ErrorAsync("ValidationException",
                () => fixture.Admin.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream(Message), SigningAlgorithm = "ECDSA_SHA_256", GrantTokens = tokens }));
            Assert.Contains("grantTokens", ex.Message, StringComparison.Ordinal);
            await KmsAssert.ErrorAsync("ValidationException",
                () => fixture.Admin.VerifyAsync(new VerifyRequest { KeyId = key.KeyId, Message = new MemoryStream(Message), Signature = new MemoryStream(signature), SigningAlgorithm = "ECDSA_SHA_256", GrantTokens = tokens }));
            await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId, GrantTokens = tokens }));
            await KmsAssert.ErrorAsync("ValidationException", () => fixture.Admin.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId, GrantTokens = tokens }));
        }
    }

    [Fact]
    public async Task DryRun_is_DryRunOperationException_without_signing()
    {
        var key = await fixture.SigningKeyAsync("ECC_NIST_P256");
        await KmsAssert.ErrorAsync<DryRunOperationException>("DryRunOperationException",
            () => fixture.Admin.SignAsync(new SignRequest { KeyId = key.KeyId, Message = new MemoryStream(Message), SigningAlgorithm = "ECDSA_SHA_256", DryRun = true }),
            System.Net.HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task GetPublicKey_returns_DER_SPKI_spec_usage_and_algorithms()
    {
        var key = await fixture.SigningKeyAsync("RSA_2048");
        var response = await fixture.Admin.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.Arn });
        Assert.Equal(key.Arn, response.KeyId);
        Assert.Equal("RSA_2048", response.KeySpec.Value);
#pragma warning disable CS0618 // KMS still returns the deprecated CustomerMasterKeySpec; clients may read it.
        Assert.Equal("RSA_2048", response.CustomerMasterKeySpec.Value);
#pragma warning restore CS0618
        Assert.Equal("SIGN_VERIFY", response.KeyUsage.Value);
        Assert.Equal(
            ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"],
            response.SigningAlgorithms);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(response.PublicKey.ToArray(), out var read);
        Assert.Equal(response.PublicKey.Length, read);
        Assert.Equal(2048, rsa.KeySize);
    }
}
