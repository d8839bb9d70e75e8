using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsSignature.Core.Jose;
using KmsSignature.Core.Kms;
using KmsSignature.Core.Signing;
using KmsSignature.LocalKms;

namespace KmsSignature.Core.Tests.Signing;

/// <summary>
/// A header's jwk and x5c name the key that signed (RFC 7515 §4.1.3, §4.1.6), and verifiers that trust them verify
/// with that key: one that is not the KMS key would make tokens those verifiers reject or read as another key's.
/// </summary>
public sealed class JwtHeaderKeyMemberTests : IAsyncLifetime
{
    private LocalKmsServer kms = null!;
    private AmazonKeyManagementServiceClient client = null!;
    private SigningKey key = null!;

    public async Task InitializeAsync()
    {
        kms = await LocalKmsServer.StartAsync();
        client = new AmazonKeyManagementServiceClient(new BasicAWSCredentials(kms.Admin.AccessKeyId, kms.Admin.SecretAccessKey),
            new AmazonKeyManagementServiceConfig { ServiceURL = kms.Endpoint.ToString(), AuthenticationRegion = kms.Region });
        var arn = (await client.CreateKeyAsync(new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" })).KeyMetadata.Arn;
        key = await SigningKey.ResolveAsync(new KmsConnection(client, client, kms.Region, kms.Endpoint, "test"), arn, NullOperationLog.Instance, default);
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await kms.DisposeAsync();
    }

    [Fact]
    public async Task A_jwk_or_x5c_of_another_key_or_not_of_their_form_is_refused_before_any_Sign()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherJwk = Members(KmsSignature.Core.Keys.PublicKey.FromSpki(other.ExportSubjectPublicKeyInfo()).ToJwk());
        var otherCertificate = Convert.ToBase64String(CertificateFor(other.ExportSubjectPublicKeyInfo()));
        var cases = new (string Name, object? Value)[]
        {
            ("jwk", otherJwk),
            ("jwk", key.PublicKey.ToJwk()), // a string, not the JSON object RFC 7515 §4.1.3 asks for
            ("jwk", Members(key.PublicKey.ToJwk()).Append(new("d", "AAAA")).ToList()),
            ("x5c", new object?[] { otherCertificate, Convert.ToBase64String(CertificateFor(key.PublicKey.Spki.ToArray())) }),
            ("x5c", new object?[] { "not base64!" }),
            ("x5c", new object?[] { Convert.ToBase64String("not a certificate"u8) }),
            ("x5c", Convert.ToBase64String(CertificateFor(key.PublicKey.Spki.ToArray()))), // a string, not an array
            ("x5c", Array.Empty<object?>()),
            // The signing key's certificate, then base64 that is no certificate: verifiers validating the chain reject it.
            ("x5c", new object?[] { Convert.ToBase64String(CertificateFor(key.PublicKey.Spki.ToArray())), Convert.ToBase64String("garbage"u8) }),
        };

        foreach (var (name, value) in cases)
        {
            var options = new JwtSignerOptions { Header = [new(name, value)] };
            var error = await Assert.ThrowsAsync<KmsSignatureException>(() => JwtSigner.CreateAsync(key, options, default));
            Assert.Equal("KmsSignature.InvalidHeaderValue", error.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, error.Kind);
            Assert.Equal(name, error.Target);
            Assert.DoesNotContain("AAAA", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_jwk_or_x5c_of_the_signing_key_is_kept_as_given()
    {
        var certificate = Convert.ToBase64String(CertificateFor(key.PublicKey.Spki.ToArray()));
        using var issuer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerCertificate = Convert.ToBase64String(CertificateFor(issuer.ExportSubjectPublicKeyInfo()));
        var options = new JwtSignerOptions
        {
            Header = [new("jwk", Members(key.PublicKey.ToJwk())), new("x5c", new object?[] { certificate, issuerCertificate }), new("jku", "https://issuer.example/jwks.json")],
        };

        var signer = await JwtSigner.CreateAsync(key, options, default);

        using var header = JsonDocument.Parse(signer.HeaderJson);
        Assert.Equal(key.PublicKey, KmsSignature.Core.Keys.PublicKey.FromJwk(header.RootElement.GetProperty("jwk").GetRawText()));
        Assert.Equal([certificate, issuerCertificate], header.RootElement.GetProperty("x5c").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("https://issuer.example/jwks.json", header.RootElement.GetProperty("jku").GetString());
    }

    private static List<KeyValuePair<string, object?>> Members(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, p.Value.GetString())).ToList();

    // A certificate for the given public key, issued by a throwaway CA (as a private CA would certify a KMS key).
    private static byte[] CertificateFor(byte[] spki)
    {
        using var ca = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var subject = ECDsa.Create();
        subject.ImportSubjectPublicKeyInfo(spki, out _);
        var request = new CertificateRequest(new X500DistinguishedName("CN=Signer"), subject, HashAlgorithmName.SHA256);
        using var certificate = request.Create(new X500DistinguishedName("CN=Test CA"), X509SignatureGenerator.CreateForECDsa(ca), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3]);
        return certificate.RawData;
    }
}
