using System.Text.Json;
using KmsSignature.LocalKms.Policy;
using KmsSignature.LocalKms.Protocol;

namespace KmsSignature.LocalKms.Operations;

/// <summary>One request as an operation sees it: the authenticated caller, the parsed body and the response writer (inside the response object).</summary>
internal sealed class OperationContext(CallerIdentity caller, JsonInput input, Utf8JsonWriter output)
{
    public CallerIdentity Caller { get; } = caller;

    public JsonInput Input { get; } = input;

    public Utf8JsonWriter Output { get; } = output;

    /// <summary>The alias name the request identified its key by, for the kms:RequestAlias condition key.</summary>
    public string? RequestAlias { get; set; }

    /// <summary>
    /// aws:PrincipalArn is the role's ARN for an assumed-role session: "For IAM roles, the request context returns the ARN of
    /// the role, not the ARN of the user that assumed the role" (IAM User Guide, AWS global condition context keys).
    /// </summary>
    public RequestContext NewRequestContext() =>
        CallerRequestContext().Set("kms:BypassPolicyLockoutSafetyCheck", BypassPolicyLockoutSafetyCheck);

    /// <summary>
    /// The BypassPolicyLockoutSafetyCheck member of a CreateKey or PutKeyPolicy request ("true"/"false"), for the condition key
    /// of that name; null when the request does not include it, as the key is then absent ("Null" condition).
    /// </summary>
    public string? BypassPolicyLockoutSafetyCheck { get; set; }

    /// <summary>Only the caller's keys: the context of a later request, which the lockout safety check asks about.</summary>
    public RequestContext CallerRequestContext() => new(Caller.RoleArn ?? Caller.Arn, Caller.Account);
}
