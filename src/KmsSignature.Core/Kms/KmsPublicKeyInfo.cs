namespace KmsSignature.Core.Kms;

/// <summary>What KMS GetPublicKey says about a key: enough to verify offline without KMS ever again.</summary>
public sealed class KmsPublicKeyInfo
{
    public KmsPublicKeyInfo(string keyArn, string keySpec, string keyUsage, IReadOnlyList<string> signingAlgorithms, byte[] subjectPublicKeyInfo)
    {
        KeyArn = keyArn;
        KeySpec = keySpec;
        KeyUsage = keyUsage;
        SigningAlgorithms = signingAlgorithms;
        SubjectPublicKeyInfo = subjectPublicKeyInfo;
    }

    public string KeyArn { get; }

    /// <summary>The bare key id (the last segment of the ARN).</summary>
    public string KeyId => KeyArn[(KeyArn.LastIndexOf('/') + 1)..];

    public string KeySpec { get; }

    public string KeyUsage { get; }

    public IReadOnlyList<string> SigningAlgorithms { get; }

    /// <summary>DER SubjectPublicKeyInfo exactly as KMS returned it.</summary>
    public byte[] SubjectPublicKeyInfo { get; }
}
