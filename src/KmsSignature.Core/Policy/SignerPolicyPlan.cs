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

    /// <summary>
    /// One line per change, for -WhatIf and -Confirm. A changed statement shows what it says now as well: a member the merge
    /// rewrites (an action or a resource someone added by hand) must be seen going, not only the result.
    /// </summary>
    public string Describe() => HasChanges
        ? string.Join(Environment.NewLine, Changes.Select(c => c.Kind == PolicyChangeKind.Changed
            ? $"{c.Kind} {c.Sid}: {c.Before} -> {c.After}"
            : $"{c.Kind} {c.Sid}: {c.After ?? c.Before}"))
        : "No change: the policy already says this.";
}
