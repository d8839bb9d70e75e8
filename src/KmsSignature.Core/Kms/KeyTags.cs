namespace KmsSignature.Core.Kms;

/// <summary>
/// KMS's rules for the tags of a new key (CreateKey Tags; "Tagging keys" in the KMS Developer Guide): at most 50, keys of
/// 1–128 characters not beginning with <c>aws:</c> (reserved for AWS, in any case), values of at most 256 characters.
/// Checked before CreateKey: KMS refused them only after the call, and answered a 51st tag with LimitExceededException,
/// which the SDK retries as throttling (seconds of retries for a typo).
/// </summary>
public static class KeyTags
{
    public const int MaxTags = 50;
    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 256;

    public static void Validate(IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count > MaxTags)
        {
            throw new KmsSignatureException("TooManyTags", ErrorKind.InvalidArgument,
                $"-Tag has {tags.Count} tags; a KMS key can have at most {MaxTags}.", tags.Count);
        }

        foreach (var (key, value) in tags)
        {
            string? problem = key.Length is 0 or > MaxKeyLength ? $"a tag key must be 1 to {MaxKeyLength} characters long, not {key.Length}"
                : key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) ? "tag keys beginning with 'aws:' are reserved for AWS"
                : value.Length > MaxValueLength ? $"a tag value may be at most {MaxValueLength} characters long, not {value.Length}"
                : null;
            if (problem is not null)
            {
                throw new KmsSignatureException("InvalidTag", ErrorKind.InvalidArgument, $"-Tag '{key}': {problem}.", key);
            }
        }
    }
}
