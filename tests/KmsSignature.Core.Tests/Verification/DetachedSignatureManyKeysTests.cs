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
    private TrustStore MixedStore() =>
        TrustStore.FromKeys([PublicKeys.Of(otherRsa), PublicKeys.Of(p384), PublicKeys.Of(otherEd), PublicKeys.Of(p256), PublicKeys.Of(ed), PublicKeys.Of(rsa)]);

    private DetachedSignatureVerifier MixedVerifier() => new(MixedStore());

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
    // A message over MaxInMemoryMessageLength cannot be checked by the whole-message keys (pure Ed25519), but the keys that
    // sign a hash still check it, as each would alone: whole-message keys among them made it MessageTooLarge, blaming the
    // first key (here RSA) for signing the whole message.
    [Theory]
    [InlineData("file")]
    [InlineData("stream")]
    [InlineData("pipe")]
    public void A_message_over_the_in_memory_bound_verifies_with_a_key_that_signs_a_hash_among_whole_message_keys(string source)
    {
        var verifier = new DetachedSignatureVerifier(MixedStore(), new DetachedSignatureOptions { MaxInMemoryMessageLength = Message.Length - 1 });
        var signature = rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var result = Verify(verifier, source, signature);

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(PublicKeys.Of(rsa), result.Key);
    }

    // Signed by a whole-message key, the answer is still that the message is too large for it, not InvalidSignature.
    [Theory]
    [InlineData("file")]
    [InlineData("stream")]
    [InlineData("pipe")]
    public void A_message_over_the_in_memory_bound_that_no_key_signing_a_hash_verifies_is_too_large(string source)
    {
        var verifier = new DetachedSignatureVerifier(MixedStore(), new DetachedSignatureOptions { MaxInMemoryMessageLength = Message.Length - 1 });

        var result = Verify(verifier, source, EdSignature(ed));

        Assert.Equal(VerificationStatus.MessageTooLarge, result.Status);
        Assert.Equal(PublicKeys.Of(otherEd), result.Key); // the first whole-message key: none of them could check it
        Assert.StartsWith("ED25519_SHA_512 signs the whole message", result.Reason);
    }

    private VerificationResult Verify(DetachedSignatureVerifier verifier, string source, byte[] signature)
    {
        var (file, signatureFile) = Files(signature);
        return source switch
        {
            "file" => verifier.VerifyFile(file, signatureFile),
            "stream" => verifier.Verify(new MemoryStream(Message), signature),
            _ => verifier.Verify(new Pipe(Message), signature), // the bytes read to find it too large cannot be read again
        };
    }

    // A stream that cannot seek, read a little at a time, as a pipe is.
    private sealed class Pipe(byte[] bytes) : PipeLikeStream
    {
        private int position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var length = Math.Min(Math.Min(count, 1000), bytes.Length - position);
            bytes.AsSpan(position, length).CopyTo(buffer.AsSpan(offset));
            position += length;
            return length;
        }
    }
}
