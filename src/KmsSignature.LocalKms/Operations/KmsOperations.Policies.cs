using System.Text;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Operations;

internal sealed partial class KmsOperations
{
    /// <summary>
    /// PolicyName is the model's PolicyNameType, 1-128 characters of pattern [\w]+ (ASCII letters, digits, underscore): a
    /// name outside it is a ValidationException before any lookup.
    /// </summary>
    private static string? PolicyName(OperationContext context)
    {
        var name = context.Input.String("PolicyName", 1, 128);
        if (name is not null && !name.All(static c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw KmsErrorException.Constraint("policyName", name, @"Member must satisfy regular expression pattern: [\w]+");
        }

        return name;
    }

    /// <summary>A KMS key has exactly one key policy, named "default".</summary>
    private static void RequireDefaultPolicyName(string? name)
    {
        if (name is not null && name != "default")
        {
            throw KmsErrorException.NotFound($"No such policy exists: {name}. The only key policy name is \"default\".");
        }
    }

    // Request validation first, then key lookup, as KMS does (and Sign, Verify and CreateAlias here).
    private void GetKeyPolicy(OperationContext context)
    {
        var name = PolicyName(context);
        var (key, status) = ResolveForRead(context, "kms:GetKeyPolicy", allowAlias: false);
        RequireDefaultPolicyName(name);
        Authorize(context, "kms:GetKeyPolicy", key, status);
        context.Output.WriteString("Policy", status.PolicyText);
        context.Output.WriteString("PolicyName", "default");
    }

    private void PutKeyPolicy(OperationContext context)
    {
        var name = PolicyName(context);
        var policyText = PolicyText(context.Input) ?? throw KmsErrorException.Constraint("policy", null, "Member must not be null");
        var bypass = BypassMember(context);
        var key = ResolveKey(context, allowAlias: false);
        RequireDefaultPolicyName(name);

        // Here for KMS's error order (access before the policy's own errors), and again where the policy is replaced.
        Authorize(context, "kms:PutKeyPolicy", key);
        CheckPolicyQuota(policyText);
        var policy = PolicyDocument.Parse(policyText, isKeyPolicy: true);
        if (!bypass)
        {
            CheckLockoutSafety(context, policy, key.Arn);
        }

        _store.Mutate(() =>
        {
            // A key pending deletion takes a new policy, but not once its waiting period is over and it is gone; a concurrent
            // PutKeyPolicy may have taken the caller's permission away.
            AuthorizeChange(context, "kms:PutKeyPolicy", key);
            key.SetStatus(key.Status with { PolicyText = policyText, Policy = policy });
        });
    }

    /// <summary>
    /// The Policy member as the API model constrains it: 1-131072 characters of pattern [\u0009\u000A\u000D\u0020-\u00FF]+.
    /// CreateKey/PutKeyPolicy: "A key policy document can include only the following characters: printable ASCII ...,
    /// printable characters in the Basic Latin and Latin-1 Supplement character set (through \u00FF), the tab, line feed
    /// and carriage return" (https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html).
    /// </summary>
    private static string? PolicyText(JsonInput input)
    {
        var text = input.String("Policy", 1, PolicyMaxLength);
        if (text is not null && text.Any(static c => c is not ('\t' or '\n' or '\r' or (>= '\u0020' and <= '\u00FF'))))
        {
            throw KmsErrorException.Constraint("policy", Truncate(text), @"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+");
        }

        return text;
    }

    private static void CheckPolicyQuota(string? policyText)
    {
        if (policyText is not null && Encoding.UTF8.GetByteCount(policyText) is var bytes and > PolicyMaxBytes)
        {
            throw new KmsErrorException("LimitExceededException",
                $"The key policy is {bytes} bytes; a key policy cannot exceed 32 kilobytes ({PolicyMaxBytes} bytes).");
        }
    }

    private void ListKeyPolicies(OperationContext context)
    {
        context.Input.Int("Limit", 1, 1000);
        Marker(context.Input);
        var key = ResolveKey(context, allowAlias: false);
        Authorize(context, "kms:ListKeyPolicies", key);
        WriteStrings(context.Output, "PolicyNames", ["default"]);
        context.Output.WriteBoolean("Truncated", false);
    }
}
