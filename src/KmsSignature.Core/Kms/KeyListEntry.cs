namespace KmsSignature.Core.Kms;

/// <summary>
/// One key of a listing, in listing order: the key, or why that one key could not be read (AccessDenied on
/// DescribeKey for another team's key, say). One unreadable key must not hide all the others.
/// </summary>
public readonly record struct KeyListEntry(KmsSigningKey? Key, KmsSignatureException? Error);
