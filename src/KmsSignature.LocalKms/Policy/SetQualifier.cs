namespace KmsSignature.LocalKms.Policy;

/// <summary>The IAM multivalued-condition prefixes ForAnyValue: and ForAllValues:.</summary>
internal enum SetQualifier
{
    None,
    ForAnyValue,
    ForAllValues,
}
