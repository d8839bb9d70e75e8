namespace KmsSignature.Core.Signing;

/// <summary>
/// A detached signature made by KMS. Property names match Test-KmsSignature's pipeline parameters
/// (<c>Path</c>, <c>SignaturePath</c>, <c>KeyId</c> = key ARN, <c>Algorithm</c> = KMS name), so
/// <c>... | New-KmsSignature -KeyId k | Test-KmsSignature -KeyId k</c> round-trips.
/// </summary>
public sealed class KmsDetachedSignature
{
    internal KmsDetachedSignature(string? path, string? signaturePath, string keyArn, string algorithm, string messageType, string sha256, long length, byte[] signature)
    {
        Path = path;
        SignaturePath = signaturePath;
        KeyId = keyArn;
        Algorithm = algorithm;
        MessageType = messageType;
        Sha256 = sha256;
        Length = length;
        this.signature = signature;
    }

    private readonly byte[] signature;

    /// <summary>The signed file (null for -Message).</summary>
    public string? Path { get; }

    /// <summary>The signed file again, under the name Test-KmsSignature's -LiteralPath binds from piped objects.</summary>
    public string? FullName => Path;

    /// <summary>Where the signature was written (null when it was only returned).</summary>
    public string? SignaturePath { get; }

    /// <summary>The ARN of the KMS key that signed.</summary>
    public string KeyId { get; }

    /// <summary>The KMS signing algorithm, e.g. RSASSA_PKCS1_V1_5_SHA_256.</summary>
    public string Algorithm { get; }

    /// <summary>RAW (the message itself, up to 4096 bytes) or DIGEST (hashed locally): how KMS was asked. Verifiers check the file either way.</summary>
    public string MessageType { get; }

    /// <summary>SHA-256 of the signed content, lowercase hex as <c>sha256sum</c> prints it.</summary>
    public string Sha256 { get; }

    /// <summary>Length of the signed content in bytes.</summary>
    public long Length { get; }

    /// <summary>The signature bytes (DER for ECDSA, as openssl expects).</summary>
    public byte[] Signature => (byte[])signature.Clone();

    public string SignatureBase64 => Convert.ToBase64String(signature);

    public override string ToString() => SignaturePath ?? SignatureBase64;
}
