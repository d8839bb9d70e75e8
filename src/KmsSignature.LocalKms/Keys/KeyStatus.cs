using KmsSignature.LocalKms.Policy;

namespace KmsSignature.LocalKms.Keys;

/// <summary>The mutable part of a key as one immutable snapshot, swapped atomically so readers never lock.</summary>
internal sealed record KeyStatus(
    string State,
    DateTimeOffset? DeletionDate,
    int? PendingWindowInDays,
    string Description,
    string PolicyText,
    PolicyDocument Policy,
    IReadOnlyList<KeyValuePair<string, string>> Tags)
{
    public bool Enabled => State == "Enabled";
}
