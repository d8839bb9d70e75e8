namespace KmsSignature.LocalKms.Policy;

/// <summary>One condition (operator + key + values) of a statement, already checked to be evaluable by LocalKms.</summary>
internal sealed record PolicyCondition(string Operator, bool IfExists, SetQualifier Qualifier, string Key, IReadOnlyList<string> Values)
{
    /// <summary>The condition keys LocalKms can evaluate (lower case); any other key is refused when the policy is set.</summary>
    public static readonly IReadOnlySet<string> SupportedKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "kms:SigningAlgorithm", "kms:MessageType", "kms:CallerAccount", "kms:ViaService", "kms:KeySpec", "kms:KeyUsage",
        "kms:KeyOrigin", "kms:MultiRegion", "kms:RequestAlias", "kms:ResourceAliases", "aws:PrincipalArn", "aws:PrincipalAccount",
        "kms:BypassPolicyLockoutSafetyCheck", "kms:CustomerMasterKeySpec", "kms:CustomerMasterKeyUsage",
    };

    public static bool IsSupportedKey(string key) => SupportedKeys.Contains(key) || RequestContext.IsResourceTagKey(key);

    /// <summary>The condition operators LocalKms can evaluate (without the IfExists suffix and set prefix).</summary>
    public static readonly IReadOnlySet<string> SupportedOperators = new HashSet<string>(StringComparer.Ordinal)
    {
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike", "Null", "Bool",
    };

    private bool IsNegated => Operator is "StringNotEquals" or "StringNotEqualsIgnoreCase" or "StringNotLike";

    public bool Evaluate(RequestContext context)
    {
        var actual = context.Values(Key);
        if (Operator == "Null")
        {
            // "Null": "true" means the key must be absent.
            var wantAbsent = Values.Any(static v => string.Equals(v, "true", StringComparison.OrdinalIgnoreCase));
            return wantAbsent == (actual.Count == 0);
        }

        if (actual.Count == 0)
        {
            return Qualifier switch
            {
                SetQualifier.ForAllValues => true,
                SetQualifier.ForAnyValue => false,
                _ => IfExists || IsNegated,
            };
        }

        return Qualifier switch
        {
            SetQualifier.ForAllValues => actual.All(SingleValueHolds),
            _ => IsNegated ? actual.All(SingleValueHolds) : actual.Any(SingleValueHolds),
        };
    }

    private bool SingleValueHolds(string actual) => Operator switch
    {
        "StringEquals" => Values.Any(v => string.Equals(v, actual, StringComparison.Ordinal)),
        "StringNotEquals" => !Values.Any(v => string.Equals(v, actual, StringComparison.Ordinal)),
        "StringEqualsIgnoreCase" => Values.Any(v => string.Equals(v, actual, StringComparison.OrdinalIgnoreCase)),
        "StringNotEqualsIgnoreCase" => !Values.Any(v => string.Equals(v, actual, StringComparison.OrdinalIgnoreCase)),
        "StringLike" => Values.Any(v => Wildcard.IsMatch(v, actual, ignoreCase: false)),
        "StringNotLike" => !Values.Any(v => Wildcard.IsMatch(v, actual, ignoreCase: false)),
        "Bool" => Values.Any(v => string.Equals(v, actual, StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };
}
