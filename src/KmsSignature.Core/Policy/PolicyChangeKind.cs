namespace KmsSignature.Core.Policy;

/// <summary>What a policy update does to one of our statements.</summary>
public enum PolicyChangeKind
{
    Added,
    Changed,
    Removed,
}
