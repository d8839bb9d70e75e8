using System.Text;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Operations;

internal sealed partial class KmsOperations
{
    /// <summary>A KMS key has exactly one key policy, named "default".</summary>
    private static void RequireDefaultPolicyName(OperationContext context)
    {
        var name = context.Input.String("PolicyName", 1, 128);
        if (name is not null && name != "default")
        {
            throw KmsErrorException.NotFound($"No such policy exists: {name}. The only key policy name is \"default\".");
        }
    }

    private void GetKeyPolicy(OperationContext context)
    {
        var key = ResolveKey(context, allowAlias: false);
        RequireDefaultPolicyName(context);
        Authorize(context, "kms:GetKeyPolicy", key);
        context.Output.WriteString("Policy", key.Status.PolicyText);
        context.Output.WriteString("PolicyName", "default");
    }

    private void PutKeyPolicy(OperationContext context)
    {
        var key = ResolveKey(context, allowAlias: false);
        RequireDefaultPolicyName(context);
        var policyText = context.Input.RequiredString("Policy", 1, PolicyMaxLength);
        var bypass = context.Input.Bool("BypassPolicyLockoutSafetyCheck") ?? false;
        Authorize(context, "kms:PutKeyPolicy", key);
        CheckPolicyQuota(policyText);
        var policy = PolicyDocument.Parse(policyText, isKeyPolicy: true);
        if (!bypass)
        {
            CheckLockoutSafety(context, policy, key.Arn);
        }

        _store.Mutate(() => key.SetStatus(key.Status with { PolicyText = policyText, Policy = policy }));
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
        var key = ResolveKey(context, allowAlias: false);
        context.Input.Int("Limit", 1, 1000);
        context.Input.String("Marker", 1, 320);
        Authorize(context, "kms:ListKeyPolicies", key);
        WriteStrings(context.Output, "PolicyNames", ["default"]);
        context.Output.WriteBoolean("Truncated", false);
    }
}
