namespace KmsSignature.Core.Policy;

/// <summary>The result of merging a request into a policy: the new document and what changed. Nothing is sent yet.</summary>
public sealed class SignerPolicyPlan
{
    internal SignerPolicyPlan(KeyPolicyDocument before, KeyPolicyDocument after, IReadOnlyList<PolicyStatementChange> changes)
    {
        Before = before;
        After = after;
        Changes = changes;
        BlockingDenies = DenyStatements.Blocking(after);
    }

    public KeyPolicyDocument Before { get; }

    public KeyPolicyDocument After { get; }

    public IReadOnlyList<PolicyStatementChange> Changes { get; }

    public bool HasChanges => Changes.Count > 0;

    /// <summary>Deny statements of the resulting policy that apply to some of KmsSignature's grants (an explicit Deny wins).</summary>
    public IReadOnlyList<BlockingDeny> BlockingDenies { get; }

    /// <summary>One line per change, for -WhatIf and -Verbose.</summary>
    public string Describe() => HasChanges
        ? string.Join(Environment.NewLine, Changes.Select(c => $"{c.Kind} {c.Sid}: {c.After ?? c.Before}"))
        : "No change: the policy already says this.";
}
