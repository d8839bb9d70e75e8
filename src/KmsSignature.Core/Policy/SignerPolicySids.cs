namespace KmsSignature.Core.Policy;

/// <summary>
/// The statement ids KmsSignature owns in a key policy. Stable forever: they are how a later run finds
/// and rewrites its own statements without touching anyone else's.
/// </summary>
public static class SignerPolicySids
{
    /// <summary>Signers: kms:Sign (with the kms:SigningAlgorithm condition when restricted).</summary>
    public const string Signers = "KmsSignatureSigners";

    /// <summary>Signers: kms:DescribeKey and kms:GetPublicKey (kept apart so the algorithm condition never applies to them).</summary>
    public const string SignersPublicKey = "KmsSignatureSignersPublicKey";

    /// <summary>Offline verifiers: kms:DescribeKey and kms:GetPublicKey only, never kms:Sign.</summary>
    public const string Verifiers = "KmsSignatureVerifiers";

    /// <summary>Verifiers that may also call kms:Verify (-AllowKmsVerify).</summary>
    public const string VerifiersKmsVerify = "KmsSignatureVerifiersKmsVerify";

    /// <summary>Ours, in the order new statements are appended.</summary>
    public static IReadOnlyList<string> All { get; } = [Signers, SignersPublicKey, Verifiers, VerifiersKmsVerify];

    public static bool IsOurs(string? sid) => sid is not null && All.Contains(sid, StringComparer.Ordinal);
}
