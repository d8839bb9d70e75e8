namespace KmsSignature.Core.Kms;

/// <summary>The four ways KMS lets a caller name a key.</summary>
public enum KmsKeyIdentifierKind
{
    KeyId,
    KeyArn,
    AliasName,
    AliasArn,
}
