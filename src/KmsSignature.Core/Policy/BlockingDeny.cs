namespace KmsSignature.Core.Policy;

/// <summary>
/// A Deny statement of the key policy that applies to some of the grants in KmsSignature's statements. An explicit Deny
/// always wins over an Allow, so those principals cannot use those actions (when the Deny has a condition: while it holds).
/// </summary>
public sealed class BlockingDeny
{
    internal BlockingDeny(string? sid, int index, IReadOnlyList<string> principals, IReadOnlyList<string> actions, bool conditional)
    {
        Sid = sid;
        Index = index;
        Principals = principals;
        Actions = actions;
        IsConditional = conditional;
    }

    /// <summary>The Deny statement's Sid, or null when it has none (see <see cref="Index"/>).</summary>
    public string? Sid { get; }

    /// <summary>The statement's position in the policy, from 0.</summary>
    public int Index { get; }

    /// <summary>The granted principals it denies.</summary>
    public IReadOnlyList<string> Principals { get; }

    /// <summary>The granted actions it denies them.</summary>
    public IReadOnlyList<string> Actions { get; }

    /// <summary>True when the statement has a Condition, so it may not apply to every request.</summary>
    public bool IsConditional { get; }

    public override string ToString() =>
        $"Statement {(Sid is null ? $"#{Index + 1} (no Sid)" : $"'{Sid}'")} denies {string.Join(", ", Actions)} to {string.Join(", ", Principals)}" +
        (IsConditional ? " when its condition holds" : string.Empty) +
        ": an explicit Deny overrides the Allow in KmsSignature's statements.";
}
