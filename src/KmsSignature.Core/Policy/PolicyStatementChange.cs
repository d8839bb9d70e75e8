namespace KmsSignature.Core.Policy;

/// <summary>One of our statements added, changed or removed, with its JSON before and after (null when absent).</summary>
public sealed class PolicyStatementChange
{
    public PolicyStatementChange(string sid, PolicyChangeKind kind, string? before, string? after)
    {
        Sid = sid;
        Kind = kind;
        Before = before;
        After = after;
    }

    public string Sid { get; }

    public PolicyChangeKind Kind { get; }

    public string? Before { get; }

    public string? After { get; }

    public override string ToString() => $"{Kind} statement {Sid}";
}
