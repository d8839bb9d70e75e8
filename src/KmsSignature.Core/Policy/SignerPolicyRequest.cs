namespace KmsSignature.Core.Policy;

/// <summary>What Set-KmsSignerPolicy (or New-KmsSigningKey) asks of a key policy.</summary>
public sealed record SignerPolicyRequest
{
    public IReadOnlyList<string> Signers { get; init; } = [];

    public IReadOnlyList<string> Verifiers { get; init; } = [];

    /// <summary>True when the request names any signer or verifier.</summary>
    public bool NamesPrincipals => Signers.Count > 0 || Verifiers.Count > 0;

    /// <summary>KMS algorithm names for the kms:SigningAlgorithm condition; null leaves the condition as it is.</summary>
    public IReadOnlyList<string>? SigningAlgorithms { get; init; }

    /// <summary>True adds, false drops the verifiers' kms:Verify statement; null leaves it as it is.</summary>
    public bool? AllowKmsVerify { get; init; }

    /// <summary>Remove the given principals (and algorithms, and kms:Verify) instead of adding them.</summary>
    public bool Remove { get; init; }

    /// <summary>Allow the "*" principal (-Force).</summary>
    public bool AllowEveryone { get; init; }

    /// <summary>
    /// True when the request could change a policy: it names principals, sets or removes signing algorithms, or grants or
    /// drops kms:Verify. -Remove and -Force alone only say how to read the rest.
    /// </summary>
    public bool AsksForChange => NamesPrincipals || SigningAlgorithms is not null || AllowKmsVerify is not null;
}
