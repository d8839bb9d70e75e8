namespace KmsSignature.LocalKms.Policy;

/// <summary>
/// The condition-key values of one request (kms:SigningAlgorithm, kms:CallerAccount, ...). Values that
/// come from the key's status (kms:ResourceAliases, aws:ResourceTag/*) are looked up only if a policy asks for them.
/// </summary>
internal sealed class RequestContext
{
    private const string ResourceTagPrefix = "aws:ResourceTag/";
    private readonly Dictionary<string, IReadOnlyList<string>> _values = new(StringComparer.OrdinalIgnoreCase);
    private IReadOnlyList<string>? _resourceAliases;
    private IReadOnlyList<KeyValuePair<string, string>>? _resourceTags;

    public RequestContext(string callerArn, string callerAccount)
    {
        Set("aws:PrincipalArn", callerArn);
        Set("aws:PrincipalAccount", callerAccount);
        Set("kms:CallerAccount", callerAccount);
    }

    public RequestContext Set(string key, string? value)
    {
        if (value is not null)
        {
            _values[key] = [value];
        }

        return this;
    }

    public RequestContext SetResource(IReadOnlyList<string> aliases, IReadOnlyList<KeyValuePair<string, string>> tags)
    {
        _resourceAliases = aliases;
        _resourceTags = tags;
        return this;
    }

    public IReadOnlyList<string> Values(string key)
    {
        // "The kms:CustomerMasterKeySpec and kms:KeySpec condition keys work the same way. Only the names differ" (likewise
        // kms:CustomerMasterKeyUsage and kms:KeyUsage): KMS supports the deprecated names (AWS KMS condition keys).
        key = key.ToLowerInvariant() switch
        {
            "kms:customermasterkeyspec" => "kms:KeySpec",
            "kms:customermasterkeyusage" => "kms:KeyUsage",
            _ => key,
        };

        if (_values.TryGetValue(key, out var values))
        {
            return values;
        }

        if (_resourceAliases is not null && string.Equals(key, "kms:ResourceAliases", StringComparison.OrdinalIgnoreCase))
        {
            return _resourceAliases;
        }

        if (_resourceTags is not null && key.StartsWith(ResourceTagPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var tagKey = key[ResourceTagPrefix.Length..];
            foreach (var tag in _resourceTags)
            {
                // IAM compares tag keys in condition keys case-insensitively, tag values as written.
                if (string.Equals(tag.Key, tagKey, StringComparison.OrdinalIgnoreCase))
                {
                    return [tag.Value];
                }
            }
        }

        return [];
    }

    public static bool IsResourceTagKey(string key) => key.StartsWith(ResourceTagPrefix, StringComparison.OrdinalIgnoreCase) && key.Length > ResourceTagPrefix.Length;
}
