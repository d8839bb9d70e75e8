namespace KmsSignature.Core.Policy;

/// <summary>A read-only view of one statement, for output (Sid, Effect, principals, actions, whether we own it, its JSON).</summary>
public sealed class KeyPolicyStatement
{
    internal KeyPolicyStatement(string? sid, string? effect, IReadOnlyList<string> principals, IReadOnlyList<string> actions, bool isOwned, string json)
    {
        Sid = sid;
        Effect = effect;
        Principals = principals;
        Actions = actions;
        IsOwned = isOwned;
        Json = json;
    }

    public string? Sid { get; }

    public string? Effect { get; }

    public IReadOnlyList<string> Principals { get; }

    public IReadOnlyList<string> Actions { get; }

    /// <summary>True for the KmsSignature* statements this module manages.</summary>
    public bool IsOwned { get; }

    public string Json { get; }

    public override string ToString() => Json;
}
