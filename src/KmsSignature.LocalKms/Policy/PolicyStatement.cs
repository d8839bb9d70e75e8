namespace KmsSignature.LocalKms.Policy;

/// <summary>One parsed statement. Principal lists hold AWS principals ("*", account ids, ARNs); other principal types never match a caller.</summary>
internal sealed record PolicyStatement(
    PolicyEffect Effect,
    IReadOnlyList<string>? Principals,
    bool NotPrincipal,
    IReadOnlyList<string> Actions,
    bool NotAction,
    IReadOnlyList<string> Resources,
    bool NotResource,
    IReadOnlyList<PolicyCondition> Conditions)
{
    public bool MatchesAction(string action)
    {
        var any = Actions.Any(a => Wildcard.IsMatch(a, action, ignoreCase: true));
        return NotAction ? !any : any;
    }

    public bool MatchesResource(string resource)
    {
        var any = Resources.Any(r => Wildcard.IsMatch(r, resource, ignoreCase: false));
        return NotResource ? !any : any;
    }

    public bool ConditionsHold(RequestContext context) => Conditions.All(c => c.Evaluate(context));

    /// <summary>
    /// How this statement's Principal covers a caller: directly (its ARN, its role for an assumed-role
    /// session, or "*"), through the account root (which delegates to IAM policies), or not at all.
    /// </summary>
    public PrincipalMatch MatchPrincipal(CallerIdentity caller)
    {
        if (Principals is null)
        {
            return PrincipalMatch.None;
        }

        var match = PrincipalMatch.None;
        foreach (var principal in Principals)
        {
            if (principal == "*" || caller.IsSamePrincipal(principal))
            {
                match = PrincipalMatch.Direct;
                break;
            }

            if (caller.IsAccountRoot(principal))
            {
                match = PrincipalMatch.AccountRoot;
            }
        }

        if (NotPrincipal)
        {
            return match == PrincipalMatch.None ? PrincipalMatch.Direct : PrincipalMatch.None;
        }

        return match;
    }
}
