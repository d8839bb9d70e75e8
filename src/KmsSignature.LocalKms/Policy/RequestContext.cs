namespace KmsSignature.LocalKms.Policy;

/// <summary>The condition-key values of one request (kms:SigningAlgorithm, kms:CallerAccount, ...).</summary>
internal sealed class RequestContext
{
    private readonly Dictionary<string, string[]> _values = new(StringComparer.OrdinalIgnoreCase);

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

    public IReadOnlyList<string> Values(string key) => _values.TryGetValue(key, out var values) ? values : [];
}
