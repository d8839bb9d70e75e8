namespace KmsSignature.LocalKms.Policy;

/// <summary>
/// KMS authorization for a caller in the key's account: an explicit Deny in the key policy or the
/// identity policy wins; otherwise a key-policy Allow naming the caller (or "*") grants; a key-policy
/// Allow naming the account root only delegates, so an identity-policy Allow is then also needed.
/// Without a key (CreateKey, ListKeys, ListAliases) only the identity policy decides.
/// </summary>
internal static class PolicyEvaluator
{
    public static AuthorizationOutcome Evaluate(CallerIdentity caller, string action, string resource, PolicyDocument? keyPolicy, RequestContext context)
    {
        var identityAllows = false;
        if (caller.IdentityPolicy is { } identity)
        {
            foreach (var statement in identity.Statements)
            {
                if (!statement.MatchesAction(action) || !statement.MatchesResource(resource) || !statement.ConditionsHold(context))
                {
                    continue;
                }

                if (statement.Effect == PolicyEffect.Deny)
                {
                    return AuthorizationOutcome.ExplicitDenyInIdentityPolicy;
                }

                identityAllows = true;
            }
        }

        if (keyPolicy is null)
        {
            return identityAllows ? AuthorizationOutcome.Allowed : AuthorizationOutcome.NoIdentityPolicyAllows;
        }

        var directAllow = false;
        var delegated = false;
        foreach (var statement in keyPolicy.Statements)
        {
            var principal = statement.MatchPrincipal(caller);
            if (principal == PrincipalMatch.None
                || !statement.MatchesAction(action)
                || !statement.MatchesResource(resource)
                || !statement.ConditionsHold(context))
            {
                continue;
            }

            if (statement.Effect == PolicyEffect.Deny)
            {
                return AuthorizationOutcome.ExplicitDenyInResourcePolicy;
            }

            if (principal == PrincipalMatch.Direct)
            {
                directAllow = true;
            }
            else
            {
                delegated = true;
            }
        }

        if (directAllow || (delegated && identityAllows))
        {
            return AuthorizationOutcome.Allowed;
        }

        return delegated ? AuthorizationOutcome.NoIdentityPolicyAllows : AuthorizationOutcome.NoResourcePolicyAllows;
    }

    /// <summary>KMS's AccessDeniedException wording.</summary>
    public static string DenialMessage(AuthorizationOutcome outcome, string callerArn, string action, string resource) => outcome switch
    {
        AuthorizationOutcome.ExplicitDenyInResourcePolicy =>
            $"User: {callerArn} is not authorized to perform: {action} on resource: {resource} with an explicit deny in a resource-based policy",
        AuthorizationOutcome.ExplicitDenyInIdentityPolicy =>
            $"User: {callerArn} is not authorized to perform: {action} on resource: {resource} with an explicit deny in an identity-based policy",
        AuthorizationOutcome.NoIdentityPolicyAllows =>
            $"User: {callerArn} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action",
        _ =>
            $"User: {callerArn} is not authorized to perform: {action} on resource: {resource} because no resource-based policy allows the {action} action",
    };
}
