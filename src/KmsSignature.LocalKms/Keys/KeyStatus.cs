using KmsSignature.LocalKms.Policy;

namespace KmsSignature.LocalKms.Keys;

/// <summary>
/// The mutable part of a key as one immutable snapshot, swapped atomically so readers never lock. It holds the names of the
/// key's aliases too, for kms:ResourceAliases: a read evaluates the policy against one snapshot, aliases included.
/// </summary>
internal sealed record KeyStatus(
    string State,
    DateTimeOffset? DeletionDate,
    int? PendingWindowInDays,
    string Description,
    string PolicyText,
    PolicyDocument Policy,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<string> AliasNames)
{
    public bool Enabled => State == "Enabled";
}
