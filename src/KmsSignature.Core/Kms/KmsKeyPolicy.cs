using KmsSignature.Core.Policy;

namespace KmsSignature.Core.Kms;

/// <summary>What Set-KmsSignerPolicy did (Status Updated or NoChange), the statement changes and the resulting policy.</summary>
public sealed class KmsKeyPolicy
{
    internal KmsKeyPolicy(string keyId, string arn, KmsPolicyUpdateStatus status, SignerPolicyPlan plan, string json)
    {
        KeyId = keyId;
        Arn = arn;
        Status = status;
        Changes = plan.Changes;
        BlockingDenies = plan.BlockingDenies;
        Json = json;
        Statements = KeyPolicyStatements.Describe(KeyPolicyDocument.Parse(json, arn));
    }

    public string KeyId { get; }

    public string Arn { get; }

    public KmsPolicyUpdateStatus Status { get; }

    public IReadOnlyList<PolicyStatementChange> Changes { get; }

    /// <summary>Deny statements that apply to some of KmsSignature's grants: those principals cannot use those actions.</summary>
    public IReadOnlyList<BlockingDeny> BlockingDenies { get; }

    /// <summary>Every statement of the resulting policy (ours and others').</summary>
    public IReadOnlyList<KeyPolicyStatement> Statements { get; }

    /// <summary>The resulting policy text as KMS returned it after the write.</summary>
    public string Json { get; }

    public override string ToString() => Json;
}
