namespace KmsSignature.LocalKms.Keys;

/// <summary>One KMS key: immutable identity and material, plus a <see cref="KeyStatus"/> snapshot.</summary>
internal sealed class KmsKey(string keyId, string arn, KeySpecInfo spec, string keyUsage, DateTimeOffset creationDate, bool multiRegion, KeyMaterial material, KeyStatus status)
{
    private KeyStatus _status = status;

    public string KeyId { get; } = keyId;

    public string Arn { get; } = arn;

    public KeySpecInfo Spec { get; } = spec;

    public string KeyUsage { get; } = keyUsage;

    public DateTimeOffset CreationDate { get; } = creationDate;

    public bool MultiRegion { get; } = multiRegion;

    public KeyMaterial Material { get; } = material;

    public KeyStatus Status => Volatile.Read(ref _status);

    /// <summary>Only called under the store's mutation lock.</summary>
    public void SetStatus(KeyStatus status) => Volatile.Write(ref _status, status);
}
