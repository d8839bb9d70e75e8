using System.Security.Cryptography;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Keys;
using KmsSignature.Core.Verification;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// A detached signature checked against a store of several keys: the key that signed answers whatever the key types
/// around it, and a message in memory (or a small file read whole) is hashed once per hash, not once per key.
/// </summary>
public sealed class DetachedSignatureManyKeysTests : IDisposable
{
    private static readonly byte[] Message = [.. Enumerable.Range(0, 5000).Select(i => (byte)i)];
    private readonly RSA rsa = RSA.Create(2048);
    private readonly RSA otherRsa = RSA.Create(2048);
    private readonly ECDsa p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
    private readonly ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly Ed25519PrivateKeyParameters ed = new(new SecureRandom());
    private readonly Ed25519PrivateKeyParameters otherEd = new(new SecureRandom());
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("kms-many-keys-");

    public void Dispose()
    {
        rsa.Dispose();
        otherRsa.Dispose();
        p384.Dispose();
        p256.Dispose();
        dir.Delete(recursive: true);
    }

    private static byte[] EdSignature(Ed25519PrivateKeyParameters key)
    {
        var signature = new byte[BcEd25519.SignatureSize];
        key.Sign(BcEd25519.Algorithm.Ed25519, null, Message, 0, Message.Length, signature, 0);
        return signature;
    }

    // Each key's default algorithm: RSA PKCS#1 SHA-256, ECDSA SHA-384 and SHA-256, pure Ed25519.
    private DetachedSignatureVerifier MixedVerifier() =>
        new(TrustStore.FromKeys([PublicKeys.Of(otherRsa), PublicKeys.Of(p384), PublicKeys.Of(otherEd), PublicKeys.Of(p256), PublicKeys.Of(ed), PublicKeys.Of(rsa)]));

    private (string File, string Signature) Files(byte[] signature)
    {
        var file = Path.Combine(dir.FullName, "message.bin");
        var signatureFile = Path.Combine(dir.FullName, Guid.NewGuid().ToString("N") + ".sig");
        File.WriteAllBytes(file, Message);
        File.WriteAllBytes(signatureFile, signature);
        return (file, signatureFile);
    }

    public static TheoryData<string> Signers() => ["rsa", "p384", "p256", "p256-der", "ed25519"];

    [Theory]
    [MemberData(nameof(Signers))]
    public void The_key_that_signed_verifies_among_keys_of_every_type_in_memory_and_from_a_file(string signer)
    {
        var (signature, key) = signer switch
        {
            "rsa" => (rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), PublicKeys.Of(rsa)),
            "p384" => (p384.SignData(Message, HashAlgorithmName.SHA384), PublicKeys.Of(p384)),
            "p256" => (p256.SignData(Message, HashAlgorithmName.SHA256), PublicKeys.Of(p256)),
            "p256-der" => (p256.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), PublicKeys.Of(p256)),
            _ => (EdSignature(ed), PublicKeys.Of(ed)),
        };
        var verifier = MixedVerifier();
        var (file, signatureFile) = Files(signature);

        var inMemory = verifier.Verify(Message, signature);
        var fromFile = verifier.VerifyFile(file, signatureFile);

        Assert.True(inMemory.IsValid, inMemory.ToString());
        Assert.Equal(key, inMemory.Key);
        Assert.True(fromFile.IsValid, fromFile.ToString());
        Assert.Equal(key, fromFile.Key);
    }

    [Fact]
    public void A_signature_no_trusted_key_made_is_invalid()
    {
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([PublicKeys.Of(otherRsa), PublicKeys.Of(p384), PublicKeys.Of(otherEd), PublicKeys.Of(p256)]));
        var signatures = new[]
        {
            rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            EdSignature(ed),
            p256.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence).Select((b, i) => i == 10 ? (byte)(b ^ 1) : b).ToArray(),
        };

        var results = signatures.Select(signature => verifier.Verify(Message, signature)).ToArray();

        Assert.All(results, result => Assert.Equal(VerificationStatus.InvalidSignature, result.Status));
    }

    [Fact]
    public void Several_candidate_keys_share_one_hash_of_the_message()
    {
        using var third = RSA.Create(2048);
        var counting = new[] { PublicKeys.Of(otherRsa), PublicKeys.Of(third), PublicKeys.Of(rsa) }.Select(k => new CountingKeyVerifier(KeyVerifier.Create(k))).ToArray();
        var verifier = new DetachedSignatureVerifier(new TrustStore(counting, "test"));
        var signature = rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var (file, signatureFile) = Files(signature);

        var inMemory = verifier.Verify(Message, signature);
        var fromFile = verifier.VerifyFile(file, signatureFile);

        Assert.True(inMemory.IsValid, inMemory.ToString());
        Assert.True(fromFile.IsValid, fromFile.ToString());
        Assert.Equal(0, counting.Sum(c => c.MessageCalls));
        Assert.Equal(6, counting.Sum(c => c.DigestCalls));
        Assert.All(counting, c => Assert.All(c.DigestLengths, length => Assert.Equal(32, length)));
    }
}
