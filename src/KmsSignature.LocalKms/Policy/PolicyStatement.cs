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

        if (NotPrincipal)
        {
            return ExemptedByNotPrincipal(caller) ? PrincipalMatch.None : PrincipalMatch.Direct;
        }

        var match = PrincipalMatch.None;
        foreach (var principal in Principals)
        {
            if (principal == "*" || caller.IsSamePrincipal(principal))
            {
                return PrincipalMatch.Direct;
            }

            if (caller.IsAccountRoot(principal))
            {
                match = PrincipalMatch.AccountRoot;
            }
        }

        return match;
    }

    // IAM checks the account, then the role or user, then an assumed-role session: a NotPrincipal exempts a caller only
    // when it lists each of them, so one naming just the role (or just the account) still denies it
    // (IAM User Guide, "NotPrincipal", key points).
    private bool ExemptedByNotPrincipal(CallerIdentity caller)
    {
        if (Principals!.Contains("*"))
        {
            return true;
        }

        if (!Principals!.Any(caller.IsAccountRoot))
        {
            return false;
        }

        return caller.IsAccountRoot(caller.Arn)
            || (Principals!.Contains(caller.Arn) && (caller.RoleArn is null || Principals!.Contains(caller.RoleArn)));
    }
}
