using System.Text.Json;
using System.Text.RegularExpressions;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Policy;

/// <summary>
/// A parsed key policy or identity policy. Parsing is the validation: anything LocalKms could not
/// evaluate faithfully (an unknown condition key or operator) is refused with MalformedPolicyDocumentException
/// rather than silently ignored.
/// </summary>
internal sealed partial class PolicyDocument
{
    private PolicyDocument(IReadOnlyList<PolicyStatement> statements) => Statements = statements;

    public IReadOnlyList<PolicyStatement> Statements { get; }

    [GeneratedRegex(@"^arn:aws[a-z-]*:(iam|sts)::\d{12}:.+$")]
    private static partial Regex PrincipalArnPattern();

    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountIdPattern();

    private static KmsErrorException Malformed(string message) => new("MalformedPolicyDocumentException", message);

    public static PolicyDocument Parse(string text, bool isKeyPolicy)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException ex)
        {
            throw Malformed($"The policy is not valid JSON: {ex.Message}");
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed("The policy must be a JSON object.");
            }

            if (root.TryGetProperty("Version", out var version)
                && (version.ValueKind != JsonValueKind.String || version.GetString() is not ("2012-10-17" or "2008-10-17")))
            {
                throw Malformed("The policy Version must be \"2012-10-17\" or \"2008-10-17\".");
            }

            if (!root.TryGetProperty("Statement", out var statementElement))
            {
                throw Malformed("The policy is missing the required element Statement.");
            }

            var statements = new List<PolicyStatement>();
            CheckUniqueSids(statementElement);
            switch (statementElement.ValueKind)
            {
                case JsonValueKind.Object:
                    AddEffective(statements, ParseStatement(statementElement, isKeyPolicy));
                    break;
                case JsonValueKind.Array:
                    foreach (var item in statementElement.EnumerateArray())
                    {
                        if (item.ValueKind != JsonValueKind.Object)
                        {
                            throw Malformed("Each policy Statement must be a JSON object.");
                        }

                        AddEffective(statements, ParseStatement(item, isKeyPolicy));
                    }

                    break;
                default:
                    throw Malformed("The policy Statement must be an object or an array of objects.");
            }

            return new PolicyDocument(statements);
        }
    }

    /// <summary>IAM: "Statement IDs (SID) in a single policy must be unique."</summary>
    private static void CheckUniqueSids(JsonElement statements)
    {
        if (statements.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var statement in statements.EnumerateArray())
        {
            if (statement.ValueKind == JsonValueKind.Object && statement.TryGetProperty("Sid", out var sid))
            {
                if (sid.ValueKind != JsonValueKind.String)
                {
                    throw Malformed("Policy statement Sid must be a string.");
                }

                if (!seen.Add(sid.GetString()!))
                {
                    throw Malformed($"Statement IDs (SID) in a single policy must be unique: duplicate Sid \"{sid.GetString()}\".");
                }
            }
        }
    }

    private static void AddEffective(List<PolicyStatement> statements, PolicyStatement? statement)
    {
        if (statement is not null)
        {
            statements.Add(statement);
        }
    }

    /// <summary>The statement, or null for a key policy statement that has no effect (no Action/NotAction or no Resource/NotResource).</summary>
    private static PolicyStatement? ParseStatement(JsonElement statement, bool isKeyPolicy)
    {
        var effect = statement.TryGetProperty("Effect", out var effectElement) && effectElement.ValueKind == JsonValueKind.String
            ? effectElement.GetString() switch
            {
                "Allow" => PolicyEffect.Allow,
                "Deny" => PolicyEffect.Deny,
                _ => throw Malformed("Policy statement Effect must be \"Allow\" or \"Deny\"."),
            }
            : throw Malformed("Policy statement is missing the required element Effect.");

        IReadOnlyList<string>? principals = null;
        var notPrincipal = statement.TryGetProperty("NotPrincipal", out var principalElement);
        if (notPrincipal || statement.TryGetProperty("Principal", out principalElement))
        {
            if (!isKeyPolicy)
            {
                throw Malformed("An identity policy must not contain a Principal element.");
            }

            principals = ParsePrincipals(principalElement);
        }
        else if (isKeyPolicy)
        {
            throw Malformed("Policy contains a statement with no principal.");
        }

        var action = ParseEither(statement, "Action", "NotAction");
        var resource = ParseEither(statement, "Resource", "NotResource");
        if (isKeyPolicy && (action is null || resource is null))
        {
            // CreateKey/PutKeyPolicy: "If either of the required Resource or Action elements are missing from a key policy
            // statement, the policy statement has no effect. ... the CreateKey and PutKeyPolicy API requests succeed, even
            // though the policy statement is ineffective." Kept in the stored text, left out of evaluation.
            return null;
        }

        var (actions, notAction) = action ?? throw Malformed("Policy statement is missing the required element Action.");
        var (resources, notResource) = resource ?? throw Malformed("Policy statement is missing the required element Resource.");

        var conditions = statement.TryGetProperty("Condition", out var conditionElement)
            ? ParseConditions(conditionElement, isKeyPolicy)
            : [];

        return new PolicyStatement(effect, principals, notPrincipal, actions, notAction, resources, notResource, conditions);
    }

    private static List<string> ParsePrincipals(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            return element.GetString() == "*"
                ? ["*"]
                : throw Malformed("Policy contains a statement with one or more invalid principals.");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("Policy contains a statement with one or more invalid principals.");
        }

        var principals = new List<string>();
        foreach (var property in element.EnumerateObject())
        {
            var values = StringOrArray(property.Value, "Principal");
            if (property.Name == "AWS")
            {
                foreach (var value in values)
                {
                    // IAM: "You cannot use a wildcard to match part of a principal name or ARN" (Principal element): "*" is
                    // everyone, and an ARN holding a wildcard names no principal, so KMS refuses it rather than match nothing.
                    if (value != "*" && ((!AccountIdPattern().IsMatch(value) && !PrincipalArnPattern().IsMatch(value)) || value.AsSpan().IndexOfAny('*', '?') >= 0))
                    {
                        throw Malformed("Policy contains a statement with one or more invalid principals.");
                    }

                    principals.Add(value);
                }
            }
            else if (property.Name is not ("Service" or "Federated" or "CanonicalUser"))
            {
                throw Malformed("Policy contains a statement with one or more invalid principals.");
            }

            // Service/Federated principals are kept valid but can never be a LocalKms caller.
        }

        return principals;
    }

    private static (List<string> Values, bool Negated)? ParseEither(JsonElement statement, string name, string notName)
    {
        var has = statement.TryGetProperty(name, out var value);
        var hasNot = statement.TryGetProperty(notName, out var notValue);
        if (has && hasNot)
        {
            throw Malformed($"Policy statement must not contain both {name} and {notName}.");
        }

        if (has)
        {
            return (StringOrArray(value, name), false);
        }

        return hasNot ? (StringOrArray(notValue, notName), true) : null;
    }

    private static List<string> StringOrArray(JsonElement element, string name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return [element.GetString()!];
            case JsonValueKind.Array:
                var values = new List<string>();
                foreach (var item in element.EnumerateArray())
                {
                    values.Add(item.ValueKind switch
                    {
                        JsonValueKind.String => item.GetString()!,
                        JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number => item.GetRawText(),
                        _ => throw Malformed($"Policy element {name} must hold strings."),
                    });
                }

                return values;
            case JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number:
                return [element.GetRawText()];
            default:
                throw Malformed($"Policy element {name} must be a string or an array of strings.");
        }
    }

    private static List<PolicyCondition> ParseConditions(JsonElement element, bool isKeyPolicy)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("Policy statement Condition must be a JSON object.");
        }

        if (isKeyPolicy)
        {
            RejectIamOnlyKeys(element);
        }

        var conditions = new List<PolicyCondition>();
        foreach (var operatorProperty in element.EnumerateObject())
        {
            var name = operatorProperty.Name;
            var qualifier = SetQualifier.None;
            if (name.StartsWith("ForAnyValue:", StringComparison.Ordinal))
            {
                qualifier = SetQualifier.ForAnyValue;
                name = name["ForAnyValue:".Length..];
            }
            else if (name.StartsWith("ForAllValues:", StringComparison.Ordinal))
            {
                qualifier = SetQualifier.ForAllValues;
                name = name["ForAllValues:".Length..];
            }

            var ifExists = name.EndsWith("IfExists", StringComparison.Ordinal) && name != "IfExists";
            if (ifExists)
            {
                name = name[..^"IfExists".Length];
            }

            if (!PolicyCondition.SupportedOperators.Contains(name))
            {
                throw Malformed(
                    $"LocalKms cannot evaluate the condition operator '{operatorProperty.Name}'; it supports "
                    + $"{string.Join(", ", PolicyCondition.SupportedOperators)} with IfExists and ForAnyValue:/ForAllValues:. "
                    + "The policy was refused rather than evaluated incorrectly.");
            }

            if (operatorProperty.Value.ValueKind != JsonValueKind.Object)
            {
                throw Malformed($"Condition operator '{operatorProperty.Name}' must map condition keys to values.");
            }

            foreach (var keyProperty in operatorProperty.Value.EnumerateObject())
            {
                if (!PolicyCondition.IsSupportedKey(keyProperty.Name))
                {
                    throw Malformed(
                        $"LocalKms cannot evaluate the condition key '{keyProperty.Name}'; it supports "
                        + $"{string.Join(", ", PolicyCondition.SupportedKeys)}, aws:ResourceTag/<key>. The policy was refused rather than evaluated incorrectly.");
                }

                conditions.Add(new PolicyCondition(name, ifExists, qualifier, keyProperty.Name, StringOrArray(keyProperty.Value, keyProperty.Name)));
            }
        }

        return conditions;
    }

    /// <summary>
    /// aws:ResourceTag/* and kms:ResourceAliases are "IAM policy only" (KMS Developer Guide, ABAC for AWS KMS): KMS refuses a key
    /// policy that uses them with MalformedPolicyDocumentException "These condition keys are not permitted in a key policy".
    /// </summary>
    private static void RejectIamOnlyKeys(JsonElement condition)
    {
        var refused = new List<string>();
        foreach (var operatorProperty in condition.EnumerateObject())
        {
            if (operatorProperty.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var keyProperty in operatorProperty.Value.EnumerateObject())
            {
                var key = keyProperty.Name;
                if ((RequestContext.IsResourceTagKey(key) || string.Equals(key, "kms:ResourceAliases", StringComparison.OrdinalIgnoreCase))
                    && !refused.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    refused.Add(key);
                }
            }
        }

        if (refused.Count > 0)
        {
            throw Malformed($"These condition keys are not permitted in a key policy: {string.Join(", ", refused)}. "
                + "KMS allows them in IAM policies only.");
        }
    }
}
