using System.Text;
using KmsSignature.Core.Algorithms;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Signatures;
using KmsSignature.Core.Tests.Signatures;
using KmsSignature.Core.Verification;

namespace KmsSignature.Core.Tests.Verification;

/// <summary>
/// A P-521 DER signature can be 132 bytes, the length of R||S. Length alone cannot tell them apart; a strict DER
/// SEQUENCE can (R||S of P-521 starts with 0x00 or 0x01, never with DER's 0x30).
/// </summary>
public sealed class EcdsaP521DerLengthTests
{
    [Fact]
    public void A_132_byte_der_token_signature_verifies_with_AllowDerSignature_and_is_refused_without()
    {
        var input = Base64Url.Encode("{\"alg\":\"ES512\"}"u8) + "." + Base64Url.Encode("{\"sub\":\"p521\"}"u8);
        var (spki, der) = P521DerSignatures.Make(Encoding.ASCII.GetBytes(input));
        var token = input + "." + Base64Url.Encode(der);
        var store = TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(spki, "p521")]);

        var lenient = new TokenVerifier(store, new TokenValidationOptions { AllowDerSignature = true }).Verify(token);
        var strict = new TokenVerifier(store).Verify(token);
        var rs = new TokenVerifier(store, new TokenValidationOptions { AllowDerSignature = true })
            .Verify(input + "." + Base64Url.Encode(EcdsaSignatureFormat.DerToP1363(der, 66)));

        Assert.Equal(132, der.Length);
        Assert.True(lenient.IsValid, lenient.ToString());
        Assert.True(lenient.DerSignature);
        Assert.Equal(VerificationStatus.InvalidSignature, strict.Status);
        Assert.True(rs.IsValid, rs.ToString());
        Assert.False(rs.DerSignature);
    }

    [Fact]
    public void A_132_byte_der_detached_signature_verifies_binary_and_as_text()
    {
        var message = "a message signed by KMS with an ECC_NIST_P521 key"u8.ToArray();
        var (spki, der) = P521DerSignatures.Make(message);
        var verifier = new DetachedSignatureVerifier(TrustStore.FromKeys([Core.Keys.PublicKey.FromSpki(spki, "p521")]),
            new DetachedSignatureOptions { Algorithm = SignatureAlgorithm.EcdsaSha512 });

        var binary = verifier.Verify(message, der);
        var text = verifier.Verify(message, Encoding.ASCII.GetBytes(Convert.ToBase64String(der)));
        var rs = verifier.Verify(message, EcdsaSignatureFormat.DerToP1363(der, 66));

        Assert.True(binary.IsValid, binary.ToString());
        Assert.True(text.IsValid, text.ToString());
        Assert.True(rs.IsValid, rs.ToString());
    }
}
